// FilterRules, the TOML presets and Filter (lib/swerl/curate/filter_rules.h):
// each rule on seeds made here, the order, dedup, the diff parser, and
// rules-file errors with line numbers.
#include <gtest/gtest.h>

#include "swerl/curate/filter_rules.h"
#include "swerl/curate/filter_rules_internal.h"
#include "testing/testing.h"

namespace swerl::curate {
namespace {

using internal::DiffFile;
using internal::NoiseKind;
using internal::ParseUnifiedDiff;

// One file's section of a git patch: `body` holds the hunk lines.
std::string Section(const std::string& path, const std::string& body, int line = 10,
                    const std::string& index = "index 1111111..2222222 100644") {
  const int old_count = static_cast<int>(std::count(body.begin(), body.end(), '\n'));
  int removed = 0, added = 0;
  for (size_t at = 0; at < body.size(); at = body.find('\n', at) + 1) {
    if (body[at] == '-') ++removed;
    if (body[at] == '+') ++added;
  }
  return "diff --git a/" + path + " b/" + path + "\n" + index + "\n--- a/" + path + "\n+++ b/" +
         path + "\n@@ -" + std::to_string(line) + "," + std::to_string(old_count - added) + " +" +
         std::to_string(line) + "," + std::to_string(old_count - removed) +
         " @@ def parse(text):\n" + body;
}

const std::string kFixBody =
    "     if text is None:\n"
    "         return []\n"
    "+    text = text.strip()\n"
    "     return text.split()\n";

// A seed every preset keeps.
shard::Seed GoodSeed(int64_t number = 7) {
  shard::Seed s;
  s.repo = "acme/widget";
  s.repo_id = 1000;
  s.pull_number = number;
  s.instance_id = shard::InstanceId(s.repo, number);
  s.title = "Handle whitespace-only input";
  s.body = "Fixes #3";
  s.author = "alice";
  s.author_type = "User";
  s.issues.push_back({"acme/widget", 3, true, "Parser crashes on blank input",
                      "Traceback (most recent call last): ..."});
  s.problem_statement = "Parser crashes on blank input\nTraceback (most recent call last): ...\n";
  s.patch = Section("src/parser.py", kFixBody);
  s.test_patch = Section("tests/test_parser.py", "     pass\n+    assert parse(' ') == []\n", 3);
  s.files.push_back({"src/parser.py", "src/parser.py", "modified", false, false, "", 1, 0});
  s.files.push_back(
      {"tests/test_parser.py", "tests/test_parser.py", "modified", true, false, "", 1, 0});
  s.context.emplace_back("src/parser.py", "def parse(text):\n    return text.split()\n");
  s.oracle.emplace_back("src/parser.py", "def parse(text):\n    return text.strip().split()\n");
  return s;
}

FilterRules SeedRules() {
  auto r = PresetFilterRules("seeds");
  EXPECT_TRUE(r.has_value()) << r.error().message();
  return *r;
}

FilterDecision Decide(const shard::Seed& s, FilterRules rules = FilterRules()) {
  Filter f(std::move(rules));
  return f.Evaluate(s);
}

std::string RuleOf(const FilterDecision& d) {
  return d.kept ? "kept" : std::string(FilterRuleName(d.rule));
}

TEST(FilterTest, GoodSeedIsKeptByBothPresets) {
  EXPECT_EQ(RuleOf(Decide(GoodSeed())), "kept");
  const FilterDecision d = Decide(GoodSeed(), SeedRules());
  EXPECT_EQ(RuleOf(d), "kept") << d.detail;
}

TEST(FilterTest, DecontaminationMatchesIdCurrentAndFormerNames) {
  shard::Seed by_id = GoodSeed();
  by_id.repo = "someone/renamed";
  by_id.repo_id = 4164482;  // django/django
  FilterDecision d = Decide(by_id);
  EXPECT_EQ(RuleOf(d), "decontaminated");
  EXPECT_NE(d.detail.find("django/django"), std::string::npos) << d.detail;

  shard::Seed by_name = GoodSeed();
  by_name.repo = "Pytest-Dev/PyTest";
  EXPECT_EQ(RuleOf(Decide(by_name)), "decontaminated");

  shard::Seed former = GoodSeed();
  former.repo = "kennethreitz/requests";
  former.repo_id = 5;
  d = Decide(former);
  EXPECT_EQ(RuleOf(d), "decontaminated");
  EXPECT_NE(d.detail.find("now psf/requests"), std::string::npos) << d.detail;

  shard::Seed pylint = GoodSeed();
  pylint.repo = "PyCQA/pylint";
  EXPECT_EQ(RuleOf(Decide(pylint)), "decontaminated");

  FilterRules off;
  off.decontaminate = false;
  EXPECT_EQ(RuleOf(Decide(former, off)), "kept");
}

TEST(FilterTest, DecontaminationDropsForksByName) {
  shard::Seed fork = GoodSeed();
  fork.repo = "alice/Scikit-Learn";
  fork.repo_id = 77;
  FilterDecision d = Decide(fork);
  EXPECT_EQ(RuleOf(d), "decontaminated");
  EXPECT_NE(d.detail.find("named like scikit-learn/scikit-learn"), std::string::npos) << d.detail;
  shard::Seed former_fork = GoodSeed();
  former_fork.repo = "bob/xray";  // a former name's repository part counts too
  EXPECT_EQ(RuleOf(Decide(former_fork)), "decontaminated");
  shard::Seed similar = GoodSeed();
  similar.repo = "alice/django-rest";  // only the exact name
  EXPECT_EQ(RuleOf(Decide(similar)), "kept");
  FilterRules no_forks;
  no_forks.decontaminate_forks = false;
  EXPECT_EQ(RuleOf(Decide(fork, no_forks)), "kept");
  auto toml = ParseFilterRules("[decontamination]\nforks = false\n", "t.toml");
  ASSERT_TRUE(toml) << toml.error().message();
  EXPECT_FALSE(toml->decontaminate_forks);
}

TEST(FilterTest, SwebenchListHasTwelveRepositories) {
  ASSERT_EQ(SwebenchRepos().size(), 12u);
  EXPECT_EQ(SwebenchRepos()[1].id, 4164482);
  EXPECT_EQ(SwebenchRepos()[1].names.front(), "django/django");
}

TEST(FilterTest, BotsByKeywordInAnyFieldAndByAuthorType) {
  Filter f{FilterRules()};
  shard::Seed author = GoodSeed(1);
  author.author = "Dependabot[bot]";
  FilterDecision d = f.Evaluate(author);
  EXPECT_EQ(RuleOf(d), "bot");
  EXPECT_EQ(d.detail, "author contains '[bot]'");

  shard::Seed title = GoodSeed(2);
  title.title = "BUMP lodash from 4.17.20 to 4.17.21";
  EXPECT_EQ(RuleOf(f.Evaluate(title)), "bot");

  shard::Seed body = GoodSeed(3);
  body.body = "Enable automerge for this one";
  EXPECT_EQ(RuleOf(f.Evaluate(body)), "bot");

  shard::Seed type = GoodSeed(4);
  type.author_type = "Bot";
  d = f.Evaluate(type);
  EXPECT_EQ(RuleOf(d), "bot");
  EXPECT_EQ(d.detail, "author_type Bot");

  EXPECT_EQ(f.dropped(FilterRule::kBot), 4u);
  // [bot], dependabot, renovate, bump, automerge, author_type Bot.
  EXPECT_EQ(f.bot_keyword_hits(), (std::vector<uint64_t>{1, 1, 0, 1, 1, 1}));
}

TEST(FilterTest, EmptyChange) {
  shard::Seed s = GoodSeed();
  s.patch.clear();
  s.test_patch.clear();
  EXPECT_EQ(RuleOf(Decide(s)), "empty");
}

TEST(FilterTest, TooManyFilesOrLinesOrAHugeFile) {
  shard::Seed files = GoodSeed();
  for (int k = 0; k < 50; ++k)
    files.patch += Section("src/m" + std::to_string(k) + ".py", kFixBody);
  FilterDecision d = Decide(files);
  EXPECT_EQ(RuleOf(d), "too_large");
  EXPECT_EQ(d.detail, "52 changed files > 50");

  shard::Seed lines = GoodSeed();
  std::string body;
  for (int k = 0; k < 5000; ++k) body += "+x = " + std::to_string(k) + "\n";
  lines.patch = Section("src/big.py", body);
  d = Decide(lines);
  EXPECT_EQ(RuleOf(d), "too_large");
  EXPECT_EQ(d.detail, "5,001 changed lines > 5,000");

  shard::Seed huge = GoodSeed();
  huge.files[0].skip = "huge";
  EXPECT_EQ(RuleOf(Decide(huge)), "too_large");
}

TEST(FilterTest, AllNoiseHunksDrop) {
  auto only = [](const std::string& patch) {
    shard::Seed s = GoodSeed();
    s.patch = patch;
    s.test_patch.clear();
    return Decide(s);
  };
  FilterDecision d =
      only(Section("package-lock.json", "-    \"version\": \"1\"\n+    \"version\": \"2\"\n"));
  EXPECT_EQ(RuleOf(d), "noise");
  EXPECT_EQ(d.detail, "every hunk is noise (generated 1)");

  d = only(Section("src/parser.py", "-    x = 1\n+    x  =  1  \n"));
  EXPECT_EQ(d.detail, "every hunk is noise (whitespace 1)");

  d = only(
      Section("setup.py", "-    \"requests>=2.1.0\",\n+    \"requests>=2.2.0\",\n") +
      Section("src/widget/__init__.py", "-__version__ = '1.4.2'\n+__version__ = '1.5.0rc1'\n"));
  EXPECT_EQ(d.detail, "every hunk is noise (version 2)");

  d = only(Section("docs/usage.py", "-old\n+new\n") + Section("README.md", "-a\n+b\n"));
  EXPECT_EQ(d.detail, "every hunk is noise (docs 2)");

  d = only(
      "diff --git a/src/a.py b/src/b.py\nsimilarity index 100%\nrename from src/a.py\n"
      "rename to src/b.py\n");
  EXPECT_EQ(RuleOf(d), "noise");
  EXPECT_EQ(d.detail, "no hunk (binary, rename or mode changes only)");

  // One real hunk among noise keeps the change.
  d = only(Section("yarn.lock", "-a\n+b\n") + Section("src/parser.py", kFixBody));
  EXPECT_EQ(RuleOf(d), "kept") << d.detail;

  // A version-like change in code that does not mention a version is real.
  d = only(Section("src/parser.py", "-    timeout = 1.5\n+    timeout = 2.5\n"));
  EXPECT_EQ(RuleOf(d), "kept") << d.detail;
}

TEST(FilterTest, NeedsANonTestCodeFile) {
  shard::Seed config = GoodSeed();
  config.patch = Section(".github/workflows/ci.yml", "-  python: 3.8\n+  python: [3.8, 3.9]\n");
  FilterDecision d = Decide(config);
  EXPECT_EQ(RuleOf(d), "no_code_file");
  EXPECT_EQ(d.detail, "no non-test changed file is code (.github/workflows/ci.yml)");

  shard::Seed tests_only = GoodSeed();
  tests_only.patch.clear();
  d = Decide(tests_only);
  EXPECT_EQ(RuleOf(d), "no_code_file");
  EXPECT_EQ(d.detail, "only test files changed");
}

TEST(FilterTest, SeedPresetNeedsAClosingIssueWithText) {
  shard::Seed none = GoodSeed();
  none.issues.clear();
  none.problem_statement.clear();
  FilterDecision d = Decide(none, SeedRules());
  EXPECT_EQ(RuleOf(d), "no_closing_issue");
  EXPECT_EQ(d.detail, "no linked issue");
  EXPECT_EQ(RuleOf(Decide(none)), "kept");  // not a default rule

  shard::Seed mention = GoodSeed();
  mention.issues[0].closing = false;
  EXPECT_EQ(Decide(mention, SeedRules()).detail, "1 linked issues, none closing");

  shard::Seed no_text = GoodSeed();
  no_text.problem_statement.clear();
  EXPECT_EQ(RuleOf(Decide(no_text, SeedRules())), "no_closing_issue");
}

TEST(FilterTest, SeedPresetNeedsABugfixSignal) {
  shard::Seed feature = GoodSeed();
  feature.title = "Support YAML input";
  feature.problem_statement = "Add YAML support\nIt would be nice to read YAML files.\n";
  EXPECT_EQ(RuleOf(Decide(feature, SeedRules())), "no_bugfix_signal");

  feature.problem_statement = "Parsing raises TypeError on None\n";
  EXPECT_EQ(RuleOf(Decide(feature, SeedRules())), "kept");
  feature.problem_statement = "Output is wrong for tabs\n";
  EXPECT_EQ(RuleOf(Decide(feature, SeedRules())), "kept");
  feature.problem_statement = "Debugging output is verbose\n";  // not "bug"
  EXPECT_EQ(RuleOf(Decide(feature, SeedRules())), "no_bugfix_signal");
  feature.title = "Fix verbose debug output";
  EXPECT_EQ(RuleOf(Decide(feature, SeedRules())), "kept");
}

TEST(FilterTest, KeywordBoundaries) {
  using internal::KeywordMatches;
  EXPECT_TRUE(KeywordMatches("it crashes here", "crash*"));
  EXPECT_FALSE(KeywordMatches("a prefix", "fix"));
  EXPECT_FALSE(KeywordMatches("fixture", "fix"));
  EXPECT_TRUE(KeywordMatches("fix: x", "fix"));
  EXPECT_TRUE(KeywordMatches("raises typeerror", "*error"));
  EXPECT_FALSE(KeywordMatches("raises typeerrors", "*error"));
  EXPECT_TRUE(KeywordMatches("it does not work", "does not work"));
}

TEST(FilterTest, SeedPresetNeedsContentsAndNoRepairs) {
  shard::Seed binary = GoodSeed();
  binary.files[0].skip = "binary";
  FilterDecision d = Decide(binary, SeedRules());
  EXPECT_EQ(RuleOf(d), "missing_contents");
  EXPECT_EQ(d.detail, "'src/parser.py' has no stored contents (skip binary)");

  shard::Seed repaired = GoodSeed();
  repaired.utf8_repaired = true;
  EXPECT_EQ(RuleOf(Decide(repaired, SeedRules())), "utf8_repaired");
  EXPECT_EQ(RuleOf(Decide(repaired)), "kept");
}

TEST(FilterTest, PromptBudget) {
  shard::Seed big = GoodSeed();
  big.context.emplace_back("src/other.py", std::string(200'000, 'x') + "\n");
  FilterDecision d = Decide(big);
  EXPECT_EQ(RuleOf(d), "over_budget");
  EXPECT_NE(d.detail.find("estimated prompt tokens > 16,384"), std::string::npos) << d.detail;

  FilterRules off;
  off.max_prompt_tokens = 0;
  EXPECT_TRUE(Filter(off).needs_contents());  // degenerate_reward reads them too
  off.drop_degenerate_reward = false;
  Filter f(off);
  EXPECT_FALSE(f.needs_contents());
  EXPECT_EQ(RuleOf(f.Evaluate(big)), "kept");
  EXPECT_TRUE(Filter(FilterRules()).needs_contents());
}

TEST(FilterTest, TokenEstimate) {
  EXPECT_EQ(EstimateTokens(""), 0);
  EXPECT_EQ(EstimateTokens("return x"), 2);  // "return", " x"
  EXPECT_EQ(EstimateTokens("12345"), 2);     // 123 45
  EXPECT_EQ(EstimateTokens("a\n    b"), 3);  // a, "\n    ", b
  EXPECT_EQ(EstimateTokens("internationalization"), 4);
  EXPECT_EQ(PromptTokens(shard::Seed(), 100), 100);
}

TEST(FilterTest, DedupKeepsTheFirstCopyAtAnyLineNumbers) {
  Filter f{FilterRules()};
  shard::Seed first = GoodSeed(1);
  shard::Seed fork = GoodSeed(2);
  fork.repo = "bob/widget";
  fork.repo_id = 2000;
  fork.instance_id = shard::InstanceId(fork.repo, 2);
  fork.patch = Section("src/parser.py", kFixBody, 42, "index 3333333..4444444 100644");
  fork.test_patch = Section("tests/test_parser.py", "     pass\n+    assert parse(' ') == []\n", 9);
  shard::Seed other = GoodSeed(3);
  other.patch =
      Section("src/parser.py", "     if text is None:\n-        return []\n+        return ()\n");

  EXPECT_EQ(RuleOf(f.Evaluate(first)), "kept");
  FilterDecision d = f.Evaluate(fork);
  EXPECT_EQ(RuleOf(d), "duplicate");
  EXPECT_EQ(d.detail, "same normalized patch as acme__widget-1");
  EXPECT_EQ(RuleOf(f.Evaluate(other)), "kept");
  EXPECT_EQ(f.seen(), 3u);
  EXPECT_EQ(f.kept(), 2u);
  EXPECT_EQ(f.dropped(FilterRule::kDuplicate), 1u);

  // A copy dropped by an earlier rule does not claim the patch.
  Filter g{FilterRules()};
  shard::Seed bot = GoodSeed(4);
  bot.author = "renovate[bot]";
  EXPECT_EQ(RuleOf(g.Evaluate(bot)), "bot");
  EXPECT_EQ(RuleOf(g.Evaluate(first)), "kept");
}

TEST(FilterTest, FirstRuleInOrderWins) {
  shard::Seed s = GoodSeed();
  s.repo = "django/django";
  s.author = "dependabot[bot]";
  s.patch.clear();
  s.test_patch.clear();
  EXPECT_EQ(RuleOf(Decide(s)), "decontaminated");
  s.repo = "acme/widget";
  EXPECT_EQ(RuleOf(Decide(s)), "bot");
  s.author = "alice";
  EXPECT_EQ(RuleOf(Decide(s)), "empty");

  shard::Seed t = GoodSeed();
  t.issues.clear();
  t.problem_statement.clear();
  t.patch = Section("yarn.lock", "-a\n+b\n");
  t.test_patch.clear();
  EXPECT_EQ(RuleOf(Decide(t, SeedRules())), "noise");
}

TEST(FilterTest, RuleNamesAreStable) {
  std::vector<std::string> names;
  for (size_t k = 0; k < kFilterRuleCount; ++k) {
    names.emplace_back(FilterRuleName(static_cast<FilterRule>(k)));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"decontaminated",
                                             "created_window",
                                             "benchmark_instance",
                                             "benchmark_near_duplicate",
                                             "secret",
                                             "license",
                                             "utf8_repaired",
                                             "bot",
                                             "empty",
                                             "too_large",
                                             "noise",
                                             "no_code_file",
                                             "no_closing_issue",
                                             "no_bugfix_signal",
                                             "leaked_fix",
                                             "missing_contents",
                                             "over_budget",
                                             "degenerate_reward",
                                             "duplicate",
                                             "near_duplicate"}));
}

// ---------------------------------------------------------------- diffs --

TEST(DiffParserTest, GitSectionsRenamesBinariesAndNoNewline) {
  const std::string patch =
      "diff --git a/a.py b/a.py\n"
      "index 1..2 100644\n"
      "--- a/a.py\n"
      "+++ b/a.py\n"
      "@@ -1,2 +1,2 @@\n"
      " x\n"
      "-y\n"
      "+z\n"
      "\\ No newline at end of file\n"
      "@@ -9 +9,0 @@ def f():\n"
      "-gone\n"
      "diff --git a/img.png b/img.png\n"
      "index 3..4 100644\n"
      "Binary files a/img.png and b/img.png differ\n"
      "diff --git a/old name.py b/new name.py\n"
      "similarity index 100%\n"
      "rename from old name.py\n"
      "rename to new name.py\n"
      "diff --git \"a/caf\\303\\251.py\" \"b/caf\\303\\251.py\"\n"
      "new file mode 100644\n"
      "--- /dev/null\n"
      "+++ \"b/caf\\303\\251.py\"\n"
      "@@ -0,0 +1 @@\n"
      "+print(1)\n";
  const std::vector<DiffFile> files = ParseUnifiedDiff(patch);
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].path(), "a.py");
  ASSERT_EQ(files[0].hunks.size(), 2u);
  EXPECT_EQ(files[0].hunks[0].lines.size(), 4u);
  EXPECT_EQ(files[0].hunks[0].added, 1);
  EXPECT_EQ(files[0].hunks[1].deleted, 1);
  EXPECT_TRUE(files[1].binary);
  EXPECT_TRUE(files[1].hunks.empty());
  EXPECT_EQ(files[2].old_path, "old name.py");
  EXPECT_EQ(files[2].new_path, "new name.py");
  EXPECT_TRUE(files[2].hunks.empty());
  EXPECT_EQ(files[3].old_path, "");
  EXPECT_EQ(files[3].new_path, "caf\xc3\xa9.py");
  EXPECT_EQ(files[3].hunks[0].added, 1);
}

TEST(DiffParserTest, ContentThatLooksLikeHeadersStaysInTheHunk) {
  const std::string patch =
      "diff --git a/d.txt b/d.txt\n"
      "--- a/d.txt\n"
      "+++ b/d.txt\n"
      "@@ -1,2 +1,2 @@\n"
      "---- a/x\n"
      "++++ b/x\n"
      "\n"  // an empty context line
      "diff --git a/e.txt b/e.txt\n"
      "--- a/e.txt\n"
      "+++ b/e.txt\n"
      "@@ -1,5 +1,5 @@\n"
      "-cut short\n";
  const std::vector<DiffFile> files = ParseUnifiedDiff(patch);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].hunks[0].added, 1);
  EXPECT_EQ(files[0].hunks[0].deleted, 1);
  EXPECT_EQ(files[0].hunks[0].lines.size(), 3u);
  EXPECT_EQ(files[1].path(), "e.txt");
  EXPECT_EQ(files[1].hunks[0].deleted, 1);
}

TEST(DiffParserTest, PlainUnifiedDiffAndGarbage) {
  const std::vector<DiffFile> files = ParseUnifiedDiff(
      "some preamble\n--- a/x.c\t2024-01-01\n+++ b/x.c\t2024-01-02\n@@ -1 +1 @@\n-a\n+b\n"
      "--- a/y.c\n+++ b/y.c\n@@ bad header @@\n+c\n");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path(), "x.c");
  EXPECT_EQ(files[1].path(), "y.c");
  EXPECT_EQ(files[1].hunks[0].added, 1);
  EXPECT_TRUE(ParseUnifiedDiff("").empty());
  EXPECT_TRUE(ParseUnifiedDiff("@@ -1 +1 @@\n+x\n").empty());
}

TEST(DiffParserTest, VersionOnlyChange) {
  using internal::VersionOnlyChange;
  EXPECT_TRUE(VersionOnlyChange("version = \"1.2.3\"", "version = \"1.2.4\""));
  EXPECT_TRUE(VersionOnlyChange("  \"lodash\": \"^4.17.20\",", "  \"lodash\": \"^4.17.21\","));
  EXPECT_TRUE(VersionOnlyChange("tag: v1.0", "tag: v2.0.1-beta.1"));
  EXPECT_FALSE(VersionOnlyChange("x = 1", "x = 2"));
  EXPECT_FALSE(VersionOnlyChange("version = \"1.2\"", "release = \"1.3\""));
}

TEST(DiffParserTest, NormalizedHashIgnoresIndexLinesAndLineNumbers) {
  using internal::NormalizedPatchHash;
  const std::string a = Section("a.py", kFixBody, 10, "index 1..2 100644");
  const std::string b = Section("a.py", kFixBody, 99, "index 7..8 100644");
  EXPECT_EQ(NormalizedPatchHash(a, ""), NormalizedPatchHash(b, ""));
  EXPECT_NE(NormalizedPatchHash(a, ""), NormalizedPatchHash("", a));
  EXPECT_NE(NormalizedPatchHash(a, ""), NormalizedPatchHash(Section("b.py", kFixBody), ""));
  EXPECT_EQ(NormalizedPatchHash(a, "").size(), 64u);
}

// ----------------------------------------------------------------- TOML --

TEST(FilterRulesTest, DefaultPresetSpellsOutTheBuiltInDefaults) {
  auto rules = PresetFilterRules("default");
  ASSERT_TRUE(rules.has_value()) << rules.error().message();
  EXPECT_EQ(rules->name, "default");
  FilterRules defaults;
  EXPECT_EQ(*rules, defaults);
}

TEST(FilterRulesTest, SeedsPresetAddsSeedSelection) {
  FilterRules seeds = SeedRules();
  EXPECT_EQ(seeds.name, "seeds");
  EXPECT_TRUE(seeds.require_closing_issue);
  EXPECT_TRUE(seeds.require_bugfix_signal);
  EXPECT_TRUE(seeds.require_contents);
  EXPECT_TRUE(seeds.drop_utf8_repaired);
  seeds.require_closing_issue = seeds.require_bugfix_signal = seeds.require_contents =
      seeds.drop_utf8_repaired = false;
  seeds.name = "default";
  EXPECT_EQ(seeds, FilterRules());
  EXPECT_FALSE(PresetFilterRules("nightly").has_value());
}

TEST(FilterRulesTest, ShippedFilesMatchTheCompiledInCopies) {
  const std::string data = std::string(SWERL_TEST_DATA) + "/../../data/";
  EXPECT_EQ(testing::ReadFile(data + "filters/default.toml"), ShippedFilterFile("default.toml"));
  EXPECT_EQ(testing::ReadFile(data + "filters/seeds.toml"), ShippedFilterFile("seeds.toml"));
  EXPECT_EQ(testing::ReadFile(data + "swebench_repos.tsv"),
            ShippedFilterFile("swebench_repos.tsv"));
  EXPECT_EQ(ShippedFilterFile("other.toml"), "");
}

TEST(FilterRulesTest, KeysLeftOutKeepDefaults) {
  auto rules = ParseFilterRules(
      "[size]\nmax_files = 10\n[bots]\nkeywords = [\"CI-Bot\"]\n"
      "[decontamination]\nswebench = false\nextra_repos = [\"Evil/Corp\"]\nextra_repo_ids = [42]\n",
      "mine.toml");
  ASSERT_TRUE(rules.has_value()) << rules.error().message();
  EXPECT_EQ(rules->name, "mine.toml");
  EXPECT_EQ(rules->max_files, 10);
  EXPECT_EQ(rules->max_changed_lines, 5000);
  EXPECT_EQ(rules->bot_keywords, std::vector<std::string>{"ci-bot"});
  ASSERT_EQ(rules->excluded_repos.size(), 2u);
  shard::Seed s = GoodSeed();
  s.repo = "evil/corp";
  EXPECT_EQ(RuleOf(Decide(s, *rules)), "decontaminated");
  s = GoodSeed();
  s.repo_id = 42;
  EXPECT_EQ(RuleOf(Decide(s, *rules)), "decontaminated");
  s = GoodSeed();
  s.repo = "django/django";
  EXPECT_EQ(RuleOf(Decide(s, *rules)), "kept");
}

TEST(FilterRulesTest, ErrorsNameFileLineAndKey) {
  auto unknown_key = ParseFilterRules("[size]\nmax_files = 10\nmax_file = 3\n", "r.toml");
  ASSERT_FALSE(unknown_key.has_value());
  EXPECT_EQ(unknown_key.error().code(), Code::kInvalidInput);
  EXPECT_EQ(unknown_key.error().message(), "r.toml:3: unknown key 'size.max_file'");

  auto unknown_table = ParseFilterRules("\n[sizes]\nmax_files = 10\n", "r.toml");
  ASSERT_FALSE(unknown_table.has_value());
  EXPECT_EQ(unknown_table.error().message(), "r.toml:2: unknown table 'sizes'");

  auto mistyped = ParseFilterRules("[size]\n\nmax_files = \"ten\"\n", "r.toml");
  ASSERT_FALSE(mistyped.has_value());
  EXPECT_EQ(mistyped.error().message(),
            "r.toml:3: key 'size.max_files' must be a non-negative integer");

  auto bad_list = ParseFilterRules("[code]\nextensions = [\"py\"]\n", "r.toml");
  ASSERT_FALSE(bad_list.has_value());
  EXPECT_EQ(bad_list.error().message(),
            "r.toml:2: key 'code.extensions' entries must start with '.' (\"py\")");

  auto syntax = ParseFilterRules("[size]\nmax_files = = 3\n", "r.toml");
  ASSERT_FALSE(syntax.has_value());
  EXPECT_EQ(syntax.error().message().rfind("r.toml:2: ", 0), 0u) << syntax.error().message();

  auto top_level = ParseFilterRules("dedup = true\n", "r.toml");
  ASSERT_FALSE(top_level.has_value());
  EXPECT_EQ(top_level.error().message(), "r.toml:1: 'dedup' must be a table");
}

TEST(FilterRulesTest, LoadFromFile) {
  testing::TempDir dir;
  testing::WriteFile(dir.Join("r.toml"), "[dedup]\nenabled = false\n\n[noise]\nbogus = 1\n");
  auto rules = LoadFilterRules(dir.Join("r.toml"));
  ASSERT_FALSE(rules.has_value());
  EXPECT_EQ(rules.error().message(), dir.Join("r.toml") + ":5: unknown key 'noise.bogus'");
  auto missing = LoadFilterRules(dir.Join("none.toml"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
}

TEST(FilterRulesTest, RepoListErrors) {
  auto ok = ParseRepoList("# c\n\n12\tA/B\tC/D\n\tE/F\n", "x.tsv");
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].names, (std::vector<std::string>{"a/b", "c/d"}));
  auto bad = ParseRepoList("# c\n1x\ta/b\n", "x.tsv");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "x.tsv:2: repository id '1x' is not a number");
  EXPECT_FALSE(ParseRepoList("\tnoslash\n", "x.tsv").has_value());
}

}  // namespace
}  // namespace swerl::curate

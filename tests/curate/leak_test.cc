// Leaked fixes (lib/swerl/curate/leak.h): references to the fixing PR and
// its commits stripped from real problem statements (SWE-bench and
// Multi-SWE-bench issues that link their own fix), a mutation test (trailers
// inserted into real statements come out exactly), the leak score on real
// instances and on a statement that quotes its patch, and the filter's
// leaked_fix rule.
#include "swerl/curate/leak.h"

#include <gtest/gtest.h>

#include <random>

#include "swerl/curate/benchmarks.h"
#include "swerl/curate/filter_rules.h"
#include "testing/testing.h"

namespace swerl::curate {
namespace {

const BenchmarkInstance& Instance(std::string_view id) {
  const auto& all = ShippedBenchmarks();
  auto it = std::find_if(all.begin(), all.end(),
                         [&](const BenchmarkInstance& b) { return b.instance_id == id; });
  EXPECT_NE(it, all.end()) << id;
  return *it;
}

FixIdentity FixOf(const BenchmarkInstance& b) { return {b.repo, b.pull_number, {}}; }

std::string Kinds(const StripResult& r) {
  std::string out;
  for (const shard::SeedStrip& s : r.stripped) out += (out.empty() ? "" : " ") + s.kind;
  return out;
}

// django__django-14404 ends "Patch - <U+200B>https://github.com/django/django/pull/14404".
TEST(LeakTest, RealStatementLinkingItsOwnPullRequest) {
  const BenchmarkInstance& b = Instance("django__django-14404");
  ASSERT_NE(b.problem_statement.find("/pull/14404"), std::string::npos);
  const StripResult r = StripLeaks(b.problem_statement, FixOf(b));
  EXPECT_EQ(Kinds(r), "pr_link");
  EXPECT_EQ(r.stripped[0].text, "https://github.com/django/django/pull/14404");
  EXPECT_TRUE(r.text.ends_with("(with the script name)\nPatch -\n")) << r.text;
  EXPECT_EQ(r.text.find("14404"), std::string::npos);
}

// Real statements that announce the fix ("Pull request: <link>", "PR done
// as an idea: #3695", "a bug in #20428" inside a sentence).
TEST(LeakTest, RealStatementsWithReferencesInsideSentences) {
  {
    const BenchmarkInstance& b = Instance("expressjs__express-3695");
    const StripResult r = StripLeaks(b.problem_statement, FixOf(b));
    EXPECT_EQ(Kinds(r), "pr_ref");
    EXPECT_EQ(r.stripped[0].text, "#3695");
    EXPECT_NE(r.text.find("PR done as an idea:"), std::string::npos);
  }
  {
    const BenchmarkInstance& b = Instance("sympy__sympy-20428");
    const StripResult r = StripLeaks(b.problem_statement, FixOf(b));
    EXPECT_EQ(Kinds(r), "pr_ref");
    EXPECT_NE(r.text.find("points out this is a bug in)"), std::string::npos);
  }
  {
    // Links its PR twice.
    const BenchmarkInstance& b = Instance("django__django-10097");
    const StripResult r = StripLeaks(b.problem_statement, FixOf(b));
    EXPECT_EQ(Kinds(r), "pr_link pr_link");
    EXPECT_NE(r.text.find("Pull request:\nMake URLValidator"), std::string::npos) << r.text;
  }
  // Over every list: the instances whose statement names their own PR.
  size_t naming = 0, clean_after = 0;
  for (const BenchmarkInstance& b : ShippedBenchmarks()) {
    if (b.pull_number <= 0 || b.problem_statement.empty()) continue;
    const StripResult r = StripLeaks(b.problem_statement, FixOf(b));
    if (r.stripped.empty()) continue;
    ++naming;
    const std::string n = std::to_string(b.pull_number);
    clean_after += r.text.find("/pull/" + n) == std::string::npos &&
                   r.text.find("#" + n + " ") == std::string::npos &&
                   r.text.find("#" + n + "\n") == std::string::npos;
  }
  std::cout << "[ measure  ] benchmark statements naming their own PR: " << naming
            << ", clean after stripping: " << clean_after << "\n";
  EXPECT_GE(naming, 12u);
  EXPECT_EQ(clean_after, naming);
}

TEST(LeakTest, TrailersCommitsAndOtherReferences) {
  FixIdentity fix{
      "Acme/Widget",
      42,
      {"0123456789abcdef0123456789abcdef01234567", "fedcba9876543210fedcba9876543210fedcba98"}};
  const std::string text =
      "Parser crashes on blank input\n"
      "Traceback: see #41 and other/repo#42, not related.\n"
      "Fixed in #42.\n"
      "Closed via 0123456 on main\n"
      "A regression from fedcba98 (see acme/widget#42) and "
      "https://github.com/acme/widget/commit/fedcba9876543.\n"
      "Commit 0123456789abcdef0123 is mentioned, 01234 is too short, deadbeef1 is another commit.\n"
      "GH-42 tracks it; PR #42 and PR 42 too; "
      "https://github.com/acme/widget/pull/42#discussion_r1.\n"
      "https://github.com/acme/widget/pull/420 is another PR; issue #420 too.\n";
  const StripResult r = StripLeaks(text, fix);
  EXPECT_EQ(r.text,
            "Parser crashes on blank input\n"
            "Traceback: see #41 and other/repo#42, not related.\n"
            "A regression from (see) and.\n"
            "Commit is mentioned, 01234 is too short, deadbeef1 is another commit.\n"
            " tracks it; and too;.\n"
            "https://github.com/acme/widget/pull/420 is another PR; issue #420 too.\n");
  EXPECT_EQ(Kinds(r),
            "fix_trailer fix_trailer commit_sha pr_ref commit_link commit_sha pr_ref pr_ref pr_ref "
            "pr_link");
  EXPECT_EQ(r.stripped[0].text, "Fixed in #42.");
  EXPECT_EQ(r.stripped[1].text, "Closed via 0123456 on main");
  EXPECT_EQ(r.stripped[3].text, "acme/widget#42");
  EXPECT_EQ(r.stripped[4].text, "https://github.com/acme/widget/commit/fedcba9876543");
  EXPECT_EQ(r.stripped[7].text, "PR #42");
  EXPECT_EQ(r.stripped[9].text, "https://github.com/acme/widget/pull/42#discussion_r1");
  // No identity, no stripping.
  EXPECT_EQ(StripLeaks(text, FixIdentity{}).text, text);
}

// Mutation: "fixed in" trailers inserted at random line boundaries of real
// statements (that do not name their fix) come out exactly, and nothing
// else does.
TEST(LeakTest, InsertedTrailersComeOutExactly) {
  std::mt19937 rng(21);
  const char* const kTrailers[] = {"Fixed in #{N}.", "Closed by https://github.com/{R}/pull/{N}",
                                   "This was resolved in {S}.", "fixed by {R}#{N}"};
  size_t tried = 0;
  for (const BenchmarkInstance& b : ShippedBenchmarks()) {
    if (b.pull_number <= 0 || b.problem_statement.empty() || tried >= 400) continue;
    FixIdentity fix{b.repo, b.pull_number, {"9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"}};
    if (!StripLeaks(b.problem_statement, fix).stripped.empty()) continue;
    ++tried;
    std::vector<std::string> lines = testing::SplitLines(b.problem_statement);
    std::string trailer = kTrailers[rng() % 4];
    auto put = [&](const std::string& key, const std::string& value) {
      for (size_t at; (at = trailer.find(key)) != std::string::npos;)
        trailer.replace(at, key.size(), value);
    };
    put("{N}", std::to_string(b.pull_number));
    put("{R}", b.repo);
    put("{S}", "9f8e7d6c5b");
    lines.insert(lines.begin() + static_cast<long>(rng() % (lines.size() + 1)), trailer);
    std::string mutated;
    for (const std::string& l : lines) mutated += l + "\n";
    std::string original;
    for (const std::string& l : testing::SplitLines(b.problem_statement)) original += l + "\n";
    const StripResult r = StripLeaks(mutated, fix);
    ASSERT_EQ(r.stripped.size(), 1u) << b.instance_id << ": " << trailer;
    EXPECT_EQ(r.stripped[0].kind, "fix_trailer") << b.instance_id;
    EXPECT_EQ(r.stripped[0].text, trailer) << b.instance_id;
    EXPECT_EQ(r.text, original) << b.instance_id;
  }
  EXPECT_EQ(tried, 400u);
}

TEST(LeakTest, LeakScoreOnRealInstancesAndOnAQuotedPatch) {
  // A statement that pastes its own fix (12453 adds 71 tokens).
  const BenchmarkInstance& b = Instance("django__django-12453");
  std::string quoted = b.problem_statement + "\nThe fix:\n";
  for (const std::string& line : testing::SplitLines(b.patch_lines)) {
    if (line.starts_with("+")) quoted += line.substr(1) + "\n";
  }
  const std::string patch = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n" + b.patch_lines + "\n";
  EXPECT_GE(LeakScore(quoted, patch, 16), 0.99);
  EXPECT_LT(LeakScore(b.problem_statement, patch, 16), 0.6);
  EXPECT_EQ(LeakScore(b.problem_statement, patch, 1000), 0.0);  // under min_shingles
  // Too small to tell: a one-line fix.
  EXPECT_EQ(LeakScore("use x.strip()", "+++ b/a\n+x.strip()\n", 16), 0.0);
  // Over the real instances with text and a patch: few statements hold most
  // of their own patch (those that do paste the fix).
  size_t scored = 0, leaks = 0;
  for (const BenchmarkInstance& i : ShippedBenchmarks()) {
    if (i.problem_statement.empty() || i.patch_lines.empty()) continue;
    ++scored;
    if (LeakScore(i.problem_statement, i.patch_lines, 16) >= 0.6) ++leaks;
  }
  std::cout << "[ measure  ] benchmark statements holding >= 60% of their patch: " << leaks
            << " of " << scored << "\n";
  EXPECT_LT(leaks * 50, scored);  // under 2%
}

TEST(LeakTest, FilterDropsAStatementThatIsMostlyThePatch) {
  const BenchmarkInstance& b = Instance("django__django-12453");
  shard::Seed s;
  s.repo = "acme/widget";
  s.pull_number = 9;
  s.instance_id = "acme__widget-9";
  s.created_at = "2024-01-01T00:00:00Z";
  s.patch =
      "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n" + b.patch_lines + "\n";
  s.problem_statement = "Validators accept a trailing newline\nApply this:\n";
  for (const std::string& line : testing::SplitLines(b.patch_lines)) {
    if (line.starts_with("+")) s.problem_statement += line.substr(1) + "\n";
  }
  FilterRules rules;
  rules.drop_benchmark_near_duplicates = false;  // the patch is a benchmark's
  rules.require_code_file = false;
  rules.max_prompt_tokens = 0;
  Filter filter(rules);
  const FilterDecision d = filter.Evaluate(s);
  EXPECT_EQ(FilterRuleName(d.rule), "leaked_fix");
  EXPECT_EQ(d.detail, "the problem statement holds 100% of the patch's added lines (>= 60%)");
  rules.drop_leaked_fix = false;
  Filter off(rules);
  EXPECT_TRUE(off.Evaluate(s).kept);
}

}  // namespace
}  // namespace swerl::curate

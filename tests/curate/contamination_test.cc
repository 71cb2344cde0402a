// Contamination beyond repositories (filter rules created_window,
// benchmark_instance, benchmark_near_duplicate, near_duplicate): MinHash
// properties, the shipped benchmark lists (every instance caught on the
// lists themselves; recall on a perturbed copy; false positives on
// unrelated real PRs: SWE-bench Lite against the other benchmarks' lists,
// and the GH Archive fixture's PR and issue texts), the time window and
// in-run near-duplicate collapse keeping the earliest.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>
#include <set>

#include "swerl/curate/benchmarks.h"
#include "swerl/curate/filter_rules.h"
#include "swerl/curate/minhash.h"
#include "testing/testing.h"

namespace swerl::curate {
namespace {

using testing::DataPath;
using testing::ReadFile;
using testing::SplitLines;

// A seed made from a benchmark instance: its repository, PR number,
// problem statement and (changed lines wrapped in a git section) patch.
shard::Seed SeedOf(const BenchmarkInstance& b) {
  shard::Seed s;
  s.repo = b.repo;
  s.pull_number = b.pull_number > 0 ? b.pull_number : 1;
  s.instance_id = shard::InstanceId(s.repo, s.pull_number);
  s.created_at = "2020-01-01T00:00:00Z";
  s.problem_statement = b.problem_statement;
  if (!b.patch_lines.empty()) {
    s.patch = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,1 +1,1 @@\n" +
              b.patch_lines + "\n";
  }
  return s;
}

// Only the rules under test: contamination on, everything else off.
FilterRules ContaminationOnly() {
  FilterRules r;
  r.decontaminate = false;
  r.drop_bots = false;
  r.drop_empty = false;
  r.max_files = 0;
  r.max_changed_lines = 0;
  r.drop_all_noise = false;
  r.require_code_file = false;
  r.max_prompt_tokens = 0;
  r.dedup = false;
  r.near_dedup = false;
  return r;
}

// The texts of an instance perturbed: the title (first line) reworded,
// every changed line re-indented by 4 spaces, the repository renamed (so
// the instance rule cannot match by name).
shard::Seed Perturbed(const BenchmarkInstance& b) {
  shard::Seed s = SeedOf(b);
  s.repo = "someone-else/renamed-" + std::to_string(b.pull_number);
  s.instance_id = shard::InstanceId(s.repo, s.pull_number);
  const size_t nl = s.problem_statement.find('\n');
  s.problem_statement = "Reworded: a problem report about this" +
                        (nl == std::string::npos ? std::string() : s.problem_statement.substr(nl));
  std::string patch;
  for (const std::string& line : SplitLines(s.patch)) {
    if ((line.starts_with("+") || line.starts_with("-")) && !line.starts_with("+++ ") &&
        !line.starts_with("--- ")) {
      patch += line.substr(0, 1) + "    " + line.substr(1) + "\n";
    } else {
      patch += line + "\n";
    }
  }
  s.patch = patch;
  return s;
}

// ------------------------------------------------------------- minhash --

TEST(MinHashTest, NormalisationIgnoresCaseSpacingPunctuationAndContext) {
  EXPECT_EQ(Shingles("Fix the  CRASH, in parse()!\n", TextKind::kStatement),
            Shingles("fix the crash in\nparse", TextKind::kStatement));
  const std::string a =
      "diff --git a/p.py b/p.py\n--- a/p.py\n+++ b/p.py\n@@ -3,2 +3,2 @@ def f\n ctx\n"
      "-    return x\n+    return x.strip()\n";
  const std::string b =
      "diff --git a/q/p.py b/q/p.py\n--- a/q/p.py\n+++ b/q/p.py\n@@ -90,2 +90,2 @@\n other\n"
      "-\treturn   x\n+\t\treturn x.strip( )\n";
  EXPECT_EQ(Shingles(a, TextKind::kPatch), Shingles(b, TextKind::kPatch));
  // The sign of a line counts: a reverted change is not the change.
  EXPECT_NE(Shingles("-a b c d e f\n", TextKind::kPatch),
            Shingles("+a b c d e f\n", TextKind::kPatch));
  EXPECT_TRUE(Shingles(" ,;\n", TextKind::kStatement).empty());
  EXPECT_EQ(MinHashOf("", TextKind::kPatch).shingles, 0u);
}

// Property: the estimate tracks the true Jaccard similarity of random word
// sets built with a known overlap (within 0.15 of it, 40 trials each).
TEST(MinHashTest, EstimateTracksJaccardOnRandomSets) {
  std::mt19937_64 rng(21);
  for (double want : {0.1, 0.3, 0.5, 0.7, 0.9}) {
    double total_err = 0;
    for (int trial = 0; trial < 40; ++trial) {
      // Shingles of single-token texts are the tokens; build two sets of
      // 300 with round(want * 600 / (1 + want)) shared.
      const int n = 300;
      const int shared = static_cast<int>(want * 2 * n / (1 + want) + 0.5);
      std::vector<uint64_t> a, b;
      for (int k = 0; k < shared; ++k) {
        const uint64_t v = rng();
        a.push_back(v);
        b.push_back(v);
      }
      while (static_cast<int>(a.size()) < n) a.push_back(rng());
      while (static_cast<int>(b.size()) < n) b.push_back(rng());
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      const double truth = static_cast<double>(shared) / (2 * n - shared);
      const double est = EstimatedJaccard(MinHashOf(a), MinHashOf(b));
      EXPECT_NEAR(est, truth, 0.15) << "want " << want << " trial " << trial;
      total_err += std::abs(est - truth);
    }
    EXPECT_LT(total_err / 40, 0.05) << "mean error at " << want;
  }
}

TEST(MinHashTest, LshFindsSimilarAndSkipsUnrelated) {
  LshIndex index;
  const MinHash base = MinHashOf(
      "the parser crashes with a traceback when the input holds only whitespace and the "
      "option strict is set, because strip is called on None before the length check",
      TextKind::kStatement);
  index.Add(7, base);
  index.Add(8, MinHashOf("completely different words about rendering a colour map legend "
                         "in the plotting backend when the figure is resized twice",
                         TextKind::kStatement));
  EXPECT_EQ(index.Candidates(base), std::vector<uint32_t>{7});
  EXPECT_TRUE(index.Candidates(MinHash()).empty());
  EXPECT_EQ(index.size(), 2u);
}

// ----------------------------------------------------------- the lists --

TEST(BenchmarkListTest, ShippedListsAreWhole) {
  const auto& all = ShippedBenchmarks();
  std::map<std::string, int> per;
  for (const BenchmarkInstance& b : all) {
    for (const std::string& n : b.benchmarks) ++per[n];
  }
  // The official sizes (data/benchmarks/README.md).
  EXPECT_EQ(per["swe-bench"], 2294);
  EXPECT_EQ(per["swe-bench-lite"], 300);
  EXPECT_EQ(per["swe-bench-verified"], 500);
  EXPECT_EQ(per["swe-bench-multilingual"], 300);
  EXPECT_EQ(per["multi-swe-bench"], 1632);
  EXPECT_EQ(per["multi-swe-bench-mini"], 400);
  EXPECT_EQ(per["swe-bench-pro-public"], 731);
  EXPECT_EQ(per.size(), 7u);
  EXPECT_EQ(ShippedBenchmarkNames().size(), 7u);
  // django__django-11099 is in the full split, Lite and Verified, with text.
  auto it = std::find_if(all.begin(), all.end(), [](const BenchmarkInstance& b) {
    return b.instance_id == "django__django-11099";
  });
  ASSERT_NE(it, all.end());
  EXPECT_EQ(it->pull_number, 11099);
  EXPECT_FALSE(it->problem_statement.empty());
  EXPECT_TRUE(it->patch_lines.starts_with("-") || it->patch_lines.starts_with("+"));
}

TEST(BenchmarkListTest, ParseErrorsNameTheLine) {
  auto ok = ParseBenchmarkList(
      "{\"instance_id\":\"a__b-1\",\"benchmarks\":[\"x\"],\"repo\":\"a/b\",\"pull_number\":1}\n",
      "t.jsonl");
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_EQ(ok->at(0).pull_number, 1);
  auto bad = ParseBenchmarkList(
      "\n{\"instance_id\":\"a__b-1\",\"benchmarks\":[\"x\"],\"repo\":\"ab\"}\n", "t.jsonl");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "t.jsonl:2: 'repo' must be OWNER/NAME");
  bad = ParseBenchmarkList("{\"instance_id\":\"a\",\"benchmarks\":[],\"repo\":\"a/b\"}", "t");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "t:1: 'benchmarks' is empty");
}

// Every instance of every list is caught when a seed is that instance:
// by number where the list has one, else by its text.
TEST(BenchmarkListTest, EveryInstanceIsCaughtOnTheListsThemselves) {
  Filter filter(ContaminationOnly());
  size_t by_number = 0, by_text = 0, missed = 0;
  for (const BenchmarkInstance& b : ShippedBenchmarks()) {
    const FilterDecision d = filter.Evaluate(SeedOf(b));
    if (!d.kept && d.rule == FilterRule::kBenchmarkInstance) {
      ++by_number;
    } else if (!d.kept && d.rule == FilterRule::kBenchmarkNearDuplicate) {
      ++by_text;
    } else {
      ++missed;
      ADD_FAILURE() << b.instance_id << " not caught";
    }
  }
  EXPECT_EQ(missed, 0u);
  EXPECT_EQ(by_number + by_text, ShippedBenchmarks().size());
  std::cout << "[ measure  ] lists themselves: " << by_number << " by number, " << by_text
            << " by text (no PR number), " << missed << " missed of " << ShippedBenchmarks().size()
            << "\n";
  // With the instance rule off, every instance with text is caught by it.
  FilterRules text_only = ContaminationOnly();
  text_only.drop_benchmark_instances = false;
  Filter text_filter(text_only);
  size_t with_text = 0, caught = 0;
  for (const BenchmarkInstance& b : ShippedBenchmarks()) {
    shard::Seed s = SeedOf(b);
    if (Shingles(s.problem_statement, TextKind::kStatement).size() < 16 &&
        Shingles(s.patch, TextKind::kPatch).size() < 16) {
      continue;  // too short to compare (or no text)
    }
    ++with_text;
    caught += !text_filter.Evaluate(s).kept;
  }
  EXPECT_EQ(caught, with_text);
  std::cout << "[ measure  ] by text alone: " << caught << " of " << with_text
            << " instances with text\n";
}

TEST(BenchmarkListTest, InstanceMatchUsesRenamesAndIdsAndNamesTheInstance) {
  shard::Seed s;
  s.repo = "DJANGO/Django";
  s.pull_number = 11099;
  s.instance_id = "x";
  s.created_at = "2020-01-01T00:00:00Z";
  Filter filter(ContaminationOnly());
  FilterDecision d = filter.Evaluate(s);
  EXPECT_EQ(FilterRuleName(d.rule), "benchmark_instance");
  EXPECT_EQ(d.detail, "is django__django-11099 (swe-bench, swe-bench-lite, swe-bench-verified)");
  // By the GitHub id of data/swebench_repos.tsv, under any name.
  const ExcludedRepo& django =
      *std::find_if(SwebenchRepos().begin(), SwebenchRepos().end(),
                    [](const ExcludedRepo& r) { return r.names.front() == "django/django"; });
  s.repo = "renamed/elsewhere";
  s.repo_id = django.id;
  d = filter.Evaluate(s);
  EXPECT_EQ(FilterRuleName(d.rule), "benchmark_instance") << d.detail;
  // Another PR number of the repository is not an instance.
  s.pull_number = 11098;
  EXPECT_TRUE(filter.Evaluate(s).kept);
  // A benchmark outside SWE-bench: Multi-SWE-bench's ripgrep, spelled in
  // lower case by one list and in mixed case by another.
  s.repo_id = 0;
  s.repo = "BurntSushi/ripgrep";
  s.pull_number = 2209;
  d = filter.Evaluate(s);
  EXPECT_EQ(FilterRuleName(d.rule), "benchmark_instance") << d.detail;
}

// Recall on a perturbed copy: title reworded, patch re-indented,
// repository renamed. Measured, and held to what it measured.
TEST(BenchmarkListTest, RecallOnAPerturbedCopy) {
  FilterRules rules = ContaminationOnly();
  Filter filter(rules);
  size_t total = 0, caught = 0, by_statement = 0, by_patch = 0;
  for (const BenchmarkInstance& b : ShippedBenchmarks()) {
    if (b.problem_statement.empty() && b.patch_lines.empty()) continue;
    shard::Seed s = Perturbed(b);
    ++total;
    const FilterDecision d = filter.Evaluate(s);
    if (d.kept) continue;
    ASSERT_EQ(FilterRuleName(d.rule), "benchmark_near_duplicate") << b.instance_id;
    ++caught;
    (d.detail.starts_with("patch") ? by_patch : by_statement)++;
  }
  const double recall = static_cast<double>(caught) / total;
  std::cout << "[ measure  ] perturbed copy: recall " << caught << "/" << total << " = " << recall
            << " (" << by_statement << " by statement, " << by_patch << " by patch)\n";
  EXPECT_GE(recall, 0.97);
}

// False positives on unrelated real PRs: the SWE-bench Lite instances are
// real PRs of 12 Python repositories, checked against the lists that do
// not hold them (Multi-SWE-bench, Multilingual, Pro); and the PR and issue
// texts of the GH Archive fixture hours against all lists.
TEST(BenchmarkListTest, FalsePositivesOnUnrelatedRealPrs) {
  FilterRules rules = ContaminationOnly();
  rules.benchmarks = {"multi-swe-bench", "multi-swe-bench-mini", "swe-bench-multilingual",
                      "swe-bench-pro-public"};
  Filter filter(rules);
  size_t lite = 0, lite_fp = 0;
  for (const BenchmarkInstance& b : ShippedBenchmarks()) {
    const bool in_lite =
        std::find(b.benchmarks.begin(), b.benchmarks.end(), "swe-bench-lite") != b.benchmarks.end();
    const bool in_other = std::any_of(b.benchmarks.begin(), b.benchmarks.end(), [&](auto& n) {
      return std::find(rules.benchmarks.begin(), rules.benchmarks.end(), n) !=
             rules.benchmarks.end();
    });
    if (!in_lite || in_other) continue;
    ++lite;
    const FilterDecision d = filter.Evaluate(SeedOf(b));
    if (!d.kept) {
      ++lite_fp;
      std::cout << "[ fp       ] " << b.instance_id << ": " << d.detail << "\n";
    }
  }
  EXPECT_EQ(lite, 290u);  // 10 Lite instances are also Multi-SWE-bench mini's Python rows
  EXPECT_LE(lite_fp, 2u);

  // The GH Archive fixture: every PR and issue title + body.
  Filter all(ContaminationOnly());
  simdjson::dom::parser parser;
  size_t texts = 0, gha_fp = 0;
  const std::string events = ReadFile(DataPath("gharchive/2021-07-21-few-hours.json"));
  for (const std::string& line : SplitLines(events)) {
    simdjson::dom::element e;
    if (parser.parse(line).get(e) != simdjson::SUCCESS) continue;
    std::string_view type;
    if (e["type"].get(type) != simdjson::SUCCESS) continue;
    const char* key = type == "PullRequestEvent" ? "pull_request"
                      : type == "IssuesEvent"    ? "issue"
                                                 : nullptr;
    if (!key) continue;
    std::string_view title, body, repo;
    if (e["payload"][key]["title"].get(title) != simdjson::SUCCESS) continue;
    if (e["payload"][key]["body"].get(body) != simdjson::SUCCESS) body = "";
    if (e["repo"]["name"].get(repo) != simdjson::SUCCESS) repo = "";
    shard::Seed s;
    s.repo = std::string(repo);
    s.pull_number = 1;
    s.instance_id = "gha-" + std::to_string(texts);
    s.created_at = "2021-07-21T00:00:00Z";
    s.problem_statement = std::string(title) + "\n" + std::string(body) + "\n";
    ++texts;
    const FilterDecision d = all.Evaluate(s);
    if (!d.kept) {
      ++gha_fp;
      std::cout << "[ fp       ] " << repo << ": " << d.detail << "\n";
    }
  }
  EXPECT_GE(texts, 80u);
  EXPECT_EQ(gha_fp, 0u);
  std::cout << "[ measure  ] false positives: SWE-bench Lite vs other lists " << lite_fp << "/"
            << lite << ", GH Archive PR and issue texts " << gha_fp << "/" << texts << "\n";
}

// ------------------------------------------------------------ the window --

TEST(CreatedWindowTest, PrAndClosingIssueMustBeInsideTheWindow) {
  FilterRules rules = ContaminationOnly();
  rules.drop_benchmark_instances = rules.drop_benchmark_near_duplicates = false;
  rules.created_after = "2024-06-01T00:00:00Z";
  rules.created_before = "2025-01-01T00:00:00Z";
  Filter filter(rules);
  shard::Seed s;
  s.repo = "acme/widget";
  s.pull_number = 5;
  s.instance_id = "acme__widget-5";
  s.created_at = "2024-07-01T10:00:00Z";
  EXPECT_TRUE(filter.Evaluate(s).kept);
  s.issues.push_back({"acme/widget", 3, true, "t", "b", "2023-12-24T08:00:00Z"});
  FilterDecision d = filter.Evaluate(s);
  EXPECT_EQ(FilterRuleName(d.rule), "created_window");
  EXPECT_EQ(d.detail,
            "closing issue acme/widget#3 created 2023-12-24T08:00:00Z, outside "
            "[2024-06-01T00:00:00Z, 2025-01-01T00:00:00Z)");
  s.issues[0].closing = false;  // a mention, not the problem
  EXPECT_TRUE(filter.Evaluate(s).kept);
  s.created_at = "2025-01-01T00:00:00Z";  // the upper bound is exclusive
  d = filter.Evaluate(s);
  EXPECT_EQ(d.detail,
            "PR created 2025-01-01T00:00:00Z, outside [2024-06-01T00:00:00Z, "
            "2025-01-01T00:00:00Z)");
  s.created_at = "";
  EXPECT_EQ(filter.Evaluate(s).detail, "the PR's creation time is unknown");
  // No bound: no rule.
  Filter open(ContaminationOnly());
  EXPECT_TRUE(open.Evaluate(s).kept);
}

TEST(CreatedWindowTest, RulesFileTakesDatesAndRefusesOthers) {
  auto r = ParseFilterRules(
      "[contamination]\ncreated_after = \"2024-06-01\"\n"
      "created_before = \"2025-01-01T12:30:00Z\"\n",
      "r.toml");
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->created_after, "2024-06-01T00:00:00Z");
  EXPECT_EQ(r->created_before, "2025-01-01T12:30:00Z");
  r = ParseFilterRules("[contamination]\n\ncreated_after = \"June 2024\"\n", "r.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(),
            "r.toml:3: key 'contamination.created_after' must be \"YYYY-MM-DD\" or "
            "\"YYYY-MM-DDTHH:MM:SSZ\" (\"June 2024\")");
  r = ParseFilterRules("[contamination]\nbenchmarks = [\"swe-bench-nope\"]\n", "r.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("unknown benchmark 'swe-bench-nope'"), std::string::npos);
  r = ParseFilterRules("[contamination]\nstatement_similarity = 1.5\n", "r.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(),
            "r.toml:2: key 'contamination.statement_similarity' must be a number in (0, 1]");
  EXPECT_EQ(NormalizeCutoff("2024-13-01"), std::nullopt);
  EXPECT_EQ(NormalizeCutoff(""), std::string());
}

// ------------------------------------------------- near duplicates in a run --

const char* const kFix =
    "diff --git a/src/parse.py b/src/parse.py\n--- a/src/parse.py\n+++ b/src/parse.py\n"
    "@@ -10,6 +10,10 @@ def parse(text):\n"
    "     if text is None:\n"
    "         return []\n"
    "+    text = text.strip()\n"
    "+    if not text:\n"
    "+        raise ValueError('empty input: nothing to parse after stripping')\n"
    "+    tokens = [t for t in text.split() if t and not t.startswith('#')]\n"
    "+    return tokens\n"
    "-    return text.split()\n";

shard::Seed RunSeed(const std::string& repo, int64_t number, const std::string& created,
                    const std::string& patch) {
  shard::Seed s;
  s.repo = repo;
  s.pull_number = number;
  s.instance_id = shard::InstanceId(repo, number);
  s.created_at = created;
  s.patch = patch;
  return s;
}

TEST(NearDuplicateTest, BackportsCollapseToTheFirstOnAStream) {
  FilterRules rules = ContaminationOnly();
  rules.near_dedup = true;
  Filter filter(rules);
  EXPECT_TRUE(filter.Evaluate(RunSeed("acme/widget", 10, "2021-01-01T00:00:00Z", kFix)).kept);
  // The backport: other line numbers, one more changed line, re-indented.
  std::string backport = kFix;
  backport.replace(backport.find("@@ -10,6 +10,10"), 15, "@@ -80,6 +80,11");
  backport += "+    # backported\n";
  const FilterDecision d =
      filter.Evaluate(RunSeed("acme/widget", 31, "2021-03-01T00:00:00Z", backport));
  EXPECT_EQ(FilterRuleName(d.rule), "near_duplicate");
  EXPECT_TRUE(d.detail.starts_with("patch similar (")) << d.detail;
  EXPECT_TRUE(d.detail.ends_with(") to acme__widget-10, created 2021-01-01T00:00:00Z")) << d.detail;
  // An unrelated fix stays.
  EXPECT_TRUE(
      filter
          .Evaluate(RunSeed("acme/widget", 32, "2021-03-02T00:00:00Z",
                            "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n"
                            "-colour = palette.get(name, DEFAULT_COLOUR_FOR_UNKNOWN)\n"
                            "+colour = palette.get(name.lower(), default_colour(name))\n"))
          .kept);
  EXPECT_TRUE(filter.TakeRetractions().empty());
  EXPECT_EQ(filter.dropped(FilterRule::kNearDuplicate), 1u);
}

TEST(NearDuplicateTest, WithRetractionTheEarliestCreatedWins) {
  FilterRules rules = ContaminationOnly();
  rules.near_dedup = true;
  Filter filter(rules);
  filter.set_retract(true);
  // A fork's copy comes first in input order but was made later.
  EXPECT_TRUE(filter.Evaluate(RunSeed("fork/widget", 4, "2021-05-01T00:00:00Z", kFix)).kept);
  EXPECT_TRUE(filter.Evaluate(RunSeed("acme/widget", 10, "2021-01-01T00:00:00Z", kFix)).kept);
  std::vector<Retraction> r = filter.TakeRetractions();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].instance_id, "fork__widget-4");
  EXPECT_EQ(r[0].pull_number, 4);
  EXPECT_EQ(FilterRuleName(r[0].decision.rule), "near_duplicate");
  EXPECT_EQ(r[0].decision.detail,
            "patch similar (1.00) to acme__widget-10, created earlier (2021-01-01T00:00:00Z)");
  EXPECT_EQ(filter.kept(), 1u);
  EXPECT_EQ(filter.dropped(FilterRule::kNearDuplicate), 1u);
  // A third copy, later still, is dropped against the survivor.
  const FilterDecision d =
      filter.Evaluate(RunSeed("other/widget", 2, "2021-06-01T00:00:00Z", kFix));
  EXPECT_EQ(FilterRuleName(d.rule), "near_duplicate");
  EXPECT_NE(d.detail.find("acme__widget-10"), std::string::npos) << d.detail;
  EXPECT_TRUE(filter.TakeRetractions().empty());
}

}  // namespace
}  // namespace swerl::curate

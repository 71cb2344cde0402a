// Degenerate-reward controls (lib/swerl/curate/controls.h): the control
// answers and their rewards on an ordinary fix and on a one-character fix
// among long lines (the demo world's acme/quota), the filter's
// degenerate_reward rule, and the scores carried in the seed record.
#include "swerl/curate/controls.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "swerl/curate/export.h"
#include "swerl/curate/filter_rules.h"
#include "swerl/reward/reward.h"
#include "swerl/shard/oracle_answer.h"

namespace swerl::curate {
namespace {

// orbit/geo's parse fix from the demo world: an ordinary multi-line change.
shard::Seed ParseFix() {
  shard::Seed s;
  s.repo = "orbit/geo";
  s.pull_number = 6;
  s.instance_id = "orbit__geo-6";
  const std::string before =
      "\"\"\"Parsing of points.\"\"\"\n\n\ndef parse_point(text):\n"
      "    \"\"\"'lon,lat' -> (lon, lat) as floats.\"\"\"\n"
      "    lon, lat = text.split(\",\")\n    return float(lon), float(lat)\n";
  const std::string after =
      "\"\"\"Parsing of points.\"\"\"\n\n\ndef parse_point(text):\n"
      "    \"\"\"'lon,lat' -> (lon, lat) as floats.\"\"\"\n"
      "    parts = [p.strip() for p in text.split(\",\")]\n    if len(parts) != 2:\n"
      "        raise ValueError(f\"expected 'lon,lat', got {text!r}\")\n    lon, lat = parts\n"
      "    return float(lon), float(lat)\n";
  s.context = {{"geo/bbox.py", "class BBox:\n    pass\n"}, {"geo/parse.py", before}};
  s.oracle = {{"geo/parse.py", after}};
  return s;
}

// acme/quota's fix: '<' to '<=' on a short line under long ones.
shard::Seed QuotaFix() {
  shard::Seed s;
  s.repo = "acme/quota";
  s.pull_number = 2;
  s.instance_id = "acme__quota-2";
  const std::string head =
      "def within_quota(plan_name: str, resource_kind: str, current_usage_this_month: int) -> "
      "bool:\n"
      "    \"\"\"True when `current_usage_this_month` of `resource_kind` is within the plan's "
      "monthly limit, which it may reach.\"\"\"\n"
      "    used, cap = current_usage_this_month, PLAN_LIMITS[plan_name][resource_kind]  # the "
      "plan's monthly cap for this kind\n";
  s.context = {{"limits/quota.py", head + "    return used < cap\n"}};
  s.oracle = {{"limits/quota.py", head + "    return used <= cap\n"}};
  return s;
}

double ScoreOf(const ControlReport& r, std::string_view name) {
  for (const ControlScore& c : r.scores) {
    if (c.name == name) return c.score ? *c.score : -99;
  }
  return -100;
}

TEST(ControlsTest, AnswersAreWhatTheySayTheyAre) {
  const shard::Seed s = ParseFix();
  EXPECT_EQ(ControlAnswer(s, "empty"),
            "<think>\nA control answer.\n</think>\n<solution>\n</solution>");
  const std::string noop = ControlAnswer(s, "noop");
  EXPECT_NE(
      noop.find("### geo/parse.py\n<<<<<<< SEARCH\n    lon, lat = text.split(\",\")\n=======\n\n"
                "    lon, lat = text.split(\",\")\n>>>>>>> REPLACE"),
      std::string::npos)
      << noop;
  EXPECT_NE(ControlAnswer(s, "other_file").find("### geo/bbox.py\n"), std::string::npos);
  const std::string wrong = ControlAnswer(s, "wrong_file");
  EXPECT_EQ(wrong, [&] {
    std::string a = shard::OracleAnswer(s.context, s.oracle);
    a.replace(a.find("### geo/parse.py"), 16, "### geo/bbox.py");
    return a;
  }());
  // Without a second context file, other_file and wrong_file do not apply.
  const shard::Seed q = QuotaFix();
  EXPECT_EQ(ControlAnswer(q, "other_file"), "");
  EXPECT_EQ(ControlAnswer(q, "wrong_file"), "");
}

TEST(ControlsTest, AnOrdinaryFixPassesEveryControl) {
  const shard::Seed s = ParseFix();
  ASSERT_EQ(CheckSeed(s), "");  // the oracle answer scores 1.0
  const ControlReport r = ScoreControls(s);
  EXPECT_EQ(r.failure, "");
  EXPECT_EQ(ScoreOf(r, "empty"), -1.0);       // an empty solution is malformed
  EXPECT_EQ(ScoreOf(r, "other_file"), 0.0);   // no change where the oracle has one
  EXPECT_EQ(ScoreOf(r, "wrong_file"), -1.0);  // its SEARCH is not in that file
  const double noop = ScoreOf(r, "noop");
  EXPECT_GT(noop, 0.3);  // the reward's context lines: a blank line earns some
  EXPECT_LT(noop, 0.95);
}

TEST(ControlsTest, AWrongFileAnswerIsOneFilesEditAloneNeverANewFiles) {
  // A change that adds a file (sorted first) and fixes three: the control
  // must not keep the other blocks (which would earn about 3/4 of the
  // reward, as it did before on the curate bench) nor use the new file's
  // empty SEARCH (which matches every line of any file).
  shard::Seed s = ParseFix();
  s.context.emplace_back("geo/units.py", "KM = 1000\nMILE = 1609\n");
  s.context.emplace_back("geo/zone.py", "ZONES = []\n\n\ndef zone(p):\n    return None\n");
  std::sort(s.context.begin(), s.context.end());
  s.oracle.emplace_back("geo/aaa_new.py", "def new():\n    return 1\n");
  s.oracle.emplace_back("geo/units.py", "KM = 1000\nMILE = 1609.344\n");
  s.oracle.emplace_back("geo/zone.py", "ZONES = []\n\n\ndef zone(p):\n    return ZONES[0]\n");
  std::sort(s.oracle.begin(), s.oracle.end());
  ASSERT_EQ(CheckSeed(s), "");
  const std::string wrong = ControlAnswer(s, "wrong_file");
  // geo/parse.py's block (the first changed file the context holds) aimed
  // at geo/bbox.py (the first other context file), and nothing else.
  std::string expected =
      shard::OracleAnswer({{"geo/parse.py", s.context[1].second}}, {s.oracle[1]});
  ASSERT_EQ(s.oracle[1].first, "geo/parse.py");
  expected.replace(expected.find("### geo/parse.py"), 16, "### geo/bbox.py");
  EXPECT_EQ(wrong, expected);
  EXPECT_EQ(wrong.find("aaa_new"), std::string::npos);
  EXPECT_EQ(wrong.find("units"), std::string::npos);
  const ControlReport r = ScoreControls(s);
  EXPECT_EQ(r.failure, "");
  EXPECT_LE(ScoreOf(r, "wrong_file"), 0.5);
}

TEST(ControlsTest, ScoresEqualTheRewardOverTheWholeContext) {
  // ScoreControls hands the scorer only the files the answers and the oracle
  // touch; each score must equal the reward computed with every context
  // file, also when the context holds many more (and a file named like a
  // prefix of another).
  for (shard::Seed s : {ParseFix(), QuotaFix()}) {
    for (int k = 0; k < 6; ++k) {
      s.context.emplace_back("extra/m" + std::to_string(k) + ".py",
                             "def f" + std::to_string(k) + "():\n    return " + std::to_string(k) +
                                 "\n");
    }
    s.context.emplace_back(s.context.front().first + ".bak", s.context.front().second);
    std::sort(s.context.begin(), s.context.end());
    reward::FileMap context(s.context.begin(), s.context.end());
    reward::FileMap oracle(s.oracle.begin(), s.oracle.end());
    const reward::Seed full(std::move(context), std::move(oracle));
    const ControlReport r = ScoreControls(s);
    ASSERT_EQ(r.scores.size(), 4u);
    int scored = 0;
    for (const ControlScore& c : r.scores) {
      const std::string answer = ControlAnswer(s, c.name);
      ASSERT_EQ(c.score.has_value(), !answer.empty()) << s.instance_id << " " << c.name;
      if (!c.score) continue;
      EXPECT_EQ(*c.score, full.ScoreOutput(answer).reward) << s.instance_id << " " << c.name;
      ++scored;
    }
    EXPECT_EQ(scored, 4) << s.instance_id;  // the extra files make every control apply
  }
}

TEST(ControlsTest, AOneCharacterFixAmongLongLinesFails) {
  const shard::Seed s = QuotaFix();
  ASSERT_EQ(CheckSeed(s), "");
  const ControlReport r = ScoreControls(s);
  EXPECT_GT(ScoreOf(r, "noop"), 0.95);
  EXPECT_TRUE(r.failure.starts_with("noop scores 0.9")) << r.failure;
  EXPECT_TRUE(r.failure.ends_with(" > 0.95")) << r.failure;
  EXPECT_EQ(ScoreControls(s, 0.5, 0.99).failure, "");  // thresholds are parameters

  FilterRules rules;
  rules.max_prompt_tokens = 0;
  rules.drop_benchmark_instances = rules.drop_benchmark_near_duplicates = false;
  shard::Seed seed = s;
  seed.patch =
      "diff --git a/limits/quota.py b/limits/quota.py\n--- a/limits/quota.py\n+++ "
      "b/limits/quota.py\n@@ -4 +4 @@\n-    return used < cap\n+    return used <= cap\n";
  Filter filter(rules);
  const FilterDecision d = filter.Evaluate(seed);
  EXPECT_EQ(FilterRuleName(d.rule), "degenerate_reward");
  EXPECT_EQ(d.detail, r.failure);
  // Without contents (a record written without them) the rule cannot run.
  seed.context.clear();
  seed.oracle.clear();
  EXPECT_TRUE(filter.Evaluate(seed).kept);
}

TEST(ControlsTest, ScoresTravelInTheRecord) {
  shard::Seed s = ParseFix();
  s.controls = {{"empty", -1.0}, {"noop", 0.625}};
  std::string line;
  shard::AppendSeedJson(s, &line);
  EXPECT_NE(line.find("\"controls\":{\"empty\":-1"), std::string::npos) << line;
  line.append(shard::kSeedPadding, ' ');
  auto back =
      shard::ParseSeedJson(std::string_view(line.data(), line.size() - shard::kSeedPadding));
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->controls, s.controls);
  // Records from before have no "controls".
  std::string old = line.substr(0, line.find(",\"controls\"")) +
                    line.substr(line.find("},\"utf8_repaired\"") + 1);
  auto parsed =
      shard::ParseSeedJson(std::string_view(old.data(), old.size() - shard::kSeedPadding));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message() << "\n" << old;
  EXPECT_TRUE(parsed->controls.empty());
}

}  // namespace
}  // namespace swerl::curate

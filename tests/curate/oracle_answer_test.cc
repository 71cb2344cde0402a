// The oracle answer against the reward it must satisfy: random edits of
// files with many repeated lines (so SEARCH has to grow to be unique), with
// and without final newlines, added and deleted files, must all score 1.0;
// and the documented limit (a line "=======" inside SEARCH) must not.
#include "swerl/shard/oracle_answer.h"

#include <gtest/gtest.h>

#include <random>

#include "swerl/curate/export.h"
#include "swerl/reward/reward.h"

namespace swerl::curate {
namespace {

double Score(const shard::SeedFiles& context, const shard::SeedFiles& oracle) {
  const reward::FileMap c(context.begin(), context.end()), o(oracle.begin(), oracle.end());
  return reward::ComputeReward(c, o, shard::OracleAnswer(context, oracle)).reward;
}

std::string RandomText(std::mt19937& rng, int lines) {
  static const char* kLines[] = {"x = 1",  "    return x", "",           "}",    "def f(a):",
                                 "  pass", "// note",      "\tindented", "pass", "x = 1  "};
  std::string text;
  for (int i = 0; i < lines; ++i) {
    text += kLines[rng() % std::size(kLines)];
    text += '\n';
  }
  if (!text.empty() && rng() % 4 == 0) text.pop_back();  // no final newline
  return text;
}

// Edits runs of lines: replace, insert, delete, at random places.
std::string Edit(std::mt19937& rng, const std::string& before) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < before.size()) {
    size_t end = before.find('\n', pos);
    end = end == std::string::npos ? before.size() : end + 1;
    lines.push_back(before.substr(pos, end - pos));
    pos = end;
  }
  for (int e = 0, n = 1 + static_cast<int>(rng() % 3); e < n; ++e) {
    const size_t at = lines.empty() ? 0 : rng() % (lines.size() + 1);
    switch (rng() % 3) {
      case 0:
        lines.insert(lines.begin() + static_cast<long>(at),
                     "new line " + std::to_string(rng() % 5) + "\n");
        break;
      case 1:
        if (at < lines.size()) lines.erase(lines.begin() + static_cast<long>(at));
        break;
      default:
        if (at < lines.size()) lines[at] = "changed " + std::to_string(rng() % 5) + "\n";
        break;
    }
  }
  std::string after;
  for (const std::string& l : lines) after += l;
  if (!after.empty() && rng() % 5 == 0 && after.back() == '\n') after.pop_back();
  return after;
}

TEST(OracleAnswerTest, RandomEditsScoreOne) {
  std::mt19937 rng(3);
  int scored = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    shard::SeedFiles context, oracle;
    const int files = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < files; ++f) {
      const std::string path = "src/f" + std::to_string(f) + ".py";
      const int kind = static_cast<int>(rng() % 10);
      const std::string before = RandomText(rng, static_cast<int>(rng() % 30));
      if (kind == 0) {  // added
        oracle.emplace_back(path, RandomText(rng, 1 + static_cast<int>(rng() % 5)));
      } else if (kind == 1 && !before.empty()) {  // deleted
        context.emplace_back(path, before);
        oracle.emplace_back(path, "");
      } else {
        context.emplace_back(path, before);
        oracle.emplace_back(path, Edit(rng, before));
      }
    }
    const reward::Seed scorer(reward::FileMap(context.begin(), context.end()),
                              reward::FileMap(oracle.begin(), oracle.end()));
    if (scorer.OracleDiffs().empty()) continue;  // nothing the reward can see
    std::string shown;
    for (const auto& [p, t] : context) shown += "context " + p + ": [" + t + "]\n";
    for (const auto& [p, t] : oracle) shown += "oracle " + p + ": [" + t + "]\n";
    ASSERT_EQ(Score(context, oracle), 1.0) << shown << shard::OracleAnswer(context, oracle);
    ++scored;
  }
  EXPECT_GT(scored, 1500);
}

TEST(OracleAnswerTest, SearchGrowsUntilUnique) {
  const shard::SeedFiles context{{"a.py", "pass\nx\npass\ny\npass\n"}};
  const shard::SeedFiles oracle{{"a.py", "pass\nx\nreturn\ny\npass\n"}};
  const std::string answer = shard::OracleAnswer(context, oracle);
  // "pass" alone occurs three times: one line of context either side.
  EXPECT_NE(answer.find("<<<<<<< SEARCH\nx\npass\ny\n=======\nx\nreturn\ny\n>>>>>>> REPLACE"),
            std::string::npos)
      << answer;
  EXPECT_EQ(Score(context, oracle), 1.0);
}

TEST(OracleAnswerTest, AConflictMarkerLineCannotBeWritten) {
  // SEARCH must span the line "=======", which ends it early.
  const shard::SeedFiles context{{"doc.rst", "a\n=======\nb\n"}};
  const shard::SeedFiles oracle{{"doc.rst", "A\n=======\nB\n"}};
  EXPECT_LT(Score(context, oracle), 1.0);
  shard::Seed seed;
  seed.context = context;
  seed.oracle = oracle;
  EXPECT_NE(CheckSeed(seed), "");
  seed.oracle = seed.context;
  EXPECT_EQ(CheckSeed(seed), "no oracle");
}

}  // namespace
}  // namespace swerl::curate

// SPEC §5.1 and §5.2 conformance cases: the values R's
// calculate_search_replace_reward gives (computed with CPython 3.11).
#include "swerl/reward/reward.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "swerl/shard/oracle_answer.h"

namespace swerl::reward {
namespace {

std::string Block(std::string_view path, std::string_view search, std::string_view replace,
                  std::string_view fence = "python") {
  return "```" + std::string(fence) + "\n### " + std::string(path) + "\n<<<<<<< SEARCH\n" +
         std::string(search) + "\n=======\n" + std::string(replace) + "\n>>>>>>> REPLACE\n```";
}

std::string Output(const std::vector<std::string>& blocks, std::string_view thought = "reasoning") {
  std::string joined;
  for (const std::string& b : blocks) joined += (joined.empty() ? "" : "\n\n") + b;
  return "<think>\n" + std::string(thought) + "\n</think>\n<solution>\n" + joined + "\n</solution>";
}

// The project cases of SPEC §5.2.
const FileMap kCtx = {{"a.py", "x = 1\ny = x+1\nprint(y)\n"}};
const FileMap kOracle = {{"a.py", "x = 1\ny = x + 1\nprint(y)\n"}};

double Reward(const std::string& output, const FileMap& ctx = kCtx,
              const FileMap& oracle = kOracle) {
  return ComputeReward(ctx, oracle, output).reward;
}

TEST(Reward, ProjectConformanceCases) {
  EXPECT_EQ(Reward(Output({Block("a.py", "y = x+1", "y = x + 1")})), 1.0);
  EXPECT_EQ(Reward(Output({Block("a.py", "y = x+1", "y = x+2")})), 0.9607843137254902);
  EXPECT_EQ(Reward(Output({Block("a.py", "y = x", "y = x ")})), 0.9902912621359223);
  EXPECT_EQ(Reward(Output({Block("a.py", "y = x+1", "y = x + 1\r")})), 1.0);
}

TEST(Reward, EdgeCaseTable) {
  const std::string exact = Block("a.py", "y = x+1", "y = x + 1");
  EXPECT_EQ(Reward(Output({Block("a.py", "y = x+1", "y = x + 1", "")})), 1.0);  // bare fence
  // -1: SEARCH absent, indentation differs, path with a trailing space.
  EXPECT_EQ(Reward(Output({Block("a.py", "y = 2", "y = 3")})), -1.0);
  EXPECT_EQ(Reward(Output({Block("a.py", " y = x+1", "y = x + 1")})), -1.0);
  EXPECT_EQ(Reward(Output({Block("a.py ", "y = x+1", "y = x + 1")})), -1.0);
  // -1: SEARCH == REPLACE, whitespace-only thought, a tag twice.
  EXPECT_EQ(Reward(Output({Block("a.py", "y = x+1", "y = x+1")})), -1.0);
  EXPECT_EQ(Reward(Output({exact}, " \n\t")), -1.0);
  EXPECT_EQ(Reward(Output({exact}, "I will write </think> later")), -1.0);
  // -1: no block, closing fence missing, REPLACE missing, </solution> missing.
  EXPECT_EQ(Reward(Output({"no edits"})), -1.0);
  EXPECT_EQ(Reward(Output({exact.substr(0, exact.size() - 3)})), -1.0);
  std::string no_replace = exact;
  no_replace.replace(no_replace.find(">>>>>>> REPLACE"), 15, "");
  EXPECT_EQ(Reward(Output({no_replace})), -1.0);
  std::string unclosed = Output({exact});
  unclosed.resize(unclosed.size() - std::string("</solution>").size());
  EXPECT_EQ(Reward(unclosed), -1.0);
  // Scored normally: text outside the tags, tags in the wrong order.
  EXPECT_EQ(Reward("Sure!\n" + Output({exact}) + "\nHope this helps."), 1.0);
  EXPECT_EQ(Reward("<solution>\n" + exact + "\n</solution>\n<think>\nx\n</think>"), 1.0);
  // A correct edit plus a new file: U = {a.py, b.py}.
  EXPECT_EQ(Reward(Output({exact, Block("b.py", "", "print(1)")})), 0.5);
  EXPECT_EQ(Reward(Output({Block("b.py", "", "print(1)")})), 0.0);
  // The identical block twice: the second SEARCH is no longer there.
  EXPECT_EQ(Reward(Output({exact, exact})), -1.0);
}

// R's repository tests (tests/test_reward.py), rebuilt: two small files and
// an oracle adding type hints to all three functions.
const FileMap kRepoCtx = {
    {"a.py", "def add(a, b):\n    return a + b\n\n\ndef subtract(a, b):\n    return a - b\n"},
    {"b.py", "def sort_list(lst):\n    return sorted(lst)\n"}};
const FileMap kRepoOracle = {
    {"a.py",
     "def add(a: int, b: int) -> int:\n    return a + b\n\n\n"
     "def subtract(a: int, b: int) -> int:\n    return a - b\n"},
    {"b.py", "def sort_list(lst: list[int]) -> list[int]:\n    return sorted(lst)\n"}};

TEST(Reward, RepositoryConformanceCases) {
  const std::string add = Block("a.py", "def add(a, b):", "def add(a: int, b: int) -> int:", "");
  const std::string sub =
      Block("a.py", "def subtract(a, b):", "def subtract(a: int, b: int) -> int:");
  const std::string sort =
      Block("b.py", "def sort_list(lst):", "def sort_list(lst: list[int]) -> list[int]:");
  const Seed seed(kRepoCtx, kRepoOracle);
  const Score all = seed.ScoreOutput(Output({add, sub, sort}, "dummy"));
  EXPECT_EQ(all.reward, 1.0);
  EXPECT_EQ(all.error, "");
  ASSERT_EQ(all.files.size(), 2u);
  EXPECT_EQ(all.files[0].path, "a.py");

  const std::string create_c = Block("c.py", "", "def f():\n    pass");
  EXPECT_EQ(seed.ScoreOutput(Output({create_c})).reward, 0.0);
  const std::string edit_c = Block("c.py", "    pass", "    return 1");
  const Score third = seed.ScoreOutput(Output({create_c, edit_c, sort}));
  EXPECT_EQ(third.reward, 1.0 / 3.0);
  ASSERT_EQ(third.files.size(), 3u);  // a.py (oracle only), b.py, c.py (prediction only)
  EXPECT_EQ(third.files[0].similarity, 0.0);
  EXPECT_EQ(third.files[1].similarity, 1.0);
  EXPECT_EQ(third.files[2].similarity, 0.0);

  std::string unclosed = Output({add});
  unclosed.resize(unclosed.rfind("</solution>"));
  EXPECT_EQ(seed.ScoreOutput(unclosed).reward, -1.0);
  std::string no_replace = add;
  no_replace.replace(no_replace.find(">>>>>>> REPLACE\n"), 16, "");
  const Score bad = seed.ScoreOutput(Output({no_replace}));
  EXPECT_EQ(bad.reward, -1.0);
  EXPECT_FALSE(bad.error.empty());
  EXPECT_TRUE(bad.files.empty());
}

TEST(Reward, NothingChangedOnEitherSideScoresOne) {
  // The edit only adds a CR before a line break: no diff after splitlines.
  EXPECT_EQ(Reward(Output({Block("a.py", "print(y)", "print(y)\r")}), kCtx, kCtx), 1.0);
}

TEST(Reward, GeneralFormFromPredictedContents) {
  const Seed seed(kRepoCtx, kRepoOracle);
  EXPECT_EQ(seed.ScorePrediction(kRepoOracle).reward, 1.0);
  EXPECT_EQ(seed.ScorePrediction({}).reward, 0.0);
  EXPECT_EQ(seed.ScorePrediction(kRepoCtx).reward, 0.0);  // no change predicted
  EXPECT_EQ(Seed(kRepoCtx, kRepoCtx).ScorePrediction(kRepoCtx).reward, 1.0);
  FileMap half = kRepoCtx;
  half["b.py"] = kRepoOracle.at("b.py");
  EXPECT_EQ(seed.ScorePrediction(half).reward, 0.5);
}

TEST(Reward, SizeGuardScoresMinusOneWithAReason) {
  // Larger than anything the oracle needs (its answer is a few hundred
  // bytes; the guard leaves 4 kB for a thought).
  const std::string output =
      Output({Block("a.py", "y = x+1", "y = x + 1")}, std::string(20000, 't'));
  RewardLimits tiny;
  tiny.max_output_bytes = 10;
  const Score s = Seed(kCtx, kOracle).ScoreOutput(output, tiny);
  EXPECT_EQ(s.reward, -1.0);
  EXPECT_NE(s.error.find("size guard"), std::string::npos);
  // A diff other than the oracle's is matched, within max_match_work.
  const std::string other = Output({Block("a.py", "y = x+1", "y = x + 2")});
  RewardLimits little_work;
  little_work.max_match_work = 5;
  EXPECT_EQ(Seed(kCtx, kOracle).ScoreOutput(other, little_work).reward, -1.0);
  EXPECT_GT(Seed(kCtx, kOracle).ScoreOutput(other, RewardLimits::Unlimited()).reward, 0.5);
  EXPECT_EQ(Seed(kCtx, kOracle).ScoreOutput(output, RewardLimits::Unlimited()).reward, 1.0);
}

// Issue 16: an output equal to the oracle answer was scored -1 by the size
// guard when the change was large: 6,667 rewritten files make an 8.7 MB
// answer (over max_output_bytes, 8 MiB), and one large rewritten file a
// diff whose comparison with itself is estimated over max_match_work. The
// guard now never refuses what the oracle needs. Repro before the fix:
//   swerl reward on {"context": C, "oracle": O, "output": OracleAnswer(C, O)}
//   -> {"reward": -1.0, "error": "output of 8701... bytes exceeds the size guard ..."}
TEST(Reward, Issue16OracleAnswerIsNeverRefusedByTheSizeGuard) {
  auto rewritten = [](int n, char c) {
    std::string text;
    for (int line = 0; line < 10; ++line) {
      text += std::to_string(n) + ":" + std::to_string(line) + std::string(58, c) + "\n";
    }
    return text;
  };
  shard::SeedFiles ctx, oracle;
  FileMap ctx_map, oracle_map;
  for (int n = 0; n < 6667; ++n) {
    const std::string path = "src/m" + std::to_string(n) + ".py";
    ctx.emplace_back(path, rewritten(n, 'a'));
    oracle.emplace_back(path, rewritten(n, 'b'));
    ctx_map.emplace(path, ctx.back().second);
    oracle_map.emplace(path, oracle.back().second);
  }
  const std::string answer = shard::OracleAnswer(ctx, oracle);
  ASSERT_GT(answer.size(), RewardLimits{}.max_output_bytes);
  const Seed seed(ctx_map, oracle_map);
  const Score score = seed.ScoreOutput(answer);
  EXPECT_EQ(score.reward, 1.0) << score.error;
  EXPECT_EQ(score.files.size(), 6667u);

  // An output as large as the answer but not equal to it is scored too
  // (one file's change differs), not refused.
  std::string near = answer;
  const size_t last_b = near.rfind('b');
  near[last_b] = 'c';
  const Score near_score = seed.ScoreOutput(near);
  EXPECT_TRUE(near_score.error.empty()) << near_score.error;
  EXPECT_GT(near_score.reward, 0.999);
  EXPECT_LT(near_score.reward, 1.0);

  // The guard still refuses what is larger than the oracle needs.
  std::string padded = answer;
  padded.insert(padded.find("</think>"), std::string(1 << 20, 't'));
  const Score too_big = seed.ScoreOutput(padded);
  EXPECT_EQ(too_big.reward, -1.0);
  EXPECT_NE(too_big.error.find("exceeds the size guard"), std::string::npos) << too_big.error;

  // One file rewritten whole: its diff (~100k code points over a tiny
  // alphabet) compared with itself is estimated at ~5e9 steps, over
  // max_match_work (4e9).
  std::string old_text, new_text;
  for (int line = 0; line < 1000; ++line) {
    old_text += std::string(50, 'a') + "\n";
    new_text += std::string(50, 'b') + "\n";
  }
  const shard::SeedFiles big_ctx = {{"big.txt", old_text}};
  const shard::SeedFiles big_oracle = {{"big.txt", new_text}};
  const Seed big({{"big.txt", old_text}}, {{"big.txt", new_text}});
  const Score whole = big.ScoreOutput(shard::OracleAnswer(big_ctx, big_oracle));
  EXPECT_EQ(whole.reward, 1.0) << whole.error;
  // The same file rewritten differently is matched, so it meets the guard.
  std::string other_text = new_text;
  other_text[0] = 'c';
  const Score other = big.ScorePrediction({{"big.txt", other_text}});
  EXPECT_EQ(other.reward, -1.0);
  EXPECT_NE(other.error.find("comparing the diffs"), std::string::npos) << other.error;
}

TEST(Reward, PathologicalOutputsEndInBoundedTime) {
  // 100,000 blocks, each creating its own file: grouping by path must not
  // be quadratic.
  std::vector<std::string> creates;
  for (int i = 0; i < 100000; ++i) creates.push_back(Block("f" + std::to_string(i), "", "x"));
  const Score many = ComputeReward(kCtx, kOracle, Output(creates));
  EXPECT_EQ(many.files.size(), 100001u);
  EXPECT_EQ(many.reward, 0.0);

  // 20,000 edits of a 1 MB file: the scan guard stops them.
  auto line = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "line %05d", i);
    return std::string(buf);
  };
  std::string big;
  for (int i = 0; i < 50000; ++i) big += line(i) + "\n";
  const FileMap ctx = {{"big.txt", big}};
  std::vector<std::string> edits;
  for (int i = 0; i < 20000; ++i) {
    edits.push_back(Block("big.txt", line(i), "LINE " + std::to_string(i)));
  }
  RewardLimits limits;
  limits.max_scan_bytes = 1'000'000'000;
  const Score scanned = Seed(ctx, ctx).ScoreOutput(Output(edits), limits);
  EXPECT_EQ(scanned.reward, -1.0);
  EXPECT_NE(scanned.error.find("scans more than the size guard"), std::string::npos)
      << scanned.error;

  // A file whose lines all repeat just below autojunk's popularity
  // threshold makes the line diff quadratic: the match guard stops it.
  std::string repeats, shuffled;
  for (int i = 0; i < 20000; ++i) {
    repeats += "r" + std::to_string(i % 100) + "\n";
    shuffled += "r" + std::to_string(i * 7 % 100) + "\n";
  }
  limits.max_match_work = 1'000'000;
  const Score quadratic =
      Seed({{"r.txt", repeats}}, {}).ScorePrediction({{"r.txt", shuffled}}, limits);
  EXPECT_EQ(quadratic.reward, -1.0);
  EXPECT_NE(quadratic.error.find("diffing the lines needs about"), std::string::npos)
      << quadratic.error;
}

TEST(Reward, InvalidUtf8IsRepairedLikePython) {
  // "\xff" and "\xe2\x82" each become one U+FFFD, in context and output.
  const FileMap ctx = {{"a.py", "s = '\xff'\n"}};
  const FileMap oracle = {{"a.py", "s = '\xef\xbf\xbd!'\n"}};
  EXPECT_EQ(Reward(Output({Block("a.py", "s = '\xe2\x82'", "s = '\xff!'")}), ctx, oracle), 1.0);
}

}  // namespace
}  // namespace swerl::reward

// CommandScorer against the real `swerl reward --line-buffered` (scores equal
// the in-process ones exactly, over several steps, with MB-sized requests)
// and against children that misbehave on purpose (fake_scorer.py and
// one-line shell commands): every failure is an Error naming the command
// and what happened, and the child is gone afterwards.
#include "swerl/reward/command_scorer.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "testing/testing.h"

namespace swerl::reward {
namespace {

using Clock = std::chrono::steady_clock;

std::string Block(const std::string& path, const std::string& search, const std::string& replace) {
  return "```python\n### " + path + "\n<<<<<<< SEARCH\n" + search + "\n=======\n" + replace +
         "\n>>>>>>> REPLACE\n```";
}
std::string Solution(const std::vector<std::string>& blocks) {
  std::string s = "<think>\nreasoning\n</think>\n<solution>\n";
  for (size_t i = 0; i < blocks.size(); ++i) s += (i ? "\n\n" : "") + blocks[i];
  return s + "\n</solution>";
}

// A mix of seeds and outputs: exact, near and mid-line edits, CRLF, format
// errors, new files, two-file seeds, invalid UTF-8, and (big) a ~2 MB file.
std::vector<ScoreGroup> MixedGroups(int count, bool big, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<ScoreGroup> groups;
  for (int g = 0; g < count; ++g) {
    ScoreGroup group;
    group.id = "step:" + std::to_string(g);
    const std::string n = std::to_string(rng() % 100);
    group.context = {{"a.py", "x = " + n + "\ny = x+1\nprint(y)\n"},
                     {"b.py", "def f():\n    return 1\n"}};
    group.oracle = {{"a.py", "x = " + n + "\ny = x + 1\nprint(y)\n"}};
    if (g % 3 == 1) group.oracle["b.py"] = "def f():\n    return 2\n";
    group.outputs = {
        Solution({Block("a.py", "y = x+1", "y = x + 1")}),
        Solution({Block("a.py", "y = x+1", "y = x+" + std::to_string(rng() % 9))}),
        Solution({Block("a.py", "y = x", "y = x ")}),
        Solution({Block("a.py", "y = x+1", "y = x + 1\r")}),
        Solution(
            {Block("a.py", "y = x+1", "y = x + 1"), Block("b.py", "    return 1", "    return 2")}),
        Solution({Block("c.py", "", "new file")}),
        "<think>t</think> no solution",
        Solution({Block("a.py", "y = x+1", "y = x+1")}),
        Solution({Block("a.py", "absent", "y")}),
        Solution({Block("a.py", "y = x+1", "y = \xff\xfe caf\xc3\xa9")}),
    };
    group.outputs.resize(1 + rng() % group.outputs.size());
    groups.push_back(std::move(group));
  }
  if (big) {
    ScoreGroup group;
    group.id = "big";
    std::string text;
    for (int i = 0; i < 50000; ++i)
      text += "line_" + std::to_string(i) + " = compute(" + std::to_string(i) + ")\n";
    group.context = {{"big.py", text}};
    std::string changed = text;
    changed.replace(changed.find("line_25000 = "), 13, "line_25000 += ");
    group.oracle = {{"big.py", changed}};
    group.outputs = {
        Solution({Block("big.py", "line_25000 = compute(25000)", "line_25000 += compute(25000)")}),
        Solution({Block("big.py", "line_25000 = compute(25000)", "line_25000 = 0")}),
        std::string(1 << 20, 'z')};
    groups.push_back(std::move(group));
  }
  return groups;
}

void ExpectSameScores(const GroupScores& got, const GroupScores& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t g = 0; g < got.size(); ++g) {
    ASSERT_EQ(got[g].size(), want[g].size()) << "group " << g;
    for (size_t k = 0; k < got[g].size(); ++k) {
      SCOPED_TRACE("group " + std::to_string(g) + " output " + std::to_string(k));
      EXPECT_EQ(got[g][k].reward, want[g][k].reward);  // exact: repr() round-trips
      EXPECT_EQ(got[g][k].error, want[g][k].error);
      ASSERT_EQ(got[g][k].files.size(), want[g][k].files.size());
      for (size_t f = 0; f < got[g][k].files.size(); ++f) {
        EXPECT_EQ(got[g][k].files[f].path, want[g][k].files[f].path);
        EXPECT_EQ(got[g][k].files[f].similarity, want[g][k].files[f].similarity);
      }
    }
  }
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }
std::string SwerlRewardCommand() { return Quote(SWERL_BINARY) + " reward -q --line-buffered"; }
std::string FakeCommand(const std::string& mode) {
  return Quote(SWERL_PYTHON) + " " + Quote(SWERL_FAKE_SCORER) + " " + mode;
}

std::unique_ptr<CommandScorer> StartOrDie(const std::string& command, double timeout_s = 60) {
  CommandScorerOptions opt;
  opt.command = command;
  opt.timeout_seconds = timeout_s;
  auto scorer = CommandScorer::Start(opt);
  EXPECT_TRUE(scorer) << scorer.error().message();
  return scorer ? std::move(*scorer) : nullptr;
}

// True once no live process is left in group `pgid`, waiting up to 2 s.
// Zombies count as gone: a killed grandchild is reparented to pid 1, which
// need not reap it (in some containers it never does).
bool GroupGone(pid_t pgid) {
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  for (;;) {
    bool alive = false;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      const std::string name = entry.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream in(entry.path() / "stat");
      std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and ')'.
      const size_t close = stat.rfind(')');
      if (close == std::string::npos) continue;
      std::istringstream rest(stat.substr(close + 1));
      char state = 0;
      long ppid = 0, pgrp = 0;
      rest >> state >> ppid >> pgrp;
      if (pgrp == pgid && state != 'Z' && state != 'X') alive = true;
    }
    if (!alive) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TEST(CommandScorer, SwerlRewardGivesTheInProcessScoresExactly) {
  auto scorer = StartOrDie(SwerlRewardCommand());
  ASSERT_TRUE(scorer);
  InProcessScorer in_process;
  // Three steps on one child: the second with a ~2 MB file and a 1 MB output.
  for (int step = 0; step < 3; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    const auto groups = MixedGroups(step == 0 ? 1 : 24, step == 1, 7 + step);
    auto want = in_process.ScoreGroups(groups);
    auto got = scorer->ScoreGroups(groups);
    ASSERT_TRUE(want);
    ASSERT_TRUE(got) << got.error().message();
    ExpectSameScores(*got, *want);
  }
  // The mix exercises real variety: 1.0, -1.0 and values in between.
  auto some = in_process.ScoreGroups(MixedGroups(24, false, 8));
  int full = 0, errors = 0, partial = 0;
  for (const auto& group : *some) {
    for (const Score& s : group) {
      full += s.reward == 1.0;
      errors += s.reward == -1.0;
      partial += s.reward > 0 && s.reward < 1;
    }
  }
  EXPECT_GT(full, 0);
  EXPECT_GT(errors, 0);
  EXPECT_GT(partial, 0);
  EXPECT_TRUE(scorer->ScoreGroups({}));  // nothing to do is not an error
  const pid_t pid = scorer->pid();
  scorer.reset();  // EOF: swerl reward exits by itself
  EXPECT_TRUE(GroupGone(pid));
}

TEST(CommandScorer, AToyRewardScript) {
  auto scorer = StartOrDie(FakeCommand("count needle"));
  ASSERT_TRUE(scorer);
  std::vector<ScoreGroup> groups(2);
  groups[0].id = "a";
  groups[0].outputs = {"needle needle", "hay", ""};
  groups[1].id = "b";
  groups[1].outputs = {"needleneedleneedle \xe2\x9c\x93"};
  groups[1].context = {{"f", "needle"}};
  auto scores = scorer->ScoreGroups(groups);
  ASSERT_TRUE(scores) << scores.error().message();
  ASSERT_EQ(scores->size(), 2u);
  EXPECT_EQ((*scores)[0][0].reward, 2.0);
  EXPECT_EQ((*scores)[0][1].reward, 0.0);
  EXPECT_EQ((*scores)[0][2].reward, 0.0);
  EXPECT_EQ((*scores)[1][0].reward, 3.0);
  EXPECT_EQ((*scores)[1][0].error, "");
  EXPECT_TRUE((*scores)[1][0].files.empty());
}

// Requests far larger than a pipe while the child answers each one at once
// with 256 KiB: both pipes fill, and only reading while writing finishes.
TEST(CommandScorer, NoDeadlockWhenBothPipesFill) {
  auto scorer = StartOrDie(FakeCommand("bulky"));
  ASSERT_TRUE(scorer);
  std::vector<ScoreGroup> groups(12);
  for (size_t g = 0; g < groups.size(); ++g) {
    groups[g].id = "g" + std::to_string(g);
    groups[g].context = {{"f", std::string(512 << 10, 'c')}};
    groups[g].outputs = {std::string(g * 1000, 'x'), "y"};
  }
  auto scores = scorer->ScoreGroups(groups);
  ASSERT_TRUE(scores) << scores.error().message();
  EXPECT_EQ((*scores)[11][0].reward, 11000.0);
}

TEST(CommandScorer, SlowButWithinTheTimeout) {
  auto scorer = StartOrDie(FakeCommand("slow 0.3"), 5);
  ASSERT_TRUE(scorer);
  std::vector<ScoreGroup> groups(2);
  groups[0].id = "a";
  groups[0].outputs = {"xx"};
  groups[1].id = "b";
  groups[1].outputs = {"x", "xxx"};
  for (int step = 0; step < 2; ++step) {
    auto scores = scorer->ScoreGroups(groups);
    ASSERT_TRUE(scores) << scores.error().message();
    EXPECT_EQ((*scores)[1][1].reward, 3.0);
  }
}

struct Misbehaviour {
  std::string command;
  std::vector<std::string> want;  // substrings of the error
  double timeout_s = 10;
  size_t request_bytes = 0;  // context size of each group
};

void PrintTo(const Misbehaviour& m, std::ostream* os) { *os << m.command; }

// A test name from the command: "exit 3" -> "exit_3", "sh:cat >/dev/null" ->
// "sh_cat_dev_null" (letters and digits only, at most 32).
std::string CaseName(const ::testing::TestParamInfo<Misbehaviour>& info) {
  std::string name;
  for (const char c : info.param.command) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      name += c;
    } else if (!name.empty() && name.back() != '_') {
      name += '_';
    }
    if (name.size() >= 32) break;
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  return name + "_" + std::to_string(info.index);
}

class CommandScorerFails : public ::testing::TestWithParam<Misbehaviour> {};

TEST_P(CommandScorerFails, WithAnErrorNamingTheCommandAndTheChildIsGone) {
  const Misbehaviour& m = GetParam();
  const std::string command =
      m.command.rfind("sh:", 0) == 0 ? m.command.substr(3) : FakeCommand(m.command);
  auto scorer = StartOrDie(command, m.timeout_s);
  ASSERT_TRUE(scorer);
  const pid_t pid = scorer->pid();
  std::vector<ScoreGroup> groups(2);
  for (size_t g = 0; g < groups.size(); ++g) {
    groups[g].id = "g" + std::to_string(g);
    groups[g].context = {{"f", std::string(m.request_bytes, 'c')}};
    groups[g].outputs = {"x", "xx"};
  }
  const auto start = Clock::now();
  auto scores = scorer->ScoreGroups(groups);
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  ASSERT_FALSE(scores);
  const std::string& msg = scores.error().message();
  EXPECT_EQ(scores.error().code(), Code::kExternal);
  EXPECT_EQ(msg.rfind("reward command '" + command + "': ", 0), 0u) << msg;
  for (const std::string& w : m.want) EXPECT_NE(msg.find(w), std::string::npos) << msg;
  EXPECT_LT(secs, m.timeout_s + 3);
  // The child is killed and reaped at once, and the scorer stays failed.
  EXPECT_EQ(scorer->pid(), -1);
  EXPECT_TRUE(GroupGone(pid));
  auto again = scorer->ScoreGroups(groups);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message().find("unusable after an earlier error: "), std::string::npos)
      << again.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CommandScorerFails,
    ::testing::Values(
        Misbehaviour{"hang", {"no answer within 0.5", "(0 of 2 groups answered)"}, 0.5},
        // Never reads: the 2 x 1 MiB request cannot all be written.
        Misbehaviour{"sleep", {"no answer within 0.5", "request bytes"}, 0.5, 1 << 20},
        Misbehaviour{"close-input", {"no answer within 0.5"}, 0.5, 1 << 20},
        Misbehaviour{"exit 3",
                     {"ended its output (0 of 2 groups answered)", "exited with status 3"}},
        Misbehaviour{"exit-after 1 0", {"(1 of 2 groups answered)", "exited with status 0"}},
        Misbehaviour{"kill-self", {"killed by signal 9 (Killed)"}},
        Misbehaviour{"sh:exec kill -9 $$", {"was killed by signal 9 (Killed)"}},
        Misbehaviour{"garbage", {"not JSON", "group 'g0'", "\"this is not json\""}},
        Misbehaviour{"partial",
                     {"after a partial line \"{\\\"id\\\": \\\"g0\\\", \\\"res\"", "status 0"}},
        Misbehaviour{"wrong-id",
                     {"answered id \"g0-other\" where the answer for group 'g0' was expected"}},
        Misbehaviour{"too-few", {"answered 1 results for group 'g0', which has 2 outputs"}},
        Misbehaviour{"single-reward", {"with one \"reward\""}},
        Misbehaviour{"bad-reward", {"result 1 of group 'g0' has no numeric \"reward\""}},
        Misbehaviour{"reject", {"answered the request of group 'g0' with an error", "no thanks"}},
        Misbehaviour{"reject-with-id",
                     {"answered the request of group 'g0' with an error", "not today"}},
        Misbehaviour{"twice", {"answered id \"g0\" where the answer for group 'g1' was expected"}},
        Misbehaviour{"early", {"answered every group before reading all requests"}, 10, 1 << 20},
        Misbehaviour{"sh:exit 4", {"exited with status 4"}},
        Misbehaviour{"sh:no-such-command-swerl", {"status 127 (command not found?)"}},
        Misbehaviour{"sh:cat >/dev/null", {"no answer within 0.5"}, 0.5},
        // Closes its input: writes fail with EPIPE (SIGPIPE, not ignored by
        // this test process, would kill it) and the step times out.
        Misbehaviour{"sh:exec 0<&-; sleep 30", {"no answer within 0.5"}, 0.5, 1 << 20},
        Misbehaviour{"sh:read line; echo "
                     "'{\"id\":\"g0\",\"results\":[{\"reward\":1},{\"reward\":2}]}'; sleep 30",
                     {"(1 of 2 groups answered)"},
                     0.5},
        // A background grandchild holding the pipe: killed with the group.
        Misbehaviour{"sh:sleep 30 & exec cat >/dev/null", {"no answer within 0.5"}, 0.5}),
    CaseName);

TEST(CommandScorer, OutputBetweenStepsIsAnError) {
  auto scorer = StartOrDie(FakeCommand("late-extra"));
  ASSERT_TRUE(scorer);
  std::vector<ScoreGroup> groups(1);
  groups[0].id = "g";
  groups[0].outputs = {"x"};
  ASSERT_TRUE(scorer->ScoreGroups(groups));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the extra line is 0.2 s late
  auto second = scorer->ScoreGroups(groups);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message().find("wrote output that answers no request"),
            std::string::npos)
      << second.error().message();
}

TEST(CommandScorer, DestructorKillsAHungChildWithinTheGrace) {
  CommandScorerOptions opt;
  opt.command = "trap '' TERM; sleep 30 & sleep 30";  // ignores EOF, holds a grandchild
  opt.exit_grace_seconds = 0.2;
  auto scorer = CommandScorer::Start(opt);
  ASSERT_TRUE(scorer);
  const pid_t pid = (*scorer)->pid();
  const auto start = Clock::now();
  scorer->reset();
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 2.0);
  EXPECT_TRUE(GroupGone(pid));
}

TEST(CommandScorer, BadOptions) {
  CommandScorerOptions opt;
  opt.command = "  ";
  auto empty = CommandScorer::Start(opt);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), Code::kInvalidInput);
  opt.command = "cat";
  opt.timeout_seconds = 0;
  auto zero = CommandScorer::Start(opt);
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().message().find("timeout"), std::string::npos);
}

}  // namespace
}  // namespace swerl::reward

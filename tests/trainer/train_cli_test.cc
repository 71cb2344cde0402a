// swerl-train grpo, sft and eval end to end, as a user runs them: a tiny
// Qwen3 model from `swerl-train init` with the toy byte-level tokenizer
// (tests/data/tokenizers/toy), a shard written by ShardWriter, and the toy
// scorer tests/trainer/toy/count_reward.py behind --reward-cmd (reward
// rises with the count of one letter). Covers the learning signal, exact
// resume (after a clean stop and after SIGKILL inside a checkpoint), a full
// disk and a NaN during training, bad inputs and a misbehaving scorer.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "swerl/db/sqlite.h"
#include "swerl/shard/shard.h"
#include "testing/testing.h"
#include "toy_run.h"

namespace swerl {
namespace {

namespace fs = std::filesystem;
using testing::MakeToyShard;
using testing::MetricsWithoutTimings;
using testing::MetricValues;
using testing::ReadFile;
using testing::RunResult;
using testing::TempDir;
using testing::ToyScorer;
using testing::Train;

// One model and shard for the whole suite (each `init` costs a LibTorch start).
class TrainCliTest : public testing::ToyRunTest {
 protected:
  // `grpo` on the toy task with the flags every case shares, then `extra`.
  static std::vector<std::string> Grpo(const std::string& run, std::vector<std::string> extra,
                                       const std::string& scorer = ToyScorer()) {
    std::vector<std::string> args = {"grpo",
                                     "-q",
                                     "--seeds",
                                     shard_,
                                     "--model",
                                     model_,
                                     "--out",
                                     run,
                                     "--reward-cmd",
                                     scorer,
                                     "--lr",
                                     "0.01",
                                     "--group-size",
                                     "8",
                                     "--prompts-per-step",
                                     "4",
                                     "--max-new-tokens",
                                     "32",
                                     "--beta",
                                     "0",
                                     "--warmup",
                                     "0",
                                     "--seed",
                                     "7"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
};

double Mean(const std::vector<double>& v, size_t from, size_t to) {
  double s = 0;
  for (size_t i = from; i < to; ++i) s += v[i];
  return s / static_cast<double>(to - from);
}

TEST_F(TrainCliTest, GrpoLearnsTheToyReward) {
  const std::string run = dir_->Join("learn");
  const auto r = Train(Grpo(run, {"--steps", "24", "--save-every", "0", "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<double> reward = MetricValues(run, "reward_mean");
  ASSERT_EQ(reward.size(), 24u);
  EXPECT_LT(Mean(reward, 0, 2), 0.2) << ReadFile(run + "/metrics.jsonl");
  EXPECT_GT(Mean(reward, 21, 24), 0.8) << ReadFile(run + "/metrics.jsonl");
  // Every step logged its rollouts, TensorBoard events and the last checkpoint.
  EXPECT_TRUE(fs::exists(run + "/rollouts/step_000024.ndjson.gz"));
  EXPECT_TRUE(fs::exists(run + "/tb"));
  EXPECT_TRUE(fs::exists(run + "/step_00000024/DONE"));
  EXPECT_TRUE(fs::exists(run + "/step_00000024/model.safetensors"));
  EXPECT_TRUE(fs::exists(run + "/config.toml"));
  // --json: one summary object as stderr's last line.
  const auto lines = testing::SplitLines(r.err);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(lines.back().starts_with("{") &&
              lines.back().find("\"steps\":24") != std::string::npos)
      << r.err;
}

TEST_F(TrainCliTest, FourStepsEqualTwoStepsAndAResumeBitForBit) {
  const std::string whole = dir_->Join("whole"), split = dir_->Join("split");
  ASSERT_EQ(Train(Grpo(whole, {"--steps", "4", "--save-every", "2"})).exit_code, 0);
  const auto first = Train(Grpo(split, {"--steps", "2", "--save-every", "2"}));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // The saved configuration supplies everything but the longer run.
  const auto resumed = Train({"grpo", "-q", "--resume", split, "--steps", "4"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  for (const char* file : {"model.safetensors", "optimizer.safetensors", "trainer_state.json"}) {
    EXPECT_EQ(ReadFile(whole + "/step_00000004/" + file),
              ReadFile(split + "/step_00000004/" + file))
        << file;
  }
  EXPECT_EQ(MetricsWithoutTimings(whole), MetricsWithoutTimings(split));
  EXPECT_EQ(MetricValues(split, "reward_mean").size(), 4u);
}

TEST_F(TrainCliTest, SeveralShardsTrainAsOneDatasetAndResume) {
  // The suite's 16 toy seeds cut into two shards, named by a quoted glob:
  // a run over them resumes from its saved configuration bit for bit.
  const std::string parts = dir_->Join("parts");
  std::filesystem::create_directories(parts);
  testing::MakeToyShard(parts + "/part1.db", 8, "Answer.", 0);
  testing::MakeToyShard(parts + "/part2.db", 8, "Answer.", 8);
  auto on_parts = [&](const std::string& run, std::vector<std::string> extra) {
    std::vector<std::string> args = Grpo(run, std::move(extra));
    auto seeds = std::find(args.begin(), args.end(), "--seeds");
    *(seeds + 1) = parts + "/part*.db";
    return args;
  };
  const std::string whole = dir_->Join("parts-whole"), split = dir_->Join("parts-split");
  std::vector<std::string> loud = on_parts(whole, {"--steps", "4", "--save-every", "2"});
  *std::find(loud.begin(), loud.end(), "-q") = "-v";
  const auto w = Train(loud);
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_NE(w.err.find("16 training seeds of 2 shards ('" + parts + "/part1.db', '" + parts +
                       "/part2.db')"),
            std::string::npos)
      << w.err;
  ASSERT_EQ(Train(on_parts(split, {"--steps", "2", "--save-every", "2"})).exit_code, 0);
  // A shard that appears under the glob later would change what the cursor
  // draws: the resume is refused until it is gone.
  testing::MakeToyShard(parts + "/part3.db", 2, "Answer.", 16);
  const auto grown = Train({"grpo", "-q", "--resume", split, "--steps", "4"});
  EXPECT_EQ(grown.exit_code, 2);
  EXPECT_NE(grown.err.find("not the ones this run started with"), std::string::npos) << grown.err;
  std::filesystem::remove(parts + "/part3.db");
  const auto resumed = Train({"grpo", "-q", "--resume", split, "--steps", "4"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(ReadFile(whole + "/step_00000004/model.safetensors"),
            ReadFile(split + "/step_00000004/model.safetensors"));
  EXPECT_EQ(MetricsWithoutTimings(whole), MetricsWithoutTimings(split));

  // The same seeds twice: refused, naming both shards.
  const auto twice = Train({"sft", "-q", "--seeds", shard_, "--seeds", parts + "/part1.db",
                            "--model", model_, "--out", dir_->Join("twice")});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("is in both '" + shard_ + "' and '" + parts + "/part1.db'"),
            std::string::npos)
      << twice.err;
  const auto none = Train({"sft", "-q", "--seeds", parts + "/nothing*.db", "--model", model_,
                           "--out", dir_->Join("none")});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no shard matches"), std::string::npos) << none.err;
}

TEST_F(TrainCliTest, AKillInsideACheckpointResumesFromThePreviousOne) {
  const std::string whole = dir_->Join("whole_k"), killed = dir_->Join("killed");
  ASSERT_EQ(Train(Grpo(whole, {"--steps", "4", "--save-every", "2"})).exit_code, 0);
  const auto died =
      Train(Grpo(killed, {"--steps", "4", "--save-every", "2"}), "SWERL_TEST_KILL_IN_CHECKPOINT=4");
  ASSERT_EQ(died.exit_code, -SIGKILL) << died.err;
  EXPECT_TRUE(fs::exists(killed + "/step_00000002/DONE"));
  EXPECT_FALSE(fs::exists(killed + "/step_00000004"));
  const auto resumed = Train({"grpo", "-q", "--resume", killed});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_FALSE(fs::exists(killed + "/step_00000004.partial"));
  for (const char* file : {"model.safetensors", "optimizer.safetensors"}) {
    EXPECT_EQ(ReadFile(whole + "/step_00000004/" + file),
              ReadFile(killed + "/step_00000004/" + file))
        << file;
  }
  // Steps 3 and 4 ran twice; the log keeps each step once.
  EXPECT_EQ(MetricsWithoutTimings(whole), MetricsWithoutTimings(killed));
}

TEST_F(TrainCliTest, AFullDiskDuringACheckpointKeepsThePreviousOne) {
  const std::string run = dir_->Join("full");
  ASSERT_EQ(Train(Grpo(run, {"--steps", "1"})).exit_code, 0);
  const std::string before = ReadFile(run + "/step_00000001/model.safetensors");
  // Files may grow to 64 KiB: the logs fit, a checkpoint of the model does not.
  std::vector<std::string> args = {
      "prlimit", "--fsize=65536", SWERL_TRAIN_BINARY, "grpo", "-q", "--resume", run, "--steps",
      "2"};
  const auto r = testing::Run(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("step_00000002"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("previous checkpoint is intact"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(run + "/step_00000002"));
  EXPECT_FALSE(fs::exists(run + "/step_00000002.partial"));
  EXPECT_EQ(ReadFile(run + "/step_00000001/model.safetensors"), before);
  EXPECT_TRUE(fs::exists(run + "/step_00000001/DONE"));
  // And the run continues once there is room.
  const auto again = Train({"grpo", "-q", "--resume", run, "--steps", "2"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(fs::exists(run + "/step_00000002/DONE"));
}

TEST_F(TrainCliTest, ANonFiniteLossStopsTheRunNamingTheStep) {
  const std::string run = dir_->Join("nan");
  ASSERT_EQ(Train(Grpo(run, {"--steps", "1"})).exit_code, 0);
  const std::string before = ReadFile(run + "/step_00000001/model.safetensors");
  // An absurd learning rate overflows the weights within a step or two.
  const auto r = Train(
      {"grpo", "-q", "--resume", run, "--steps", "6", "--lr", "1e30", "--max-grad-norm", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("(NaN|nan|inf|non-finite)"))) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("stopped at step [2-6]"))) << r.err;
  EXPECT_EQ(ReadFile(run + "/step_00000001/model.safetensors"), before);
}

TEST_F(TrainCliTest, BadInputsAreRefusedNamingTheProblem) {
  struct Case {
    std::string name;
    std::vector<std::string> args;
    std::string expect;  // in stderr
  };
  const std::string empty = dir_->Join("empty.db"), newer = dir_->Join("newer.db");
  MakeToyShard(empty, 0);
  MakeToyShard(newer, 2);
  {
    auto db = db::Db::Open(newer, db::Db::Mode::kReadWrite);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("PRAGMA user_version = 999"));
  }
  // A model that lacks a tensor, and one with a configuration we cannot run.
  const std::string holey = dir_->Join("holey"), odd = dir_->Join("odd");
  fs::copy(model_, holey);
  fs::copy(model_, odd);
  {
    std::string config = ReadFile(odd + "/config.json");
    config.replace(config.find("\"qwen3\""), 7, "\"mamba\"");
    testing::WriteFile(odd + "/config.json", config);
  }
  ASSERT_EQ(testing::Run({std::string(SWERL_PYTHON), "-c",
                          "import sys; from safetensors.torch import load_file, save_file; "
                          "t = load_file(sys.argv[1]); del t['model.norm.weight']; "
                          "save_file(t, sys.argv[1], metadata={'format': 'pt'})",
                          holey + "/model.safetensors"})
                .exit_code,
            0);
  const std::string file = dir_->Join("a-file");
  testing::WriteFile(file, "x");
  const std::vector<Case> cases = {
      {"empty shard",
       {"--seeds", empty, "--model", model_, "--out", dir_->Join("r1")},
       "no training seeds"},
      {"newer shard", {"--seeds", newer, "--model", model_, "--out", dir_->Join("r2")}, "newer"},
      {"vocabulary",
       {"--seeds", shard_, "--model", model_, "--tokenizer", testing::DataPath("tokenizers/qwen3"),
        "--out", dir_->Join("r3")},
       "tokenizer"},
      {"missing tensor",
       {"--seeds", shard_, "--model", holey, "--out", dir_->Join("r4")},
       "model.norm.weight"},
      {"unsupported", {"--seeds", shard_, "--model", odd, "--out", dir_->Join("r5")}, "mamba"},
      {"unwritable run", {"--seeds", shard_, "--model", model_, "--out", file + "/run"}, "a-file"},
      {"run exists",
       {"--seeds", shard_, "--model", model_, "--out", dir_->Join("learn")},
       "already holds a run"},
  };
  for (const Case& c : cases) {
    for (const char* command : {"grpo", "sft"}) {
      std::vector<std::string> args = {command, "-q", "--steps", "1"};
      args.insert(args.end(), c.args.begin(), c.args.end());
      if (c.name != "run exists") args.back() += std::string("-") + command;
      const auto r = Train(args);
      EXPECT_EQ(r.exit_code, 2) << command << " " << c.name << ": " << r.err;
      EXPECT_NE(r.err.find(c.expect), std::string::npos)
          << command << " " << c.name << ": expected '" << c.expect << "' in: " << r.err;
      EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
    }
  }
  EXPECT_EQ(ReadFile(file), "x");
}

TEST_F(TrainCliTest, AScorerThatDiesHangsOrBabblesEndsTheStepNamingIt) {
  // The scorer answers one request per group: 4 groups a step, so each
  // misbehaves on the first group of step 2.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--die-after 4", "exited"},
      {"--hang-after 4", "no answer within 3 s"},
      {"--garbage-after 4", "json"}};
  int i = 0;
  for (const auto& [flag, expect] : cases) {
    const std::string run = dir_->Join("scorer" + std::to_string(i++));
    auto args = Grpo(run, {"--steps", "3", "--reward-timeout", "3"}, ToyScorer(flag));
    const auto r = Train(args);
    EXPECT_EQ(r.exit_code, 2) << flag << ": " << r.err;
    EXPECT_NE(r.err.find("count_reward.py"), std::string::npos) << flag << ": " << r.err;
    EXPECT_TRUE(std::regex_search(r.err, std::regex(expect, std::regex::icase)))
        << flag << ": expected '" << expect << "' in: " << r.err;
    EXPECT_NE(r.err.find("stopped at step 2"), std::string::npos) << flag << ": " << r.err;
    // The first step stands: one metrics line, no reward made up for the second.
    EXPECT_EQ(MetricValues(run, "reward_mean").size(), 1u) << flag;
  }
}

TEST_F(TrainCliTest, AConfigFileSetsFlagsAndTheCommandLineWins) {
  const std::string run = dir_->Join("configured"), config = dir_->Join("grpo.toml");
  testing::WriteFile(config,
                     "[grpo]\ngroup-size = 4\nprompts-per-step = 2\nmax-new-tokens = 8\n"
                     "steps = 5\nlr = 0.5\n");
  const auto r = Train({"grpo", "-q", "--config", config, "--seeds", shard_, "--model", model_,
                        "--out", run, "--reward-cmd", ToyScorer(), "--beta", "0", "--steps", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string saved = ReadFile(run + "/config.toml");
  EXPECT_NE(saved.find("group-size=4"), std::string::npos) << saved;
  EXPECT_NE(saved.find("max-new-tokens=8"), std::string::npos) << saved;
  EXPECT_NE(saved.find("steps=1\n"), std::string::npos) << saved;  // the command line won
  EXPECT_NE(saved.find("lr=0.5"), std::string::npos) << saved;
  EXPECT_EQ(MetricValues(run, "reward_mean").size(), 1u);
  EXPECT_LE(MetricValues(run, "completion_len_max")[0], 8);
  // An unknown key is refused, naming it.
  testing::WriteFile(config, "[grpo]\ngroup-sise = 4\n");
  const auto bad = Train({"grpo", "-q", "--config", config, "--seeds", shard_, "--model", model_,
                          "--out", dir_->Join("configured2")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("group-sise"), std::string::npos) << bad.err;
}

TEST_F(TrainCliTest, SftLowersTheLossAndEvalScoresTheCheckpoint) {
  const std::string run = dir_->Join("sft");
  const auto r =
      Train({"sft", "-q", "--seeds", shard_, "--model", model_, "--out", run, "--steps", "30",
             "--prompts-per-step", "4", "--lr", "0.01", "--warmup", "0", "--save-every", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<double> loss = MetricValues(run, "loss");
  ASSERT_EQ(loss.size(), 30u);
  EXPECT_LT(Mean(loss, 27, 30), 0.5 * Mean(loss, 0, 3)) << ReadFile(run + "/metrics.jsonl");

  // eval on every seed of the toy shard: one line per seed and a summary.
  const auto e = Train({"eval", "--json", "--seeds", shard_, "--model", run + "/step_00000030",
                        "--split", "all", "--max-new-tokens", "16", "--reward-cmd", ToyScorer()});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const auto lines = testing::SplitLines(e.out);
  EXPECT_EQ(lines.size(), 16u) << e.out;
  for (const std::string& line : lines) {
    EXPECT_NE(line.find("\"instance_id\":\"toy__toy-"), std::string::npos) << line;
    EXPECT_NE(line.find("\"rewards\":["), std::string::npos) << line;
  }
  const auto err = testing::SplitLines(e.err);
  ASSERT_FALSE(err.empty());
  EXPECT_NE(err.back().find("\"mean_reward\""), std::string::npos) << e.err;
  EXPECT_NE(err.back().find("\"format_error_rate\""), std::string::npos) << e.err;
}

}  // namespace
}  // namespace swerl

#include "toy_run.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "swerl/db/sqlite.h"
#include "swerl/shard/shard.h"

namespace swerl::testing {

namespace {
const std::string kToyScorer = std::string(SWERL_SOURCE_DIR) + "/tests/trainer/toy/count_reward.py";

}  // namespace

RunResult Train(std::vector<std::string> args, const std::string& env) {
  std::vector<std::string> argv;
  if (!env.empty()) argv = {"env", env};
  argv.push_back(SWERL_TRAIN_BINARY);
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::Run(argv);
}

std::string ToyScorer(const std::string& extra) {
  return std::string(SWERL_PYTHON) + " " + kToyScorer + " --target a --saturation 8" +
         (extra.empty() ? "" : " " + extra);
}

// A shard of `n` toy seeds: a one-line prompt, one context file and its
// changed version as the oracle (the SFT answer), and a one-word system
// prompt so that the byte-level prompts stay short.
void MakeToyShard(const std::string& path, int n, const std::string& system, int first) {
  auto writer = shard::ShardWriter::Create(path);
  ASSERT_TRUE(writer) << writer.error().message();
  for (int i = first; i < first + n; ++i) {
    shard::Seed s;
    s.instance_id = "toy__toy-" + std::to_string(i + 1);
    s.repo = "toy/toy";
    s.pull_number = i + 1;
    s.base_commit = std::string(40, 'a');
    s.problem_statement = "Fix " + std::to_string(i) + ".\n";
    s.prompt = "Fix " + std::to_string(i) + ".";
    shard::SeedFile changed;
    changed.path = "a.py";
    changed.status = "modified";
    changed.added_lines = changed.deleted_lines = 1;
    s.files.push_back(changed);
    s.context = {{"a.py", "x = " + std::to_string(i) + "\n"}};
    s.oracle = {{"a.py", "x = " + std::to_string(i + 1) + "\n"}};
    ASSERT_TRUE(writer->Add(s));
  }
  ASSERT_TRUE(writer->Finish({}));
  auto db = db::Db::Open(path, db::Db::Mode::kReadWrite);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->Exec("UPDATE meta SET value = '" + system + "' WHERE key = 'system_prompt'"));
}

void MakeToyModel(const std::string& dir) {
  const auto init =
      Train({"init",       "-q",       "--arch",     "qwen3",       "--hidden",
             "32",         "--layers", "2",          "--heads",     "2",
             "--kv-heads", "1",        "--head-dim", "16",          "--intermediate",
             "64",         "--seed",   "1",          "--tokenizer", DataPath("tokenizers/toy"),
             "--out",      dir});
  ASSERT_EQ(init.exit_code, 0) << init.err;
}

// The values of `key` in RUN/metrics.jsonl, one per step.
std::vector<double> MetricValues(const std::string& run, const std::string& key) {
  std::vector<double> values;
  const std::regex re("\"" + key + "\":(-?[0-9.eE+-]+|null)");
  for (const std::string& line : testing::SplitLines(ReadFile(run + "/metrics.jsonl"))) {
    std::smatch m;
    if (std::regex_search(line, m, re)) values.push_back(m[1] == "null" ? NAN : std::stod(m[1]));
  }
  return values;
}

// metrics.jsonl without the wall-clock keys, which no two runs share, and
// comm_buckets_overlapped, which restarts at 0 with each process.
std::string MetricsWithoutTimings(const std::string& run) {
  static const std::regex timing(
      R"re("(wall_time|tokens_per_s|rollout_s|reward_s|update_s|step_s|comm_wait_s|comm_buckets_overlapped)":[^,}]*,?)re");
  return std::regex_replace(ReadFile(run + "/metrics.jsonl"), timing, "");
}

TempDir* ToyRunTest::dir_ = nullptr;
std::string ToyRunTest::model_;
std::string ToyRunTest::shard_;

void ToyRunTest::SetUpTestSuite() {
  dir_ = new TempDir();
  model_ = dir_->Join("model");
  shard_ = dir_->Join("toy.db");
  MakeToyModel(model_);
  MakeToyShard(shard_, 16);
}

void ToyRunTest::TearDownTestSuite() {
  delete dir_;
  dir_ = nullptr;
}

}  // namespace swerl::testing

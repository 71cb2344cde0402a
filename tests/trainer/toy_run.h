// What the end-to-end training tests share: running swerl-train, the toy
// scorer (tests/trainer/toy/count_reward.py: reward rises with the count of
// one letter), a toy shard written by ShardWriter, and metrics.jsonl
// readers.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/testing.h"

namespace swerl::testing {

// Runs SWERL_TRAIN_BINARY with `args`; `env` ("NAME=value") is set first.
RunResult Train(std::vector<std::string> args, const std::string& env = "");

// The toy scorer's --reward-cmd, with `extra` flags.
std::string ToyScorer(const std::string& extra = "");

// A shard of `n` toy seeds, numbered first+1..first+n: a one-line prompt,
// one context file and its changed version as the oracle (the SFT answer),
// and a one-word system prompt so that the byte-level prompts stay short.
// Fails the test on error.
void MakeToyShard(const std::string& path, int n, const std::string& system = "Answer.",
                  int first = 0);

// A tiny random Qwen3 (hidden 32, 2 layers) with the toy tokenizer at `dir`.
void MakeToyModel(const std::string& dir);

// The values of `key` in RUN/metrics.jsonl, one per step (NaN for null).
std::vector<double> MetricValues(const std::string& run, const std::string& key);

// metrics.jsonl without the wall-clock keys, which no two runs share, and
// comm_buckets_overlapped, which restarts at 0 with each process.
std::string MetricsWithoutTimings(const std::string& run);

// One toy model (MakeToyModel) and 16-seed shard (MakeToyShard) for a whole
// suite: each `init` costs a LibTorch start.
class ToyRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  static TempDir* dir_;
  static std::string model_, shard_;
};

}  // namespace swerl::testing

// StepMetrics (reduction over micro-batches and ranks), metrics.jsonl
// (lines, truncation for a resume, reading back), rollout files, RunLog's
// fresh and resumed runs, and the progress line. No LibTorch.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include "swerl/io/gzip.h"
#include "swerl/io/input.h"
#include "testing/testing.h"
#include "trainer/metrics/keys.h"
#include "trainer/metrics/metrics_log.h"
#include "trainer/metrics/rollout_log.h"
#include "trainer/metrics/run_log.h"
#include "trainer/metrics/step_metrics.h"

namespace swerl::train::metrics {
namespace {

using testing::ReadFile;
using testing::SplitLines;
using testing::TempDir;
using testing::WriteFile;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- StepMetrics

TEST(StepMetrics, EachKindAndTheOrderOfFirstUse) {
  StepMetrics m;
  m.AddMean("loss", 2.0, 3);  // weighted by 3 tokens
  m.AddMean("loss", 4.0, 1);
  m.AddStd("reward_std", 1);
  m.AddStd("reward_std", 3);
  m.AddSum("tokens", 5);
  m.AddSum("tokens", 7);
  m.AddMax("len_max", 3);
  m.AddMax("len_max", 9);
  m.AddMin("len_min", 3);
  m.AddMin("len_min", -1);
  m.Set("lr", 1e-6);
  m.Set("lr", 2e-6);
  m.AddMean("empty_mean", 1.0, 0);
  EXPECT_EQ(m.Value("loss"), 2.5);
  EXPECT_EQ(m.Value("reward_std"), 1.0);  // population std of {1, 3}
  EXPECT_EQ(m.Value("tokens"), 12);
  EXPECT_EQ(m.Value("len_max"), 9);
  EXPECT_EQ(m.Value("len_min"), -1);
  EXPECT_EQ(m.Value("lr"), 2e-6);
  EXPECT_TRUE(std::isnan(m.Value("empty_mean")));
  EXPECT_TRUE(std::isnan(m.Value("absent")));
  EXPECT_FALSE(m.Has("absent"));
  std::vector<std::string> names;
  for (const auto& [name, value] : m.Values()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"loss", "reward_std", "tokens", "len_max", "len_min",
                                             "lr", "empty_mean"}));
  EXPECT_EQ(m.Layout(),
            "loss:mean,reward_std:std,tokens:sum,len_max:max,len_min:min,lr:same,empty_mean:mean");
  StepMetrics none;
  none.AddMax("m", 1);
  StepMetrics fresh;
  fresh.Merge(none);
  EXPECT_EQ(fresh.Value("m"), 1);
}

TEST(StepMetricsDeathTest, OneNameOneKind) {
  StepMetrics m;
  m.AddMean("x", 1);
  EXPECT_DEATH(m.AddMax("x", 1), "kind");
}

// One rank's share of a step: every value goes to the accumulators, split
// over micro-batches.
struct Sample {
  double reward, tokens, loss_per_token;
};
StepMetrics Accumulate(const std::vector<Sample>& samples) {
  StepMetrics m;
  for (const Sample& s : samples) {
    m.AddMean(key::kRewardMean, s.reward);
    m.AddStd(key::kRewardStd, s.reward);
    m.AddMax(key::kRewardMax, s.reward);
    m.AddMin("reward_min", s.reward);
    m.AddWeightedSum(key::kLoss, s.loss_per_token * s.tokens, s.tokens);
    m.AddSum("tokens", s.tokens);
  }
  m.Set(key::kLearningRate, 3e-6);
  return m;
}

void ExpectClose(const StepMetrics& got, const StepMetrics& want) {
  ASSERT_EQ(got.Layout(), want.Layout());
  const auto g = got.Values(), w = want.Values();
  for (size_t i = 0; i < g.size(); ++i) {
    EXPECT_NEAR(g[i].second, w[i].second, 1e-12 * std::max(1.0, std::abs(w[i].second)))
        << g[i].first;
  }
}

// Property: merging micro-batches, and reducing ranks through Pack/Unpack
// (SUM, MAX, MIN element-wise, as c10d's all-reduce does), both give the
// metrics of one process that saw every sample; checked against values
// computed directly from the samples.
TEST(StepMetrics, MergeAndRankReductionEqualOneProcess) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> reward(-1, 1), loss(-2, 2);
  std::uniform_int_distribution<int> tokens(1, 4000), count(1, 9);
  for (int trial = 0; trial < 50; ++trial) {
    const int ranks = 1 + trial % 4;
    std::vector<std::vector<Sample>> per_rank(ranks);
    std::vector<Sample> all;
    for (auto& samples : per_rank) {
      for (int i = count(rng); i > 0; --i) {
        samples.push_back({reward(rng), double(tokens(rng)), loss(rng)});
        all.push_back(samples.back());
      }
    }
    const StepMetrics whole = Accumulate(all);
    // Direct values.
    double sum = 0, sq = 0, max = -2, wsum = 0, w = 0;
    for (const Sample& s : all) {
      sum += s.reward;
      max = std::max(max, s.reward);
      wsum += s.loss_per_token * s.tokens;
      w += s.tokens;
    }
    const double mean = sum / all.size();
    for (const Sample& s : all) sq += (s.reward - mean) * (s.reward - mean);
    EXPECT_NEAR(whole.Value(key::kRewardMean), mean, 1e-12);
    EXPECT_NEAR(whole.Value(key::kRewardStd), std::sqrt(sq / all.size()), 1e-9);
    EXPECT_EQ(whole.Value(key::kRewardMax), max);
    EXPECT_NEAR(whole.Value(key::kLoss), wsum / w, 1e-12);

    // Micro-batches of one rank, merged.
    std::vector<StepMetrics> rank_metrics;
    for (const auto& samples : per_rank) {
      StepMetrics merged;
      for (const Sample& s : samples) merged.Merge(Accumulate({s}));
      rank_metrics.push_back(merged);
    }
    StepMetrics merged_all;
    for (const StepMetrics& m : rank_metrics) merged_all.Merge(m);
    ExpectClose(merged_all, whole);

    // All-reduce, then Unpack on every rank.
    std::vector<StepMetrics::Packed> packed;
    for (const StepMetrics& m : rank_metrics) packed.push_back(m.Pack());
    StepMetrics::Packed reduced = packed[0];
    for (int r = 1; r < ranks; ++r) {
      for (size_t i = 0; i < reduced.sums.size(); ++i) reduced.sums[i] += packed[r].sums[i];
      for (size_t i = 0; i < reduced.maxes.size(); ++i)
        reduced.maxes[i] = std::max(reduced.maxes[i], packed[r].maxes[i]);
      for (size_t i = 0; i < reduced.mins.size(); ++i)
        reduced.mins[i] = std::min(reduced.mins[i], packed[r].mins[i]);
    }
    for (StepMetrics& m : rank_metrics) {
      ASSERT_TRUE(m.Unpack(reduced));
      ExpectClose(m, whole);
    }
  }
}

TEST(StepMetrics, UnpackRejectsDisagreeingRanksAndOtherLayouts) {
  StepMetrics a, b;
  a.Set("lr", 1e-6);
  a.AddMean("x", 1);
  b.Set("lr", 2e-6);
  b.AddMean("x", 2);
  auto pa = a.Pack(), pb = b.Pack();
  StepMetrics::Packed reduced = pa;
  reduced.maxes[0] = std::max(pa.maxes[0], pb.maxes[0]);
  reduced.mins[0] = std::min(pa.mins[0], pb.mins[0]);
  auto st = a.Unpack(reduced);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("metric 'lr' differs between ranks"), std::string::npos)
      << st.error().message();
  StepMetrics other;
  other.AddMean("x", 1);
  auto bad = other.Unpack(pa);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("layout x:mean"), std::string::npos);
}

// ---- metrics.jsonl

StepMetrics SomeMetrics(double reward) {
  StepMetrics m;
  m.AddMean(key::kRewardMean, reward);
  m.AddMean(key::kKl, kNaN, 1);  // no KL this step: null
  m.Set(key::kLearningRate, 1e-6);
  return m;
}

TEST(MetricsLog, AppendsOneStableLinePerStep) {
  TempDir dir;
  const std::string path = dir.Join("metrics.jsonl");
  {
    auto log = MetricsLog::Open(path);
    ASSERT_TRUE(log) << log.error().message();
    ASSERT_TRUE(log->Append(1, 1700000000.25, SomeMetrics(0.5)));
    ASSERT_TRUE(log->Append(2, 1700000001.5, SomeMetrics(-0.125)));
  }
  EXPECT_EQ(
      ReadFile(path),
      "{\"step\":1,\"wall_time\":1700000000.25,\"reward_mean\":0.5,\"kl\":null,\"lr\":1e-06}\n"
      "{\"step\":2,\"wall_time\":1700000001.5,\"reward_mean\":-0.125,\"kl\":null,\"lr\":1e-06}"
      "\n");
  // Reopening appends.
  auto again = MetricsLog::Open(path);
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->Append(3, 2, SomeMetrics(0.1)));
  auto rows = ReadMetricsLog(path);
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[2].step, 3);
  EXPECT_EQ((*rows)[2].Get("reward_mean"), 0.1);  // exact: shortest round-trip digits
  EXPECT_TRUE(std::isnan((*rows)[2].Get("kl")));
  EXPECT_EQ((*rows)[0].Get("wall_time"), 1700000000.25);
}

TEST(MetricsLog, ReadSkipsTornLastLineAndNonNumbersAndNamesBadLines) {
  TempDir dir;
  const std::string path = dir.Join("metrics.jsonl");
  WriteFile(path,
            "{\"step\":1,\"a\":1.5,\"note\":\"text\",\"b\":null}\n\n{\"step\":2,\"a\":2}\n{\"st");
  auto rows = ReadMetricsLog(path);
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].values.size(), 2u);  // "note" skipped
  EXPECT_EQ((*rows)[1].Get("a"), 2.0);
  WriteFile(path, "{\"step\":1}\n{\"a\":2}\n");
  auto bad = ReadMetricsLog(path);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kCorrupt);
  EXPECT_EQ(bad.error().message(), "'" + path + "' line 2: no integer \"step\"");
  auto missing = ReadMetricsLog(dir.Join("nope.jsonl"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
}

ino_t Inode(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST(TruncateMetricsLog, KeepsStepsUpToNAtomically) {
  TempDir dir;
  const std::string path = dir.Join("metrics.jsonl");
  auto none = TruncateMetricsLog(path, 3);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0u);
  EXPECT_FALSE(std::filesystem::exists(path));  // not created

  std::string text;
  for (int step = 1; step <= 6; ++step) text += MetricsLine(step, 1.0 * step, SomeMetrics(step));
  WriteFile(path, text + "{\"step\":7,\"rew");  // torn by a crash
  const ino_t before = Inode(path);
  auto kept = TruncateMetricsLog(path, 4);
  ASSERT_TRUE(kept) << kept.error().message();
  EXPECT_EQ(*kept, 4u);
  std::string want;
  for (int step = 1; step <= 4; ++step) want += MetricsLine(step, 1.0 * step, SomeMetrics(step));
  EXPECT_EQ(ReadFile(path), want);
  EXPECT_NE(Inode(path), before);  // replaced by rename, not rewritten in place
  // Nothing to drop: the file is left alone.
  const ino_t after = Inode(path);
  ASSERT_TRUE(TruncateMetricsLog(path, 10));
  EXPECT_EQ(Inode(path), after);
  EXPECT_EQ(ReadFile(path), want);
  // Everything after step 0.
  ASSERT_TRUE(TruncateMetricsLog(path, 0));
  EXPECT_EQ(ReadFile(path), "");
  // A damaged line in the middle is an error naming it; the file stays.
  WriteFile(path, want + "not json\n" + want);
  auto bad = TruncateMetricsLog(path, 2);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("line 5: invalid JSON"), std::string::npos)
      << bad.error().message();
  EXPECT_EQ(ReadFile(path), want + "not json\n" + want);
}

// ---- rollouts

std::vector<RolloutSample> SomeSamples(int n) {
  std::vector<RolloutSample> out;
  for (int i = 0; i < n; ++i) {
    RolloutSample s;
    s.seed_id = 100 + i / 4;
    s.instance_id = "owner__repo-" + std::to_string(i / 4);
    s.sample = i % 4;
    s.reward = i % 3 ? 0.25 * i : -1.0;
    if (i % 3 == 0) s.error = "<solution> occurs 0 times, expected once";
    if (i % 3 == 1) s.files = {{"a.py", 0.5}, {"b \"q\".py", 1.0}};
    if (i % 2) s.advantage = -0.5;
    s.tokens = 17 * i;
    s.finish_reason = i % 5 ? "eos" : "length";
    s.completion = "<think>\nline " + std::to_string(i) + "\n</think>\t\xe2\x9c\x93";
    out.push_back(s);
  }
  return out;
}

std::string Gunzip(const std::string& path) {
  auto file = io::OpenFile(path);
  EXPECT_TRUE(file);
  auto in = io::GzipInput(std::move(*file));
  auto text = io::ReadAll(*in);
  EXPECT_TRUE(text) << text.error().message();
  return text ? *text : "";
}

TEST(Rollouts, OneGzipFilePerStepWithEverySample) {
  TempDir dir;
  const std::string rdir = dir.Join("run/rollouts");
  EXPECT_EQ(RolloutPath(rdir, 42), rdir + "/step_000042.ndjson.gz");
  EXPECT_EQ(RolloutPath(rdir, 1234567), rdir + "/step_1234567.ndjson.gz");
  const auto samples = SomeSamples(8);
  ASSERT_TRUE(WriteRollouts(rdir, 3, samples));
  const auto lines = SplitLines(Gunzip(RolloutPath(rdir, 3)));
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(lines[0],
            "{\"step\":3,\"seed_id\":100,\"instance_id\":\"owner__repo-0\",\"sample\":0,"
            "\"reward\":-1.0,\"error\":\"<solution> occurs 0 times, expected once\",\"files\":[],"
            "\"advantage\":null,\"tokens\":0,\"finish_reason\":\"length\","
            "\"completion\":\"<think>\\nline 0\\n</think>\\t\xe2\x9c\x93\"}");
  EXPECT_EQ(
      lines[1],
      "{\"step\":3,\"seed_id\":100,\"instance_id\":\"owner__repo-0\",\"sample\":1,"
      "\"reward\":0.25,\"error\":null,\"files\":[{\"path\":\"a.py\",\"similarity\":0.5},"
      "{\"path\":\"b \\\"q\\\".py\",\"similarity\":1.0}],\"advantage\":-0.5,\"tokens\":17,"
      "\"finish_reason\":\"eos\",\"completion\":\"<think>\\nline 1\\n</think>\\t\xe2\x9c\x93\"}");
  // Same samples, same bytes (no timestamp in the gzip header).
  const std::string first = ReadFile(RolloutPath(rdir, 3));
  ASSERT_TRUE(WriteRollouts(rdir, 3, samples));
  EXPECT_EQ(ReadFile(RolloutPath(rdir, 3)), first);
  // No temporary file is left behind.
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(rdir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
  ASSERT_TRUE(WriteRollouts(rdir, 4, {}));
  EXPECT_EQ(Gunzip(RolloutPath(rdir, 4)), "");
}

TEST(Rollouts, RemoveAfterAStepKeepsEarlierAndOtherFiles) {
  TempDir dir;
  const std::string rdir = dir.Join("rollouts");
  auto nothing = RemoveRolloutsAfter(rdir, 0);
  ASSERT_TRUE(nothing);
  EXPECT_EQ(*nothing, 0u);
  for (int step = 1; step <= 5; ++step) ASSERT_TRUE(WriteRollouts(rdir, step, SomeSamples(1)));
  WriteFile(rdir + "/step_000002.ndjson.gz.tmp-1-abc", "x");  // a crash's leftover
  WriteFile(rdir + "/notes.txt", "mine");
  auto removed = RemoveRolloutsAfter(rdir, 3);
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_EQ(*removed, 3u);
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(rdir)) {
    left.push_back(e.path().filename());
  }
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"notes.txt", "step_000001.ndjson.gz",
                                            "step_000002.ndjson.gz", "step_000003.ndjson.gz"}));
}

// ---- RunLog

TEST(RunLog, FreshRunWritesAllThreeAndRefusesToOverwriteSteps) {
  TempDir dir;
  const std::string run = dir.Join("runs/a");
  {
    auto log = RunLog::Open(run, std::nullopt, {}, 1700000000.0);
    ASSERT_TRUE(log) << log.error().message();
    EXPECT_EQ(log->tensorboard_path().rfind(run + "/tb/events.out.tfevents.1700000000.", 0), 0u)
        << log->tensorboard_path();
    ASSERT_TRUE(log->LogStep(1, SomeMetrics(0.1), 1700000001.0));
    ASSERT_TRUE(log->LogRollouts(1, SomeSamples(2)));
    ASSERT_TRUE(log->LogStep(2, SomeMetrics(0.2), 1700000002.0));
    auto back = log->LogStep(2, SomeMetrics(0.3));
    ASSERT_FALSE(back);
    EXPECT_EQ(back.error().message(), "step 2 logged after step 2");
  }
  EXPECT_EQ(SplitLines(ReadFile(run + "/metrics.jsonl")).size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(run + "/rollouts/step_000001.ndjson.gz"));
  auto again = RunLog::Open(run, std::nullopt);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Code::kInvalidInput);
  EXPECT_NE(again.error().message().find("already holds steps 1 to 2: resume that run"),
            std::string::npos)
      << again.error().message();

  RunLogOptions off;
  off.tensorboard = false;
  off.rollouts = false;
  auto quiet = RunLog::Open(dir.Join("b"), std::nullopt, off);
  ASSERT_TRUE(quiet);
  EXPECT_EQ(quiet->tensorboard_path(), "");
  ASSERT_TRUE(quiet->LogRollouts(1, SomeSamples(1)));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("b/rollouts")));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("b/tb")));
}

TEST(RunLog, ResumeDropsLaterStepsSoNoStepIsLoggedTwice) {
  TempDir dir;
  const std::string run = dir.Join("run");
  {
    auto log = RunLog::Open(run, std::nullopt, {}, 1000);
    ASSERT_TRUE(log);
    for (int step = 1; step <= 5; ++step) {
      ASSERT_TRUE(log->LogStep(step, SomeMetrics(step), 1000 + step));
      ASSERT_TRUE(log->LogRollouts(step, SomeSamples(1)));
    }
  }
  // The checkpoint was at step 3; steps 4 and 5 are redone.
  auto log = RunLog::Open(run, 3, {}, 2000);
  ASSERT_TRUE(log) << log.error().message();
  EXPECT_FALSE(std::filesystem::exists(run + "/rollouts/step_000004.ndjson.gz"));
  EXPECT_TRUE(std::filesystem::exists(run + "/rollouts/step_000003.ndjson.gz"));
  EXPECT_FALSE(log->LogStep(3, SomeMetrics(0)));
  for (int step = 4; step <= 6; ++step)
    ASSERT_TRUE(log->LogStep(step, SomeMetrics(10 * step), 2000 + step));
  auto rows = ReadMetricsLog(run + "/metrics.jsonl");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ((*rows)[i].step, i + 1);
    EXPECT_EQ((*rows)[i].Get(key::kRewardMean), i < 3 ? i + 1 : 10 * (i + 1));
  }
  size_t event_files = 0;
  for (const auto& e : std::filesystem::directory_iterator(run + "/tb")) {
    event_files += e.path().filename().string().rfind("events.out.tfevents.", 0) == 0;
  }
  EXPECT_EQ(event_files, 2u);  // one per process start
}

TEST(ProgressText, ShowsWhatIsThere) {
  StepMetrics m;
  EXPECT_EQ(ProgressText(3, 0, m), "step 3");
  m.AddMean(key::kRewardMean, 0.23125);
  m.AddMax(key::kRewardMax, 0.98);
  m.AddMean(key::kFormatErrorRate, 0.125);
  m.AddMean(key::kKl, 0.001234);
  m.AddMean(key::kCompletionLenMean, 811.6);
  m.AddMax(key::kStepS, 23.4);
  EXPECT_EQ(ProgressText(12, 1600, m),
            "step 12/1600  reward 0.231 (max 0.980)  err 12.5%  kl 0.00123  len 812  23.4 s/step  "
            "ETA 10h19m");
  EXPECT_EQ(ProgressText(1598, 1600, m),
            "step 1598/1600  reward 0.231 (max 0.980)  err 12.5%  kl 0.00123  len 812  "
            "23.4 s/step  ETA 0m47s");
}

}  // namespace
}  // namespace swerl::train::metrics

// Data-parallel swerl-train (trainer/dist/) as users launch it: 2 processes
// over Gloo started by the venv's real `torchrun --no-python`, and by the
// variables Slurm's srun sets, against 1 process with the same global batch
// and seeds. Covers GRPO and SFT with and without --zero 1, exact resume,
// re-sharding a ZeRO checkpoint into another world size, and a rank that
// dies or hangs mid-run.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "testing/testing.h"
#include "toy_run.h"
#include "trainer/checkpoint/checkpoint.h"

namespace swerl {
namespace {

namespace fs = std::filesystem;
using testing::MetricsWithoutTimings;
using testing::MetricValues;
using testing::ReadFile;
using testing::RunResult;
using testing::TempDir;

// Weights after a few steps of 1 vs 2 processes differ only by the order in
// which the ranks' gradients are added (float32 rounding, amplified a little
// by AdamW's normalisation): measured ≤ 2e-7 here; asserted with margin.
constexpr double kWeightTolerance = 1e-5;

// A free TCP port on the loopback (for launches without torchrun).
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

RunResult Torchrun(int nproc, std::vector<std::string> args) {
  std::vector<std::string> argv = {SWERL_TORCHRUN,     "--no-python",         "--standalone",
                                   "--nproc-per-node", std::to_string(nproc), SWERL_TRAIN_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::Run(argv);
}

// `world` processes started the way srun starts them (SLURM_* variables,
// the master from the node list), concurrently; `extra_env` goes to all.
std::vector<RunResult> SlurmLaunch(int world, const std::vector<std::string>& args,
                                   const std::string& extra_env = "") {
  const std::string port = std::to_string(FreePort());
  std::vector<std::future<RunResult>> ranks;
  for (int r = 0; r < world; ++r) {
    std::vector<std::string> argv = {"env",
                                     "SLURM_PROCID=" + std::to_string(r),
                                     "SLURM_NTASKS=" + std::to_string(world),
                                     "SLURM_LOCALID=" + std::to_string(r),
                                     "SLURM_TASKS_PER_NODE=" + std::to_string(world),
                                     "SLURM_JOB_NODELIST=localhost",
                                     "SLURM_JOB_ID=4242",
                                     "MASTER_PORT=" + port};
    if (!extra_env.empty()) argv.push_back(extra_env);
    argv.push_back(SWERL_TRAIN_BINARY);
    argv.insert(argv.end(), args.begin(), args.end());
    ranks.push_back(std::async(std::launch::async, [argv] { return testing::Run(argv); }));
  }
  std::vector<RunResult> out;
  for (auto& f : ranks) out.push_back(f.get());
  return out;
}

double MaxAbsDiff(const std::string& a_dir, const std::string& b_dir) {
  auto a = train::ReadTensorFile(a_dir + "/model.safetensors");
  auto b = train::ReadTensorFile(b_dir + "/model.safetensors");
  EXPECT_TRUE(a && b);
  if (!a || !b) return INFINITY;
  EXPECT_EQ(a->size(), b->size());
  double worst = 0;
  for (const auto& [name, t] : *a) {
    auto it = b->find(name);
    EXPECT_NE(it, b->end()) << name;
    if (it == b->end()) return INFINITY;
    worst = std::max(
        worst, (t.to(torch::kFloat64) - it->second.to(torch::kFloat64)).abs().max().item<double>());
  }
  return worst;
}

std::string Ck(const std::string& run, int step) { return train::CheckpointDir(run, step); }

class DistTest : public testing::ToyRunTest {
 protected:
  // GRPO on the toy task: 4 prompts × G 4 per step (2 prompts per rank).
  static std::vector<std::string> Grpo(const std::string& run, std::vector<std::string> extra) {
    std::vector<std::string> args = {"grpo",
                                     "-q",
                                     "--seeds",
                                     shard_,
                                     "--model",
                                     model_,
                                     "--out",
                                     run,
                                     "--reward-cmd",
                                     testing::ToyScorer(),
                                     "--lr",
                                     "0.001",
                                     "--group-size",
                                     "4",
                                     "--prompts-per-step",
                                     "4",
                                     "--max-new-tokens",
                                     "16",
                                     "--beta",
                                     "0",
                                     "--warmup",
                                     "0",
                                     "--seed",
                                     "7",
                                     "--micro-batch-tokens",
                                     "64",
                                     "--bucket-mb",
                                     "0.01"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
};

TEST_F(DistTest, TwoGlooProcessesUnderTorchrunMatchOneProcess) {
  const std::string one = dir_->Join("grpo1"), two = dir_->Join("grpo2");
  const auto r1 = testing::Run([&] {
    std::vector<std::string> argv = {SWERL_TRAIN_BINARY};
    for (auto& a : Grpo(one, {"--steps", "3"})) argv.push_back(a);
    return argv;
  }());
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  const auto r2 = Torchrun(2, Grpo(two, {"--steps", "3"}));
  ASSERT_EQ(r2.exit_code, 0) << r2.err;

  // Rollouts do not depend on the world size: step 1 samples the same
  // completions from the same weights, so its rewards are equal exactly.
  const auto reward1 = MetricValues(one, "reward_mean"), reward2 = MetricValues(two, "reward_mean");
  ASSERT_EQ(reward1.size(), 3u);
  ASSERT_EQ(reward2.size(), 3u);
  EXPECT_EQ(reward1[0], reward2[0]);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(reward1[i], reward2[i], 1e-9) << "step " << i + 1;
  const auto loss1 = MetricValues(one, "loss"), loss2 = MetricValues(two, "loss");
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(loss1[i], loss2[i], 1e-6) << "step " << i + 1;
  const auto norm1 = MetricValues(one, "grad_norm"), norm2 = MetricValues(two, "grad_norm");
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(norm1[i], norm2[i], 1e-5 * norm1[i]);
  // The runs moved the weights far more than they differ.
  EXPECT_GT(MaxAbsDiff(model_, Ck(one, 3)), 1e-3);
  const double diff = MaxAbsDiff(Ck(one, 3), Ck(two, 3));
  std::printf("max |w1 - w2| after 3 GRPO steps: %.3g\n", diff);
  EXPECT_LE(diff, kWeightTolerance);
  // After step 1 (which learns the accumulators' order) buckets leave
  // while the backward still runs.
  const auto overlapped = MetricValues(two, "comm_buckets_overlapped");
  ASSERT_EQ(overlapped.size(), 3u);
  EXPECT_EQ(overlapped[0], 0);
  EXPECT_GT(overlapped[1], 0);
  EXPECT_GT(overlapped[2], 0);
  // Rank 0 wrote every rank's rollouts and one metrics line per step.
  EXPECT_EQ(testing::SplitLines(ReadFile(two + "/metrics.jsonl")).size(), 3u);
  EXPECT_TRUE(fs::exists(two + "/rollouts/step_000003.ndjson.gz"));
  EXPECT_TRUE(fs::exists(Ck(two, 3) + "/optimizer.safetensors"));

  // ZeRO-1: the same update from sharded optimizer state, each rank's part
  // in its own file, and a resume into one process (re-sharding) works.
  const std::string zero = dir_->Join("grpo2z");
  const auto rz = Torchrun(2, Grpo(zero, {"--steps", "3", "--zero", "1"}));
  ASSERT_EQ(rz.exit_code, 0) << rz.err;
  const double zero_diff = MaxAbsDiff(Ck(two, 3), Ck(zero, 3));
  std::printf("max |w2 - w2(zero 1)| after 3 GRPO steps: %.3g\n", zero_diff);
  EXPECT_LE(zero_diff, kWeightTolerance);
  EXPECT_FALSE(fs::exists(Ck(zero, 3) + "/optimizer.safetensors"));
  const auto part0 = fs::file_size(Ck(zero, 3) + "/optimizer-rank00000-of-00002.safetensors");
  const auto part1 = fs::file_size(Ck(zero, 3) + "/optimizer-rank00001-of-00002.safetensors");
  const auto whole = fs::file_size(Ck(two, 3) + "/optimizer.safetensors");
  EXPECT_LT(part0, whole * 6 / 10);
  EXPECT_LT(part1, whole * 6 / 10);
  EXPECT_GT(part0 + part1, whole * 9 / 10);

  const auto resumed = testing::Run([&] {
    std::vector<std::string> argv = {SWERL_TRAIN_BINARY, "grpo", "-q", "--resume", zero,
                                     "--steps",          "4"};
    return argv;
  }());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(fs::exists(Ck(zero, 4) + "/optimizer.safetensors"));
}

TEST_F(DistTest, ResumeUnderTwoProcessesIsExact) {
  const std::string whole = dir_->Join("resume_whole"), split = dir_->Join("resume_split");
  ASSERT_EQ(
      Torchrun(2, Grpo(whole, {"--steps", "4", "--save-every", "2", "--zero", "1"})).exit_code, 0);
  const auto first = Torchrun(2, Grpo(split, {"--steps", "2", "--save-every", "2", "--zero", "1"}));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto second = Torchrun(2, {"grpo", "-q", "--resume", split, "--steps", "4"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  for (const char* file : {"model.safetensors", "optimizer-rank00000-of-00002.safetensors",
                           "optimizer-rank00001-of-00002.safetensors", "trainer_state.json"}) {
    EXPECT_EQ(ReadFile(Ck(whole, 4) + "/" + file), ReadFile(Ck(split, 4) + "/" + file)) << file;
  }
  EXPECT_EQ(MetricsWithoutTimings(whole), MetricsWithoutTimings(split));
}

TEST_F(DistTest, SftUnderSlurmVariablesMatchesOneProcess) {
  const std::vector<std::string> sft = {"sft",
                                        "-q",
                                        "--seeds",
                                        shard_,
                                        "--model",
                                        model_,
                                        "--lr",
                                        "0.001",
                                        "--prompts-per-step",
                                        "6",
                                        "--warmup",
                                        "0",
                                        "--seed",
                                        "3",
                                        "--steps",
                                        "3",
                                        "--micro-batch-tokens",
                                        "128"};
  auto with_out = [&](const std::string& run, std::vector<std::string> extra) {
    auto args = sft;
    args.insert(args.end(), {"--out", run});
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const std::string one = dir_->Join("sft1"), two = dir_->Join("sft2"), zero = dir_->Join("sft2z");
  std::vector<std::string> argv = {SWERL_TRAIN_BINARY};
  for (auto& a : with_out(one, {})) argv.push_back(a);
  const auto r1 = testing::Run(argv);
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  for (const auto& [run, extra] : {std::pair{two, std::vector<std::string>{}},
                                   std::pair{zero, std::vector<std::string>{"--zero", "1"}}}) {
    const auto ranks = SlurmLaunch(2, with_out(run, extra));
    for (size_t r = 0; r < ranks.size(); ++r) {
      ASSERT_EQ(ranks[r].exit_code, 0) << "rank " << r << ": " << ranks[r].err;
    }
    const double diff = MaxAbsDiff(Ck(one, 3), Ck(run, 3));
    std::printf("sft max |w1 - w2|%s: %.3g\n", extra.empty() ? "" : " (zero 1)", diff);
    EXPECT_GT(MaxAbsDiff(model_, Ck(run, 3)), 1e-3);
    EXPECT_LE(diff, kWeightTolerance) << run;
    const auto loss1 = MetricValues(one, "loss"), loss2 = MetricValues(run, "loss");
    ASSERT_EQ(loss2.size(), 3u);
    for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(loss1[i], loss2[i], 1e-6) << "step " << i + 1;
  }
}

TEST_F(DistTest, ARankThatDiesOrHangsEndsTheOthersWithinTheTimeout) {
  for (const std::string how : {"kill", "hang:12"}) {
    const std::string run = dir_->Join("fault_" + how.substr(0, 4));
    const auto t0 = std::chrono::steady_clock::now();
    const auto ranks =
        SlurmLaunch(2, Grpo(run, {"--steps", "3", "--save-every", "1", "--dist-timeout", "4"}),
                    "SWERL_TEST_RANK_FAULT=1:2:" + how);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    SCOPED_TRACE(how);
    EXPECT_NE(ranks[0].exit_code, 0);
    EXPECT_NE(ranks[1].exit_code, 0);
    // Rank 0 names itself, the step and the cause, and points at --resume.
    EXPECT_NE(ranks[0].err.find("rank 0 of 2, step 2"), std::string::npos) << ranks[0].err;
    EXPECT_NE(ranks[0].err.find("--resume"), std::string::npos) << ranks[0].err;
    EXPECT_LT(seconds, 60);
    const size_t at = ranks[0].err.find("rank 0 of 2");
    std::printf("%s: rank 0 said: %s\n", how.c_str(),
                at == std::string::npos
                    ? "?"
                    : ranks[0].err.substr(at, ranks[0].err.find('\n', at) - at).c_str());
    // Step 1's checkpoint is complete and nothing later pretends to be.
    auto latest = train::LatestCheckpoint(run);
    ASSERT_TRUE(latest && *latest);
    EXPECT_EQ(**latest, Ck(run, 1));
    // The run resumes from it.
    const auto again = SlurmLaunch(2, {"grpo", "-q", "--resume", run, "--steps", "3"});
    for (size_t r = 0; r < again.size(); ++r) {
      ASSERT_EQ(again[r].exit_code, 0) << "rank " << r << ": " << again[r].err;
    }
    EXPECT_TRUE(fs::exists(Ck(run, 3) + "/DONE"));
  }
}

TEST_F(DistTest, BadDistributedSettingsAreRefused) {
  // NCCL on a CPU device, and ranks that disagree on their flags.
  const auto nccl = SlurmLaunch(
      1, Grpo(dir_->Join("nccl"), {"--steps", "1", "--backend", "nccl", "--device", "cpu"}));
  ASSERT_EQ(nccl.size(), 1u);
  EXPECT_NE(nccl[0].exit_code, 0);
  EXPECT_NE(nccl[0].err.find("nccl"), std::string::npos) << nccl[0].err;

  const std::string port = std::to_string(FreePort());
  std::vector<std::future<RunResult>> ranks;
  for (int r = 0; r < 2; ++r) {
    std::vector<std::string> argv = {"env",
                                     "RANK=" + std::to_string(r),
                                     "WORLD_SIZE=2",
                                     "MASTER_ADDR=127.0.0.1",
                                     "MASTER_PORT=" + port,
                                     SWERL_TRAIN_BINARY};
    for (auto& a :
         Grpo(dir_->Join("disagree"),
              {"--steps", "1", "--clip-high", r == 0 ? "0.28" : "0.3", "--dist-timeout", "20"})) {
      argv.push_back(a);
    }
    ranks.push_back(std::async(std::launch::async, [argv] { return testing::Run(argv); }));
  }
  for (int r = 0; r < 2; ++r) {
    const RunResult res = ranks[r].get();
    EXPECT_NE(res.exit_code, 0);
    EXPECT_NE(res.err.find("disagree on the configuration"), std::string::npos) << res.err;
  }
}

}  // namespace
}  // namespace swerl

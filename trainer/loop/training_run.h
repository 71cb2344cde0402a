// TrainingRun: what `swerl-train grpo` and `sft` share around their steps —
// the options common to both, loading the policy (and the frozen reference)
// with its tokenizer and chat format, the seed stream, AdamW and the
// learning-rate schedule, the run directory (config.toml, metrics,
// checkpoints; trainer/checkpoint/checkpoint.h) and resuming from its
// latest complete checkpoint.
//
// Exact resume: everything a step consumes is a function of the checkpoint
// (weights, AdamW moments and step, the data cursor) and of the step number
// (sampling streams are keyed by step, the schedule is a function of it), so
// on CPU a resumed run repeats an uninterrupted one bit for bit.
//
// Data parallel (launched by torchrun or srun; dist/launch_env.h): every
// rank draws the same step prompts and trains on its slice (RankSeeds); the
// update's counts, gradients (dist/grad_sync.h, ZeRO-1 with --zero 1) and
// metrics are reduced over ranks; rank 0 alone writes the run directory
// (config, metrics, TensorBoard, rollouts gathered from every rank, the
// model) while each rank writes its own optimizer part under --zero 1.
// Resuming re-shards: a checkpoint of any world size, with or without
// --zero, continues under any other.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/tok/tokenizer.h"
#include "trainer/data/chat_prompt.h"
#include "trainer/data/seed_stream.h"
#include "trainer/device.h"
#include "trainer/dist/comm.h"
#include "trainer/dist/grad_sync.h"
#include "trainer/dist/launch_env.h"
#include "trainer/grpo/advantages.h"
#include "trainer/grpo/loss.h"
#include "trainer/metrics/rollout_log.h"
#include "trainer/metrics/run_log.h"
#include "trainer/metrics/step_metrics.h"
#include "trainer/model/transformer.h"
#include "trainer/optim/adamw.h"
#include "trainer/optim/schedule.h"

namespace swerl::train {

struct TrainOptions {
  std::vector<std::string> seeds;  // the shards (shard::ExpandShardPatterns expands globs)
  std::string model;      // a Hugging Face model directory
  std::string tokenizer;  // default: the model directory
  std::string out;        // the run directory
  std::string resume;     // a run directory to continue
  int64_t steps = 100;
  int64_t prompts_per_step = 32;
  int64_t max_prompt_tokens = 12288;
  double eval_fraction = 0;
  uint64_t seed = 0;
  // Optimisation.
  double lr = 1e-6;
  int64_t warmup = 10;
  std::string schedule = "constant";
  double min_lr = 0;
  double weight_decay = 0.01;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8;
  double max_grad_norm = 1.0;
  int64_t micro_batch_tokens = 8192;
  int64_t vocab_chunk = 4096;
  bool activation_checkpointing = false;
  // Checkpoints and outputs.
  int64_t save_every = 0;  // 0: only at the end
  int64_t keep_last = 3;
  bool tensorboard = true;
  // Placement.
  std::string device = "auto";
  std::string dtype = "auto";
  int torch_threads = 0;
  // Data parallel (ignored in a single process).
  std::string backend = "auto";  // auto | gloo | nccl
  double dist_timeout = 1800;    // seconds a collective may wait for a peer
  int zero = 0;                  // 0 or 1 (ZeRO-1: optimizer state sharded)
  double bucket_mb = 25;         // gradient bucket size, MiB
};

// What a checkpoint's trainer_state.json holds.
struct TrainerState {
  std::string command;  // "grpo" or "sft"
  int64_t step = 0;     // optimizer steps done
  uint64_t cursor = 0;  // the seed stream's position
  uint64_t seed = 0;    // the run's seed
};
std::string TrainerStateJson(const TrainerState& state);
Result<TrainerState> ParseTrainerState(std::string_view json, const std::string& label);

class TrainingRun {
 public:
  // Fresh (options.resume empty): creates options.out (refusing one that
  // already holds checkpoints or metrics: resume it or pick another), saves
  // `config_toml` as RUN/config.toml, loads the model. Resumed: RUN =
  // options.resume; loads the latest complete checkpoint (weights,
  // optimizer state, step, cursor); a run without one starts from
  // options.model. `with_reference` loads a frozen copy of the starting
  // model (GRPO's KL term). Errors name the file or setting at fault: a
  // model whose vocabulary is smaller than the tokenizer's, a shard without
  // seeds of the split, an unwritable run directory, a checkpoint of the
  // other command.
  static Result<std::unique_ptr<TrainingRun>> Start(const TrainOptions& options,
                                                    const std::string& command,
                                                    const std::string& config_toml,
                                                    bool with_reference);

  Transformer& policy() { return *policy_; }
  Transformer* reference() { return reference_.get(); }
  Optimizer& optimizer() { return *optimizer_; }
  SeedStream& seeds() { return *stream_; }
  const tok::Tokenizer& tokenizer() const { return *tokenizer_; }
  const ChatPrompt& chat() const { return stream_->prompt(); }
  // Rank 0 (or the only process) writes the run directory.
  bool main_rank() const { return comm_ == nullptr || comm_->rank() == 0; }
  int rank() const { return comm_ ? comm_->rank() : 0; }
  int world() const { return comm_ ? comm_->world() : 1; }
  dist::Comm* comm() { return comm_.get(); }
  // "a single process" or the rank, world, launcher and backend.
  std::string DescribeDistribution() const;

  // This rank's part of a step's prompts (all of them when alone).
  std::span<const DrawnSeed> RankSeeds(const std::vector<DrawnSeed>& step_seeds) const;
  // Errors from now on name `step`.
  void BeginStep(int64_t step);
  // Hooks of the update (no-ops when alone): overlap the gradient reduction
  // with the last backward, complete it, and make the counts global.
  std::function<void()> ArmHook();
  std::function<Status()> ReduceGradientsHook();
  std::function<Status(Normaliser*)> NormaliserReducer();
  std::function<Status(RewardMoments*)> MomentsReducer();

  // Reduces `m` over ranks (every rank then holds the global values) and
  // rank 0 appends it to metrics.jsonl and TensorBoard.
  Status LogStep(int64_t step, metrics::StepMetrics& m);
  // Gathers every rank's samples (in rank order, i.e. draw order) and rank
  // 0 writes them.
  Status LogRollouts(int64_t step, const std::vector<metrics::RolloutSample>& samples);
  const LrSchedule& schedule() const { return schedule_; }
  const Placement& placement() const { return placement_; }
  const std::string& run_dir() const { return run_dir_; }
  // The tokenizer's size: ids at or above it are never sampled or scored.
  int64_t vocab_limit() const { return tokenizer_->vocab_size(); }
  int64_t pad_id() const;
  // Steps done before this process started (0 for a fresh run).
  int64_t start_step() const { return start_step_; }
  // The checkpoint this process resumed from ("" when none).
  const std::string& resumed_from() const { return resumed_from_; }

  // Writes RUN/step_<step> (weights in the compute dtype, AdamW state, the
  // seed stream's cursor); every rank calls it and all return the same
  // outcome. Errors: kIo (the previous checkpoint stays), the collectives'.
  Status SaveCheckpoint(int64_t step);

 private:
  TrainingRun() = default;

  TrainOptions options_;
  std::string command_;
  std::string run_dir_;
  std::string model_dir_;  // where the weights came from (tokenizer files too)
  Placement placement_;
  std::optional<tok::Tokenizer> tokenizer_;
  std::shared_ptr<Transformer> policy_, reference_;
  dist::LaunchEnv launch_;
  std::unique_ptr<dist::Comm> comm_;
  std::unique_ptr<dist::GradientSync> sync_;
  std::unique_ptr<Optimizer> optimizer_;
  int64_t comm_bytes_at_step_ = 0;  // Comm::bytes() when the step began
  std::optional<SeedStream> stream_;
  std::optional<metrics::RunLog> log_;
  LrSchedule schedule_;
  int64_t start_step_ = 0;
  std::string resumed_from_;
};

}  // namespace swerl::train

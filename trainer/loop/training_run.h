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
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "swerl/core/result.h"
#include "swerl/tok/tokenizer.h"
#include "trainer/data/chat_prompt.h"
#include "trainer/data/seed_stream.h"
#include "trainer/device.h"
#include "trainer/metrics/run_log.h"
#include "trainer/model/transformer.h"
#include "trainer/optim/adamw.h"
#include "trainer/optim/schedule.h"

namespace swerl::train {

struct TrainOptions {
  std::string seeds;      // the shard
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
  AdamW& optimizer() { return *optimizer_; }
  SeedStream& seeds() { return *stream_; }
  const tok::Tokenizer& tokenizer() const { return *tokenizer_; }
  const ChatPrompt& chat() const { return stream_->prompt(); }
  metrics::RunLog& log() { return *log_; }
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
  // seed stream's cursor). Errors: kIo (the previous checkpoint stays).
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
  std::unique_ptr<AdamW> optimizer_;
  std::optional<SeedStream> stream_;
  std::optional<metrics::RunLog> log_;
  LrSchedule schedule_;
  int64_t start_step_ = 0;
  std::string resumed_from_;
};

}  // namespace swerl::train

// One GRPO step (SPEC §6) on this rank's drawn seeds: rollouts and rewards
// (rollout.h), group advantages, the policy update (grpo/update.h), and the
// step's metrics and rollout records. The mainline of `swerl-train grpo` is
// a loop over this function plus checkpoints and logging.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/reward/group_scorer.h"
#include "swerl/tok/tokenizer.h"
#include "trainer/data/seed_stream.h"
#include "trainer/generate/generator.h"
#include "trainer/grpo/advantages.h"
#include "trainer/grpo/update.h"
#include "trainer/metrics/rollout_log.h"
#include "trainer/metrics/step_metrics.h"
#include "trainer/optim/optimizer.h"

namespace swerl::train {

struct GrpoStepOptions {
  int64_t group_size = 16;
  // Sampling, stops and vocabulary limit; max_new_tokens is this step's.
  GenerateOptions generate;
  AdvantageOptions advantages;
  bool drop_zero_std = false;  // leave groups with equal rewards out of the update
  UpdateOptions update;        // update.lr is this step's learning rate
  uint64_t run_seed = 0;
  // Data parallel: sums the step batch's counts over ranks (the update's
  // token mean is global, SPEC §6.3); null when alone.
  std::function<Status(Normaliser*)> reduce_normaliser;
  // Data parallel with --adv-std batch: sums the reward moments over ranks.
  std::function<Status(RewardMoments*)> reduce_moments;
};

struct GrpoStepResult {
  metrics::StepMetrics metrics;  // every key of metrics/keys.h but the timing ones
  std::vector<metrics::RolloutSample> rollouts;
  UpdateStats update;
  int64_t generated_tokens = 0;
  double rollout_seconds = 0, reward_seconds = 0, update_seconds = 0;
  bool updated = false;  // false when every group of every rank was dropped (no step)
};

// Runs step `step` (1-based) on `seeds` (this rank's part of the step's
// prompts; may be empty when ranks outnumber prompts). The metrics hold
// this rank's partial sums, every name declared in the same order on every
// rank, ready for StepMetrics::Pack. Every rank runs the update when any
// rank has samples to train on. Errors: those of the rollout, the
// scorer and the update (a non-finite loss or gradient leaves the weights
// and optimizer state as they were), each naming the step.
Result<GrpoStepResult> RunGrpoStep(Transformer& policy, Transformer* reference,
                                   Optimizer& optimizer, reward::GroupScorer& scorer,
                                   const tok::Tokenizer& tokenizer,
                                   std::span<const DrawnSeed> seeds, int64_t step,
                                   const GrpoStepOptions& options);

}  // namespace swerl::train

// One GRPO step (SPEC §6) on this rank's drawn seeds: rollouts and rewards
// (rollout.h), group advantages, the policy update (grpo/update.h), and the
// step's metrics and rollout records. The mainline of `swerl-train grpo` is
// a loop over this function plus checkpoints and logging.
#pragma once

#include <cstdint>
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
#include "trainer/optim/adamw.h"

namespace swerl::train {

struct GrpoStepOptions {
  int64_t group_size = 16;
  // Sampling, stops and vocabulary limit; max_new_tokens is this step's.
  GenerateOptions generate;
  AdvantageOptions advantages;
  bool drop_zero_std = false;  // leave groups with equal rewards out of the update
  UpdateOptions update;        // update.lr is this step's learning rate
  uint64_t run_seed = 0;
};

struct GrpoStepResult {
  metrics::StepMetrics metrics;  // every key of metrics/keys.h but the timing ones
  std::vector<metrics::RolloutSample> rollouts;
  UpdateStats update;
  int64_t generated_tokens = 0;
  double rollout_seconds = 0, reward_seconds = 0, update_seconds = 0;
  bool updated = false;  // false when every group was dropped (no optimizer step)
};

// Runs step `step` (1-based) on `seeds`. Errors: those of the rollout, the
// scorer and the update (a non-finite loss or gradient leaves the weights
// and optimizer state as they were), each naming the step.
Result<GrpoStepResult> RunGrpoStep(Transformer& policy, Transformer* reference, AdamW& optimizer,
                                   reward::GroupScorer& scorer, const tok::Tokenizer& tokenizer,
                                   std::span<const DrawnSeed> seeds, int64_t step,
                                   const GrpoStepOptions& options);

}  // namespace swerl::train

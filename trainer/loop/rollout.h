// Rollouts scored: G completions of each drawn seed's prompt (one shared
// prefill per group, trainer/generate/generator.h) decoded to text and
// scored by a GroupScorer (the SWE-RL reward in-process, or --reward-cmd).
// Shared by `swerl-train grpo` (then the update) and `swerl-train eval`.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/reward/group_scorer.h"
#include "swerl/tok/tokenizer.h"
#include "trainer/data/seed_stream.h"
#include "trainer/generate/generator.h"

namespace swerl::train {

class Transformer;

struct ScoredSample {
  Completion completion;
  std::string text;     // decoded, special tokens skipped
  reward::Score score;  // reward, error (format error), per-file similarity
};

struct RolloutTimes {
  double generate_seconds = 0;
  double score_seconds = 0;
};

// Samples `group_size` completions per seed, sample j of seed s drawing
// from RolloutKey(run_seed, step, s.seed_id, j) — so a sample does not
// depend on which other seeds share the batch or the rank — and scores
// each group. Returns seeds.size() * group_size samples, group after group.
// Errors: Generate's, the scorer's (prefixed with the step).
Result<std::vector<ScoredSample>> RolloutAndScore(
    Transformer& model, const tok::Tokenizer& tokenizer, reward::GroupScorer& scorer,
    std::span<const DrawnSeed> seeds, int64_t group_size, const GenerateOptions& options,
    uint64_t run_seed, uint64_t step, GenerateStats* stats, RolloutTimes* times);

// The seed's files as the reward reads them.
reward::FileMap ToFileMap(const shard::SeedFiles& files);

}  // namespace swerl::train

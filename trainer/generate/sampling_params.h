// SamplingParams: how the next token is chosen from the logits (greedy, or
// temperature, top-k and top-p sampling), without LibTorch types.
#pragma once

#include <cstdint>

#include "swerl/core/result.h"

namespace swerl::train {

struct SamplingParams {
  bool greedy = false;       // argmax; the other fields are ignored
  double temperature = 1.0;  // > 0; logits are divided by it first
  int64_t top_k = 0;         // keep the k most likely tokens; 0 = all
  double top_p = 1.0;        // (0, 1]: keep the smallest most-likely set of mass >= top_p
};

// Errors: kInvalidInput naming the flag ("temperature must be > 0, got 0").
Status ValidateSamplingParams(const SamplingParams& params);

// The seed of sequence `index` under the run seed `seed` (SplitMix64 of
// both), so a prompt draws the same uniforms whatever batch it is in (its
// sample can still differ where batch shapes change the logits' rounding).
uint64_t DeriveSeed(uint64_t seed, uint64_t index);

// The key of one GRPO rollout sample: the stream sample `sample` (0..G-1)
// of the seed with id `seed_id` (its index in the data shard) draws from at
// optimiser step `step` of a run seeded with `run_seed`. It depends on
// nothing else, so a rollout does not change with the batch it is decoded
// in, with the order of the groups, or with how seeds are split over ranks.
// Definition (stable; logged runs depend on it), all arithmetic mod 2^64:
//   Mix64(z):  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
//              z = (z ^ (z >> 27)) * 0x94d049bb133111eb;  return z ^ (z >> 31)
//   h = 0x5377524c2d6b6579 ("SwRL-key");
//   for v in (run_seed, step, seed_id, sample), the i-th (i = 1..4):
//     h = Mix64(h ^ Mix64(v + i * 0x9e3779b97f4a7c15))
//   key = h
// Pass it to UniformStream (GenerateGroups does, one stream per sample).
uint64_t RolloutKey(uint64_t run_seed, uint64_t step, uint64_t seed_id, uint64_t sample);

// A per-sequence stream of uniform doubles in [0, 1) (SplitMix64; the top
// 53 bits of each output): the t-th call (t = 1, 2, ...) returns
// (Mix64(seed + t * 0x9e3779b97f4a7c15) >> 11) * 2^-53. Not thread-safe.
class UniformStream {
 public:
  explicit UniformStream(uint64_t seed) : state_(seed) {}
  double Next();

 private:
  uint64_t state_;
};

}  // namespace swerl::train

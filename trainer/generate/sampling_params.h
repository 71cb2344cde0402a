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

// A per-sequence stream of uniform doubles in [0, 1) (SplitMix64; the top
// 53 bits of each output). Not thread-safe.
class UniformStream {
 public:
  explicit UniformStream(uint64_t seed) : state_(seed) {}
  double Next();

 private:
  uint64_t state_;
};

}  // namespace swerl::train

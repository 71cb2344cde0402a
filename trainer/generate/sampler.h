// Choosing one token per row from next-token logits, on the logits' device:
// vocabulary masking, greedy or temperature/top-k/top-p sampling by inverse
// CDF from caller-supplied uniforms (so seeded runs repeat exactly), and the
// log-probabilities GRPO needs.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "trainer/generate/sampling_params.h"

namespace swerl::train {

struct SampledTokens {
  torch::Tensor ids;              // (B) int64
  torch::Tensor logprobs;         // (B) float32: log softmax(logits) at temperature 1
                                  // over the allowed vocabulary (the policy's log π)
  torch::Tensor sample_logprobs;  // (B) float32: log q(id) under the
                                  // distribution actually sampled from (after
                                  // temperature, top-k, top-p); 0 when greedy
};

// `logits` (B, V), any floating dtype (computed in float32). Ids >= `vocab_limit`
// (the tokenizer's size; embedding rows past it are padding) get -inf first,
// so they are never chosen and carry no probability. `uniforms` (B) float64
// in [0, 1), one per row, on any device; unused when greedy.
//
// Sampling: logits / temperature; then the top_k largest (when 0 < top_k <
// allowed vocab); then top-p keeps, in descending order, each token whose
// preceding mass is < top_p (as transformers' TopPLogitsWarper); the token
// is the first whose cumulative kept mass exceeds u * total.
// REQUIRES: ValidateSamplingParams(params) ok; 0 < vocab_limit <= V.
SampledTokens SampleTokens(const torch::Tensor& logits, const SamplingParams& params,
                           int64_t vocab_limit, const torch::Tensor& uniforms);

}  // namespace swerl::train

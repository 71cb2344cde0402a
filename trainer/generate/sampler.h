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
  torch::Tensor policy_logprobs;  // (B) float32: log softmax(logits / temperature)
                                  // over the allowed vocabulary, no top-k/top-p
                                  // (SPEC §6.6's π_old); = logprobs when greedy
  torch::Tensor sample_logprobs;  // (B) float32: log q(id) under the
                                  // distribution actually sampled from (after
                                  // temperature, top-k, top-p); 0 when greedy
};

// `logits` (B, V), any floating dtype (computed in float32). Ids >= `vocab_limit`
// (the tokenizer's size; embedding rows past it are padding) are left out
// first, so they are never chosen and carry no probability. `uniforms` (B) float64
// in [0, 1), one per row, on any device; unused when greedy.
//
// Sampling: logits / temperature; then the top_k largest (when 0 < top_k <
// allowed vocab); then top-p keeps, in descending order, each token whose
// preceding mass is < top_p (as transformers' TopPLogitsWarper); the token
// is the first (in vocabulary order without top-k/top-p, in descending
// order with them) whose cumulative mass, summed in float64, exceeds
// u * total. No (B, V) float64 tensor and no (B, V) log-softmax is made.
//
// `workspace`, when given, lends a float32 buffer of about B * V elements
// that is kept for the next call (grown when too small): decoding loops
// pass one so that each step does not allocate it anew.
// REQUIRES: ValidateSamplingParams(params) ok; 0 < vocab_limit <= V.
SampledTokens SampleTokens(const torch::Tensor& logits, const SamplingParams& params,
                           int64_t vocab_limit, const torch::Tensor& uniforms,
                           torch::Tensor* workspace = nullptr);

}  // namespace swerl::train

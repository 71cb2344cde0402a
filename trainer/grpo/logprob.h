// Chunked token log-probabilities: log softmax(hidden · weightᵀ / T)[target]
// over the first vocab_limit ids, as ONE autograd function that never holds
// an (N, V) tensor (SPEC §6.6 "logits memory"): the forward runs an online
// logsumexp over vocabulary chunks and gathers each target's logit; the
// backward recomputes each chunk's logits and applies
// d logp / d logits = (onehot − softmax) / T per token.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "swerl/core/result.h"

namespace swerl::train {

struct LogProbOptions {
  // Logits are divided by it before the log-softmax (SPEC §6.6), so the
  // result is the log-probability under the distribution sampled at T.
  double temperature = 1.0;
  // Ids >= vocab_limit (the padded embedding rows past the tokenizer) carry
  // no probability: the softmax runs over [0, vocab_limit) only, and their
  // weight rows get zero gradient. 0 means the whole weight (V).
  int64_t vocab_limit = 0;
  // Vocabulary columns per chunk; peak extra memory is a few (N, chunk)
  // tensors in the accumulation dtype. Need not divide V.
  int64_t chunk = 4096;
};

struct TokenLogProbs {
  // (N) log-probability of each target, differentiable w.r.t. hidden and
  // weight (when they require grad).
  torch::Tensor logp;
  // (N) entropy of the tempered distribution over [0, vocab_limit), no grad.
  torch::Tensor entropy;
};

// `hidden` (N, H) and `weight` (V, H) share a floating dtype and device;
// `targets` (N) int64 on the same device. Matmuls run in that dtype; the
// softmax statistics, logp, entropy and the logits' gradient are in the
// accumulation dtype: float64 for float64 inputs, else float32 (bf16 and
// fp16 logsumexp is unstable). The gradient w.r.t. hidden is accumulated
// over chunks in the accumulation dtype and returned in hidden's dtype.
// Thread-compatible. Errors: kInvalidInput for wrong ranks, shapes, dtypes
// or devices, temperature <= 0, vocab_limit outside [0, V], chunk < 1, or a
// target outside [0, vocab_limit) (names its index; costs one device sync).
Result<TokenLogProbs> ChunkedLogProbs(const torch::Tensor& hidden, const torch::Tensor& weight,
                                      const torch::Tensor& targets, const LogProbOptions& options);

}  // namespace swerl::train

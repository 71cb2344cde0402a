// Supervised fine-tuning loss on the same machinery as the GRPO update:
// cross-entropy on the answer tokens only (never the prompt's), token mean
// over the whole step batch, through the chunked log-probs. SFT loss =
// −Σ_answer tokens log p / N_tokens, i.e. the dapo aggregation with A = 1
// and no ratio.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "swerl/core/result.h"
#include "trainer/grpo/loss.h"
#include "trainer/model/transformer.h"

namespace swerl::train {

struct SftSample {
  std::vector<int32_t> prompt_ids;  // non-empty; context only
  std::vector<int32_t> answer_ids;  // the tokens trained on
};

struct SftOptions {
  int64_t vocab_limit = 0;  // the tokenizer's size; 0 = the model's vocab_size
  int64_t vocab_chunk = 4096;
  int64_t micro_batch_tokens = 8192;
  int64_t pad_id = 0;
  // Optional (data parallel): called before the last micro-batch's backward.
  std::function<void()> before_last_backward;
};

struct SftStats {
  double loss = 0;    // this rank's share of the step loss (Σ over micro-batches)
  double tokens = 0;  // answer tokens of this rank
  int64_t micro_batches = 0;
};

// Accumulates into the model's .grad (not zeroed here) the gradient of
// −Σ log p(answer tokens) · world / normaliser.tokens, where
// normaliser.tokens counts the answer tokens of the whole step batch (all
// ranks; world from the normaliser). No optimizer step. Temperature 1.
// Errors: kInvalidInput for an empty prompt or an id outside [0,
// vocab_limit) (sample named), no answer tokens in the normaliser, or a
// non-finite loss.
Result<SftStats> AccumulateSftGradients(Transformer& model, std::span<const SftSample> samples,
                                        const SftOptions& options, const Normaliser& normaliser);

}  // namespace swerl::train

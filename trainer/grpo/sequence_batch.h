// Prompt + completion sequences for training: splitting a step's sequences
// into micro-batches by a token budget, and the forward that yields the
// hidden states predicting each completion token (never the prompt's),
// ready for ChunkedLogProbs. Shared by the GRPO update and SFT.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <span>
#include <vector>

#include "trainer/model/transformer.h"

namespace swerl::train {

// One training sequence; the spans must outlive the call they are passed to.
struct SequenceRef {
  std::span<const int32_t> prompt;      // REQUIRES: non-empty
  std::span<const int32_t> completion;  // the tokens scored (may be empty)
};

// The model input of a sequence is prompt + completion[0, C − 1): the last
// completion token is predicted but never fed. Its length, in tokens.
int64_t InputLength(const SequenceRef& s);

// Splits sequences 0..n−1 (with input lengths `lengths`), in order, into
// consecutive micro-batches whose padded size rows × longest row stays
// within `token_budget`; a sequence longer than the budget gets a
// micro-batch of its own. Order is kept so that the floating-point sums of
// a step do not depend on anything but the samples and the budget.
// REQUIRES: token_budget >= 1.
std::vector<std::vector<size_t>> PlanMicroBatches(std::span<const int64_t> lengths,
                                                  int64_t token_budget);

struct CompletionHidden {
  torch::Tensor hidden;          // (N, hidden) final-norm states, N = Σ completion lengths
  torch::Tensor targets;         // (N) int64: the completion tokens they predict
  std::vector<int64_t> offsets;  // rows + 1 entries: row r's tokens are [offsets[r], offsets[r+1])
};

// Runs `model` over the left-padded inputs of `rows` (LeftPad: key_mask and
// positions) and gathers the states at the columns that predict the
// completion tokens, in row order. Differentiable when grad mode is on.
// Rows with empty completions contribute no tokens. REQUIRES: every prompt
// non-empty; ids valid for the model.
CompletionHidden ForwardCompletions(Transformer& model, std::span<const SequenceRef> rows,
                                    int64_t pad_id = 0);

}  // namespace swerl::train

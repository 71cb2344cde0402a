// The GRPO per-token loss (SPEC §6.4: PPO clip with clip-higher and
// optional dual clip, k3 KL to a reference with verl's clamps) and its
// aggregation over the step batch (SPEC §6.3: grpo, dapo, dr_grpo).
//
// Every aggregation is defined over the WHOLE step batch (all ranks, all
// micro-batches, all tokens of every sequence), as one weight per loss
// token, so the gradient does not depend on how the batch is split:
//
//   loss = Σ_{tokens of the step batch} w_t · l_t, gradients averaged over
//   the `world` ranks (each rank's loss is its own tokens' share times world)
//
//   dapo    w = m / N_tokens                        (token mean; verl token-mean)
//   grpo    w = m / (|o_i| · N_seq)                 (mean over sequences of each
//                                                     one's token mean; |o_i| = Σ_t m)
//   dr_grpo w = m / (N_seq · L_max)                 (L_max = --max-new-tokens)
//
// where m is the loss mask (0 on completions masked by --mask-truncated),
// N_tokens = Σ m and N_seq = the number of sequences (masked ones included,
// as TRL counts them) over the step batch. A rank computes its tokens'
// share with w · world, so after a mean all-reduce of the gradients every
// rank holds the gradient of the formula above.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

#include "swerl/core/result.h"

namespace swerl::train {

enum class LossAggregation : uint8_t { kGrpo, kDapo, kDrGrpo };

// "grpo" | "dapo" | "dr_grpo". Errors: kInvalidInput naming the value.
Result<LossAggregation> ParseLossAggregation(const std::string& name);

// The step batch's global counts. A distributed caller sums tokens and
// sequences over ranks (all-reduce) before the update.
struct Normaliser {
  double tokens = 0;           // Σ m over the step batch
  double sequences = 0;        // sequences in the step batch
  int64_t world = 1;           // ranks sharing the step batch
  int64_t max_new_tokens = 0;  // L_max (dr_grpo only)
};

// w (without the mask) for each loss token of a sequence with
// `loss_tokens` unmasked tokens, times `world` (see the header comment);
// 0 when loss_tokens is 0. Errors: kInvalidInput when world < 1, or the
// mode's denominator is not positive (dapo: tokens; grpo: sequences;
// dr_grpo: sequences and max_new_tokens) while loss_tokens > 0.
Result<double> TokenWeight(LossAggregation aggregation, const Normaliser& normaliser,
                           int64_t loss_tokens);

struct PolicyLossOptions {
  double clip_low = 0.2;    // ε_low: ratio floor 1 − ε_low
  double clip_high = 0.28;  // ε_high: ratio ceiling 1 + ε_high (DAPO clip-higher)
  // verl's dual clip for A < 0: the loss is capped at −A · c. 0 = off;
  // otherwise c > 1.
  double dual_clip = 0;
  // k3 KL coefficient; 0 = no KL term (ref_logp may then be undefined).
  double beta = 0;
};

// One micro-batch's loss: sums, not means, so micro-batches and ranks add.
struct PolicyLoss {
  torch::Tensor loss;  // 0-d, Σ w·l, differentiable w.r.t. logp
  // 0-d float64 sums over the tokens with mask 1 (no grad, on logp's device):
  torch::Tensor tokens;     // Σ m
  torch::Tensor kl;         // Σ m · kl (0 when beta == 0)
  torch::Tensor clip_low;   // tokens with A < 0 and ρ < 1 − ε_low (gradient clipped away)
  torch::Tensor clip_high;  // tokens with A > 0 and ρ > 1 + ε_high
  torch::Tensor clip_dual;  // tokens with A < 0 and ρ > c (dual clip on)
};

// Per token (all (N), one floating dtype, one device):
//   ρ  = exp(clamp(logp − old_logp, −20, 20))                          (verl)
//   pg = max(−A·ρ, −A·clamp(ρ, 1 − ε_low, 1 + ε_high)); for A < 0 with the
//        dual clip on, pg = min(pg, −A·c)
//   kl = clamp(exp(d) − d − 1, −10, 10), d = clamp(ref_logp − logp, −20, 20)
//   l  = pg + β·kl
// and loss = Σ weights · l. `advantages` is A per token (the sequence's
// advantage broadcast), `weights` the aggregation weights (TokenWeight,
// already 0 where masked), `mask` 1 on loss tokens (float or bool) for the
// statistics. old_logp and ref_logp are treated as constants (detached).
// Errors: kInvalidInput for mismatched shapes, dtypes or devices, clip
// values out of range (ε_low in [0, 1), ε_high >= 0, c == 0 or c > 1), a
// negative beta, or beta > 0 without ref_logp.
Result<PolicyLoss> ComputePolicyLoss(const torch::Tensor& logp, const torch::Tensor& old_logp,
                                     const torch::Tensor& ref_logp, const torch::Tensor& advantages,
                                     const torch::Tensor& weights, const torch::Tensor& mask,
                                     const PolicyLossOptions& options);

}  // namespace swerl::train

// The GRPO policy update over one step batch (SPEC §6): micro-batches by a
// token budget with gradient accumulation, μ passes over the same batch,
// the clipped-ratio + k3 KL loss of loss.h aggregated per loss.h, the
// chunked log-probs of logprob.h, optional activation checkpointing, and
// the AdamW step (gradient clipping, fp32 master weights).
//
// Distributed use (dist/grad_sync.h): a rank passes only its own samples
// (whole groups, possibly none), a Normaliser whose counts were all-reduced
// (world 1: gradients are summed over ranks), before_last_backward (arms
// the bucketed reduction so it overlaps the pass's last backward) and
// reduce_gradients (completes it); the latter runs after every pass's
// backward and before the gradient norm and the step.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "swerl/core/result.h"
#include "trainer/grpo/loss.h"
#include "trainer/model/transformer.h"
#include "trainer/optim/optimizer.h"

namespace swerl::train {

struct TrainSample {
  std::vector<int32_t> prompt_ids;      // non-empty
  std::vector<int32_t> completion_ids;  // the sampled tokens (may be empty: no loss)
  // The rollout's log softmax(z / T)[token] over the allowed vocabulary,
  // one per completion token: the sampler's π_old (the generator's
  // `sample_logprobs` with top-k and top-p off; its `logprobs` are at T = 1). Used for the Δlog p
  // statistic, and as π_old with OldLogProbSource::kRollout.
  std::vector<float> old_logprobs;
  double advantage = 0;    // ComputeAdvantages' value for this completion
  bool truncated = false;  // stopped at max_new_tokens
};

// Where π_old in the ratio ρ = π_θ / π_old comes from.
enum class OldLogProbSource : uint8_t {
  // The policy at the start of the update: the first pass's log-probs,
  // detached and kept for passes 2..μ (verl, TRL). In pass 1 ρ ≡ 1 (still
  // computed, so the gradient is A·∇log π exactly as SPEC §6.1 derives).
  kRecompute,
  // TrainSample::old_logprobs (off-policy or asynchronous sampling, where
  // the sampler is not the policy being trained).
  kRollout,
};

struct UpdateOptions {
  LossAggregation loss = LossAggregation::kDapo;
  PolicyLossOptions policy;  // ε_low, ε_high, dual clip c, β
  OldLogProbSource old_logprobs = OldLogProbSource::kRecompute;
  double temperature = 1.0;               // the sampling temperature (SPEC §6.6)
  int64_t vocab_limit = 0;                // the tokenizer's size; 0 = the model's vocab_size
  int64_t vocab_chunk = 4096;             // ChunkedLogProbs' chunk
  int64_t micro_batch_tokens = 8192;      // padded rows × width per micro-batch
  int64_t epochs_per_batch = 1;           // μ: passes, each ending in an optimizer step
  bool mask_truncated = false;            // completions with truncated = true get no loss
  bool activation_checkpointing = false;  // set on the policy for the update
  double lr = 1e-6;                       // this step's learning rate (LrSchedule::At)
  double max_grad_norm = 1.0;             // <= 0: no clipping
  int64_t pad_id = 0;
  // Optional; see the header comment. An error aborts before the step.
  std::function<void()> before_last_backward;
  std::function<Status()> reduce_gradients;
};

// This rank's numbers for one update. Sums, so ranks can add them (then the
// means below are global); "per pass" sums run over all μ passes. The
// zero-std group count comes from ComputeAdvantages, not from here.
struct UpdateStats {
  int64_t passes = 0;
  int64_t micro_batches = 0;      // per pass
  int64_t sequences = 0;          // samples given
  int64_t masked_truncated = 0;   // sequences masked by --mask-truncated
  int64_t completion_tokens = 0;  // all completion tokens (masked ones too)
  double loss_tokens = 0;         // Σ m: tokens that carry loss, one pass
  double loss = 0;                // Σ over passes of this rank's loss share
  double kl_sum = 0;              // Σ over passes and loss tokens of kl
  double entropy_sum = 0;         // Σ over passes and loss tokens of the entropy
  double clip_low = 0, clip_high = 0, clip_dual = 0;  // token counts, Σ over passes
  double abs_dlogp_sum = 0;        // first pass: Σ |log π_θ − rollout old_logprobs|
  std::vector<double> grad_norms;  // per pass, before clipping (after reduce_gradients)

  double MeanLoss() const { return passes ? loss / passes : 0; }
  double MeanKl() const { return Per(kl_sum); }
  double MeanEntropy() const { return Per(entropy_sum); }
  double ClipLowFraction() const { return Per(clip_low); }
  double ClipHighFraction() const { return Per(clip_high); }
  double ClipDualFraction() const { return Per(clip_dual); }
  // Over all completion tokens (masked ones too) of the first forward.
  double MeanAbsDeltaLogp() const {
    return completion_tokens ? abs_dlogp_sum / static_cast<double>(completion_tokens) : 0;
  }

 private:
  double Per(double sum) const {
    const double n = loss_tokens * static_cast<double>(passes);
    return n > 0 ? sum / n : 0;
  }
};

// The counts of `samples` for a Normaliser (world 1): loss tokens (Σ m,
// masked completions excluded when mask_truncated) and sequences (all).
Normaliser LocalNormaliser(std::span<const TrainSample> samples, bool mask_truncated,
                           int64_t max_new_tokens);

// What passes after the first reuse: the micro-batch plan, π_old (with
// kRecompute) and the reference log-probs, per micro-batch. Start each
// update with a fresh one; callers treat it as opaque.
struct PassCache {
  std::vector<std::vector<size_t>> plan;
  std::vector<torch::Tensor> old_logp, ref_logp;
  bool filled = false;
};

// One pass: forward and backward of every micro-batch; the gradient of the
// step loss (loss.h) accumulates into the policy parameters' .grad (not
// zeroed here). No optimizer step. Fills `cache` on its first use. The
// returned stats cover this pass (passes = 1, grad_norms empty).
// `reference` may be null when options.policy.beta == 0 (then it is never
// run); otherwise it must share the policy's vocabulary.
// Errors: kInvalidInput for a bad sample (index named: empty prompt, an id
// outside [0, vocab_limit), old_logprobs not one per completion token or
// not finite, advantage not finite), bad options, beta > 0 without a
// reference, or a non-finite loss (micro-batch and samples named).
Result<UpdateStats> AccumulateGradients(Transformer& policy, Transformer* reference,
                                        std::span<const TrainSample> samples,
                                        const UpdateOptions& options, const Normaliser& normaliser,
                                        PassCache* cache);

// The update: for each of the μ passes, zero the gradients,
// AccumulateGradients, reduce_gradients, then optimizer.Step(lr,
// max_grad_norm). Gradients are dropped at the end. `optimizer` must hold
// the policy's parameters. Errors: those of AccumulateGradients, the hook
// and AdamW::Step (non-finite gradient norm), prefixed with the pass; the
// failing pass has changed neither the weights nor the optimizer state
// (earlier passes, when μ > 1, have taken their steps).
Result<UpdateStats> Update(Transformer& policy, Transformer* reference, Optimizer& optimizer,
                           std::span<const TrainSample> samples, const UpdateOptions& options,
                           const Normaliser& normaliser);

}  // namespace swerl::train

// AdamW with fp32 master weights, global-norm gradient clipping and state
// export/import keyed by Hugging Face parameter name (for checkpoints).
//
// The arithmetic is torch.optim.AdamW's single-tensor path (torch 2.11,
// foreach=False) operation for operation, and clipping is
// torch.nn.utils.clip_grad_norm_'s, so the two agree to rounding (tests/
// oracles/grpo_oracle.py). On CPU a step is a fixed sequence of
// deterministic tensor ops: the same state, weights and gradients give
// bit-identical results, so a run resumed from exported state equals an
// uninterrupted one.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "swerl/core/result.h"
#include "trainer/optim/optimizer.h"

namespace swerl::train {

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  // Decoupled weight decay (param *= 1 − lr · wd), verl's 0.01. It applies
  // to matrices only: 1-D parameters (norm weights, biases) are not
  // decayed, as in HF Trainer and llm.c (decaying a norm's gain towards 0
  // has no regularising purpose).
  double weight_decay = 0.01;
};

// The pieces of one AdamW step shared with ZeroAdamW (zero_adamw.h), so
// both apply torch's arithmetic operation for operation.
//
// torch's clip coefficient for a total gradient norm `total` (a 0-d tensor
// of the state dtype): max_norm / (total + 1e-6) capped at 1, formed as
// Python forms it. Undefined when max_grad_norm <= 0 (no clipping).
torch::Tensor ClipCoefficient(const torch::Tensor& total, double max_grad_norm);

// Step `step`'s (1-based) bias-corrected constants.
struct AdamWStepSizes {
  double step_size = 0;              // lr / (1 − β1^step)
  double bias_correction2_sqrt = 0;  // sqrt(1 − β2^step)
};
AdamWStepSizes StepSizes(const AdamWOptions& options, double lr, int64_t step);

// One update of `master` in place from gradient `g` (in the master's dtype,
// consumed: scaled by `coef` when defined): decoupled weight decay when
// `decay`, the moments, then the bias-corrected step.
void AdamWUpdate(const AdamWOptions& options, double lr, const AdamWStepSizes& sizes,
                 const torch::Tensor& coef, bool decay, torch::Tensor g, torch::Tensor& master,
                 torch::Tensor& exp_avg, torch::Tensor& exp_avg_sq);

// Not thread-safe. Holds references to the parameters it was given; they
// must outlive it and keep their storage (no re-assignment of the tensors).
class AdamW : public Optimizer {
 public:
  // `params` e.g. model.named_parameters() as (name, tensor) pairs; each must
  // be a floating tensor (a leaf whose .grad() the backward fills).
  // float32/float64 parameters are their own master weights and state
  // dtype; bf16/fp16 ones get an fp32 master copy (taken now) and fp32
  // state, and each step writes the rounded master back into them.
  AdamW(std::vector<NamedTensor> params, AdamWOptions options);

  // Steps taken so far (the bias corrections use step + 1 for the next).
  int64_t step() const override { return step_; }
  const AdamWOptions& options() const { return options_; }

  // The global L2 norm of the gradients (per-parameter norms in the state
  // dtype, then the norm of those), as clip_grad_norm_ computes it.
  // Parameters without a gradient count as zero. One device sync.
  double GradNorm() const;

  // One step: checks that the gradient norm is finite, clips the
  // gradients to `max_grad_norm` (coefficient max_norm / (norm + 1e-6),
  // capped at 1, applied to every gradient as torch does; <= 0 = no
  // clipping), then the AdamW update at learning rate `lr`. Returns the
  // norm before clipping. Gradients are consumed (scaled), not zeroed.
  // Parameters without a gradient are skipped (as torch does; the step
  // count is shared); with no gradient at all nothing happens and 0 is
  // returned.
  // Errors: kInvalidInput when the gradient norm is NaN or infinite (the
  // message names the first parameter with a non-finite gradient); then
  // neither the weights, the gradients nor the state have changed.
  Result<double> Step(double lr, double max_grad_norm) override;

  // Drops every gradient (sets .grad() undefined), as zero_grad(set_to_none).
  void ZeroGrad() override;

  // A copy of the state (see OptimizerState). Before the first step the
  // moments are zeros.
  OptimizerState ExportState() const override;
  int64_t StateBytes() const override;

  // Replaces the state with `state` (e.g. read back from a checkpoint of a
  // model with the same parameter names). Masters present in `state` are
  // copied into the master weights AND the parameters (rounded), so the
  // model continues from the exact fp32 weights. Errors: kInvalidInput for
  // a missing or unexpected name, a wrong shape or a non-floating tensor
  // (named); then nothing has changed.
  Status ImportState(const OptimizerState& state) override;

 private:
  struct Slot {
    std::string name;
    torch::Tensor param;    // the model's tensor
    torch::Tensor master;   // == param for fp32/fp64 params, else an fp32 copy
    torch::Tensor exp_avg;  // master's dtype and shape
    torch::Tensor exp_avg_sq;
    bool decay = false;  // dim >= 2
  };
  std::vector<Slot> slots_;
  AdamWOptions options_;
  int64_t step_ = 0;
};

}  // namespace swerl::train

// The optimizer as the training loop sees it: one step on the gradients the
// backward left (clipping included), and state a checkpoint can hold.
// AdamW (adamw.h) keeps every parameter's state; ZeroAdamW (zero_adamw.h)
// keeps this rank's part of it.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::train {

using NamedTensor = std::pair<std::string, torch::Tensor>;

// Optimizer state by name: "<param>.exp_avg", "<param>.exp_avg_sq" (the
// master's dtype: fp32, or fp64 for fp64 parameters; the parameter's shape)
// and, for parameters kept in a lower precision, "<param>.master" (the fp32
// weights); `step` counts the steps taken. A ZeRO rank's part names pieces
// "<name>@<offset>": the 1-D run of the flattened tensor starting at that
// element (zero_adamw.h's MergeStatePieces joins them).
struct OptimizerState {
  int64_t step = 0;
  std::vector<NamedTensor> tensors;  // CPU copies, in parameter order
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Steps taken so far.
  virtual int64_t step() const = 0;
  // Clips to `max_grad_norm` (<= 0: no clipping) and steps at `lr`;
  // returns the gradient norm before clipping. A non-finite norm is
  // kInvalidInput and changes nothing.
  virtual Result<double> Step(double lr, double max_grad_norm) = 0;
  // Drops every gradient.
  virtual void ZeroGrad() = 0;
  // Bytes of state this process holds (moments and fp32 masters).
  virtual int64_t StateBytes() const = 0;
  // What a checkpoint stores of this process's state (see OptimizerState).
  virtual OptimizerState ExportState() const = 0;
  // Takes the whole state (every parameter's, not pieces); each optimizer
  // keeps what it owns. Errors: kInvalidInput naming a missing, unexpected
  // or misshapen tensor; then nothing has changed.
  virtual Status ImportState(const OptimizerState& state) = 0;
};

}  // namespace swerl::train

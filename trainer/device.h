// Where the trainer computes: --device auto|cpu|cuda|cuda:N, and the
// floating-point type that goes with it (fp32 on CPU, bf16 on CUDA).
#pragma once

#include <torch/types.h>

#include <string>

#include "swerl/core/result.h"

namespace swerl::train {

struct Placement {
  torch::Device device{torch::kCPU};
  torch::Dtype dtype = torch::kFloat32;
};

// "auto" is cuda:0 when LibTorch sees a GPU, else cpu. `dtype` is "auto"
// (fp32 on CPU, bf16 on CUDA), "fp32", "bf16" or "fp16". Errors name the
// bad value; asking for CUDA without a GPU is an error, never a fallback.
Result<Placement> ParsePlacement(const std::string& device, const std::string& dtype);

}  // namespace swerl::train

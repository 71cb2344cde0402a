#include "trainer/device.h"

#include <torch/cuda.h>

#include <exception>

namespace swerl::train {

Result<Placement> ParsePlacement(const std::string& device, const std::string& dtype) {
  Placement p;
  if (device == "auto") {
    p.device = torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  } else {
    try {
      p.device = torch::Device(device);
    } catch (const std::exception&) {
      return Error(Code::kInvalidInput, "--device '" + device + "': expected auto, cpu, cuda or cuda:N");
    }
    if (p.device.is_cuda() && !torch::cuda::is_available()) {
      return Error(Code::kUnsupported, "--device '" + device + "': LibTorch sees no CUDA device");
    }
    if (!p.device.is_cuda() && !p.device.is_cpu()) {
      return Error(Code::kUnsupported, "--device '" + device + "': only cpu and cuda are supported");
    }
  }
  if (dtype == "auto") {
    p.dtype = p.device.is_cuda() ? torch::kBFloat16 : torch::kFloat32;
  } else if (dtype == "fp32") {
    p.dtype = torch::kFloat32;
  } else if (dtype == "bf16") {
    p.dtype = torch::kBFloat16;
  } else if (dtype == "fp16") {
    p.dtype = torch::kFloat16;
  } else {
    return Error(Code::kInvalidInput, "--dtype '" + dtype + "': expected auto, fp32, bf16 or fp16");
  }
  return p;
}

}  // namespace swerl::train

// The references of tests/oracles/grpo_oracle.py (run by the ctest fixture
// trainer_grpo_oracle into SWERL_GRPO_REF, or on first use when missing):
// the parsed manifest and the safetensors it names, as CPU tensors.
#pragma once

#include <simdjson.h>
#include <torch/types.h>

#include <map>
#include <string>

namespace swerl::train::testing {

// The manifest's root object (parsed once; aborts when the oracle fails).
simdjson::dom::element GrpoManifest();

// Every tensor of SWERL_GRPO_REF/<file> (e.g. "loss.safetensors"), copied
// into CPU tensors of their stored dtype. Cached per file.
const std::map<std::string, torch::Tensor>& GrpoTensors(const std::string& file);

// The tensor `name` of GrpoTensors(file); fails the test (and returns an
// empty tensor) when absent.
torch::Tensor GrpoTensor(const std::string& file, const std::string& name);

// Relative error ||a − b|| / max(||b||, tiny), in float64.
double RelError(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace swerl::train::testing

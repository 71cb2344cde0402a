#include "grpo_ref.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "swerl/st/reader.h"
#include "testing/testing.h"

namespace swerl::train::testing {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "grpo_ref: %s\n", what.c_str());
  std::abort();
}

std::string RefDir() { return SWERL_GRPO_REF; }

torch::Dtype TorchDtype(st::Dtype d) {
  switch (d) {
    case st::Dtype::kF64:
      return torch::kFloat64;
    case st::Dtype::kF32:
      return torch::kFloat32;
    case st::Dtype::kBF16:
      return torch::kBFloat16;
    case st::Dtype::kI64:
      return torch::kInt64;
    case st::Dtype::kBool:
      return torch::kBool;
    default:
      Die("unexpected dtype " + std::string(st::DtypeName(d)));
  }
}

}  // namespace

simdjson::dom::element GrpoManifest() {
  static simdjson::dom::parser parser;
  static const simdjson::dom::element root = [] {
    const std::string manifest = RefDir() + "/manifest.json";
    if (!std::filesystem::exists(manifest)) {
      // Not run through ctest's fixture: make the references now.
      auto r = swerl::testing::Run({SWERL_PYTHON,
                                    std::string(SWERL_SOURCE_DIR) + "/tests/oracles/grpo_oracle.py",
                                    "--out", RefDir()});
      if (r.exit_code != 0) Die("grpo_oracle.py failed: " + r.err);
    }
    simdjson::dom::element e;
    if (parser.load(manifest).get(e) != simdjson::SUCCESS) Die("cannot parse " + manifest);
    return e;
  }();
  return root;
}

const std::map<std::string, torch::Tensor>& GrpoTensors(const std::string& file) {
  static std::map<std::string, std::map<std::string, torch::Tensor>> cache;
  auto it = cache.find(file);
  if (it != cache.end()) return it->second;
  GrpoManifest();  // runs the oracle when needed
  auto opened = st::File::Open(RefDir() + "/" + file);
  if (!opened) Die(opened.error().message());
  std::map<std::string, torch::Tensor> out;
  for (const st::TensorInfo& info : opened->tensors()) {
    auto t = torch::empty(info.shape, torch::TensorOptions().dtype(TorchDtype(info.dtype)));
    std::memcpy(t.data_ptr(), info.data.data(), info.data.size());
    out.emplace(info.name, t);
  }
  return cache.emplace(file, std::move(out)).first->second;
}

torch::Tensor GrpoTensor(const std::string& file, const std::string& name) {
  const auto& all = GrpoTensors(file);
  auto it = all.find(name);
  if (it == all.end()) {
    ADD_FAILURE() << "no tensor '" << name << "' in " << file;
    return torch::Tensor();
  }
  return it->second;
}

double RelError(const torch::Tensor& a, const torch::Tensor& b) {
  auto a64 = a.detach().to(torch::kFloat64).cpu();
  auto b64 = b.detach().to(torch::kFloat64).cpu();
  const double den = std::max(b64.norm().item<double>(), 1e-300);
  return (a64 - b64).norm().item<double>() / den;
}

}  // namespace swerl::train::testing

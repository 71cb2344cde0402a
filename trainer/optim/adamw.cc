#include "trainer/optim/adamw.h"

#include <cmath>
#include <map>

#include "swerl/core/check.h"

namespace swerl::train {
namespace {

torch::Tensor CpuCopy(const torch::Tensor& t) {
  return t.detach().to(torch::kCPU, t.scalar_type(), /*non_blocking=*/false, /*copy=*/true);
}

std::string ShapeString(torch::IntArrayRef sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

}  // namespace

torch::Tensor ClipCoefficient(const torch::Tensor& total, double max_grad_norm) {
  // Python's max_norm / (total + 1e-6) is (total + 1e-6).reciprocal() * max_norm.
  if (max_grad_norm <= 0) return {};
  return ((total + 1e-6).reciprocal() * max_grad_norm).clamp_max(1.0);
}

AdamWStepSizes StepSizes(const AdamWOptions& options, double lr, int64_t step) {
  const double n = static_cast<double>(step);
  const double bias_correction1 = 1 - std::pow(options.beta1, n);
  const double bias_correction2 = 1 - std::pow(options.beta2, n);
  return {lr / bias_correction1, std::pow(bias_correction2, 0.5)};
}

void AdamWUpdate(const AdamWOptions& options, double lr, const AdamWStepSizes& sizes,
                 const torch::Tensor& coef, bool decay, torch::Tensor g, torch::Tensor& master,
                 torch::Tensor& exp_avg, torch::Tensor& exp_avg_sq) {
  if (coef.defined()) g.mul_(coef.to(g.device()));
  if (decay && options.weight_decay != 0) master.mul_(1 - lr * options.weight_decay);
  exp_avg.lerp_(g, 1 - options.beta1);
  exp_avg_sq.mul_(options.beta2).addcmul_(g, g, 1 - options.beta2);
  auto denom = (exp_avg_sq.sqrt() / sizes.bias_correction2_sqrt).add_(options.eps);
  master.addcdiv_(exp_avg, denom, -sizes.step_size);
}

AdamW::AdamW(std::vector<NamedTensor> params, AdamWOptions options) : options_(options) {
  torch::NoGradGuard no_grad;
  for (auto& [name, param] : params) {
    SWERL_CHECK(param.is_floating_point());
    Slot slot;
    slot.name = name;
    slot.param = param;
    const auto dtype = param.scalar_type();
    if (dtype == torch::kFloat32 || dtype == torch::kFloat64) {
      slot.master = param;
    } else {
      slot.master = param.detach().to(torch::kFloat32, /*non_blocking=*/false, /*copy=*/true);
    }
    slot.exp_avg = torch::zeros_like(slot.master, torch::MemoryFormat::Contiguous);
    slot.exp_avg_sq = torch::zeros_like(slot.master, torch::MemoryFormat::Contiguous);
    slot.decay = param.dim() >= 2;
    slots_.push_back(std::move(slot));
  }
}

double AdamW::GradNorm() const {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> norms;
  for (const Slot& s : slots_) {
    const auto& g = s.param.grad();
    if (!g.defined()) continue;
    norms.push_back(torch::linalg_vector_norm(g.to(s.master.scalar_type()), 2));
  }
  if (norms.empty()) return 0.0;
  const auto device = norms[0].device();
  for (auto& n : norms) n = n.to(device, norms[0].scalar_type());
  return torch::linalg_vector_norm(torch::stack(norms), 2).item<double>();
}

Result<double> AdamW::Step(double lr, double max_grad_norm) {
  torch::NoGradGuard no_grad;
  // The total norm as a tensor in the state dtype, exactly as
  // clip_grad_norm_ forms it (per-tensor norms, stacked, normed).
  std::vector<torch::Tensor> norms;
  for (const Slot& s : slots_) {
    const auto& g = s.param.grad();
    if (g.defined()) norms.push_back(torch::linalg_vector_norm(g.to(s.master.scalar_type()), 2));
  }
  if (norms.empty()) return 0.0;
  const auto device = norms[0].device();
  for (auto& n : norms) n = n.to(device, norms[0].scalar_type());
  const torch::Tensor total = torch::linalg_vector_norm(torch::stack(norms), 2);
  const double norm = total.item<double>();
  if (!std::isfinite(norm)) {
    std::string culprit = "?";
    for (const Slot& s : slots_) {
      const auto& g = s.param.grad();
      if (g.defined() && !torch::isfinite(g).all().item<bool>()) {
        culprit = s.name;
        break;
      }
    }
    return Error(Code::kInvalidInput, "gradient norm is " + std::to_string(norm) +
                                          " (first non-finite gradient: '" + culprit +
                                          "'); no weights changed");
  }
  const torch::Tensor coef = ClipCoefficient(total, max_grad_norm);
  const AdamWStepSizes sizes = StepSizes(options_, lr, ++step_);
  for (Slot& s : slots_) {
    torch::Tensor g = s.param.grad();
    if (!g.defined()) continue;  // torch skips parameters without a gradient
    const bool separate = !s.master.is_same(s.param);
    if (separate) g = g.to(s.master.scalar_type());
    AdamWUpdate(options_, lr, sizes, coef, s.decay, g, s.master, s.exp_avg, s.exp_avg_sq);
    if (separate) s.param.copy_(s.master);
  }
  return norm;
}

void AdamW::ZeroGrad() {
  for (Slot& s : slots_) {
    if (s.param.grad().defined()) s.param.mutable_grad() = torch::Tensor();
  }
}

int64_t AdamW::StateBytes() const {
  int64_t bytes = 0;
  for (const Slot& s : slots_) {
    bytes +=
        (s.exp_avg.numel() + s.exp_avg_sq.numel()) * static_cast<int64_t>(s.exp_avg.element_size());
    if (!s.master.is_same(s.param)) bytes += s.master.numel() * 4;
  }
  return bytes;
}

OptimizerState AdamW::ExportState() const {
  OptimizerState state;
  state.step = step_;
  for (const Slot& s : slots_) {
    state.tensors.emplace_back(s.name + ".exp_avg", CpuCopy(s.exp_avg));
    state.tensors.emplace_back(s.name + ".exp_avg_sq", CpuCopy(s.exp_avg_sq));
    if (!s.master.is_same(s.param))
      state.tensors.emplace_back(s.name + ".master", CpuCopy(s.master));
  }
  return state;
}

Status AdamW::ImportState(const OptimizerState& state) {
  if (state.step < 0) {
    return Error(Code::kInvalidInput, "optimizer state step " + std::to_string(state.step));
  }
  std::map<std::string, const torch::Tensor*> by_name;
  for (const auto& [name, t] : state.tensors) {
    if (!by_name.emplace(name, &t).second) {
      return Error(Code::kInvalidInput, "optimizer state tensor '" + name + "' appears twice");
    }
  }
  // Validate everything first, so a bad state changes nothing.
  size_t used = 0;
  const auto check = [&](const std::string& name, const torch::Tensor& like,
                         bool required) -> Status {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      if (!required) return OkStatus();
      return Error(Code::kInvalidInput, "optimizer state tensor '" + name + "' is missing");
    }
    ++used;
    const torch::Tensor& t = *it->second;
    if (!t.defined() || !t.is_floating_point() || t.sizes() != like.sizes()) {
      return Error(Code::kInvalidInput, "optimizer state tensor '" + name + "' has shape " +
                                            (t.defined() ? ShapeString(t.sizes()) : "none") +
                                            ", expected floating " + ShapeString(like.sizes()));
    }
    return OkStatus();
  };
  for (const Slot& s : slots_) {
    SWERL_RETURN_IF_ERROR(check(s.name + ".exp_avg", s.exp_avg, true));
    SWERL_RETURN_IF_ERROR(check(s.name + ".exp_avg_sq", s.exp_avg_sq, true));
    SWERL_RETURN_IF_ERROR(check(s.name + ".master", s.master, false));
  }
  if (used != by_name.size()) {
    for (const auto& [name, t] : by_name) {
      bool known = false;
      for (const Slot& s : slots_) {
        known = known || name == s.name + ".exp_avg" || name == s.name + ".exp_avg_sq" ||
                name == s.name + ".master";
      }
      if (!known) {
        return Error(Code::kInvalidInput, "unexpected optimizer state tensor '" + name + "'");
      }
    }
  }
  torch::NoGradGuard no_grad;
  for (Slot& s : slots_) {
    s.exp_avg.copy_(*by_name.at(s.name + ".exp_avg"));
    s.exp_avg_sq.copy_(*by_name.at(s.name + ".exp_avg_sq"));
    if (auto it = by_name.find(s.name + ".master"); it != by_name.end()) {
      s.master.copy_(*it->second);
      if (!s.master.is_same(s.param)) s.param.copy_(s.master);
    }
  }
  step_ = state.step;
  return OkStatus();
}

}  // namespace swerl::train

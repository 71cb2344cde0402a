#include "trainer/optim/zero_adamw.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace swerl::train {
namespace {

bool LowPrecision(const torch::Tensor& p) {
  return p.scalar_type() != torch::kFloat32 && p.scalar_type() != torch::kFloat64;
}

}  // namespace

ZeroAdamW::ZeroAdamW(dist::GradientSync& sync, dist::Comm& comm, AdamWOptions options)
    : sync_(sync), comm_(comm), options_(options) {
  torch::NoGradGuard no_grad;
  const dist::BucketLayout& layout = sync.layout();
  const auto& params = sync.params();
  const int64_t rank = comm.rank();
  for (size_t b = 0; b < layout.buckets.size(); ++b) {
    const int64_t part = layout.PartSize(b);
    const int64_t lo = rank * part, hi = lo + part;
    const auto opts = torch::TensorOptions()
                          .dtype(sync.dtype())
                          .device(params[layout.buckets[b].entries.front().param].second.device());
    exp_avg_.push_back(torch::zeros({part}, opts));
    exp_avg_sq_.push_back(torch::zeros({part}, opts));
    int64_t master_numel = 0;
    std::vector<Segment> here;
    for (const auto& e : layout.buckets[b].entries) {
      const int64_t from = std::max(lo, e.offset), to = std::min(hi, e.offset + e.numel);
      if (from >= to) continue;
      Segment s;
      s.bucket = b;
      s.param = e.param;
      s.part_offset = from - lo;
      s.param_offset = from - e.offset;
      s.numel = to - from;
      const torch::Tensor& p = params[e.param].second;
      s.decay = p.dim() >= 2;
      s.separate_master = LowPrecision(p);
      if (s.separate_master) master_numel += s.numel;
      here.push_back(std::move(s));
    }
    // Masters hold only low-precision runs, packed in segment order.
    master_.push_back(torch::empty({master_numel}, opts.dtype(torch::kFloat32)));
    int64_t m = 0;
    for (Segment& s : here) {
      s.exp_avg = exp_avg_[b].narrow(0, s.part_offset, s.numel);
      s.exp_avg_sq = exp_avg_sq_[b].narrow(0, s.part_offset, s.numel);
      if (s.separate_master) {
        s.master = master_[b].narrow(0, m, s.numel);
        m += s.numel;
        s.master.copy_(ParamRun(s));
      } else {
        s.master = ParamRun(s);  // the parameter itself is its master
      }
      segments_.push_back(std::move(s));
    }
  }
}

torch::Tensor ZeroAdamW::ParamRun(const Segment& s) const {
  return sync_.params()[s.param].second.detach().view({-1}).narrow(0, s.param_offset, s.numel);
}

Result<double> ZeroAdamW::Step(double lr, double max_grad_norm) {
  torch::NoGradGuard no_grad;
  const auto& params = sync_.params();
  // Σ g² over the owned runs with a gradient, summed over ranks.
  torch::Tensor sumsq =
      torch::zeros({1}, torch::TensorOptions().dtype(torch::kFloat64).device(comm_.device()));
  bool any = false;
  for (const Segment& s : segments_) {
    if (!sync_.has_grad(s.param)) continue;
    any = true;
    const torch::Tensor g = sync_.owned_grad(s.bucket).narrow(0, s.part_offset, s.numel);
    sumsq += g.to(torch::kFloat64).square().sum().to(comm_.device());
  }
  for (size_t i = 0; i < params.size() && !any; ++i) any = sync_.has_grad(i);
  if (!any) return 0.0;  // no rank has a gradient: nothing happens, as in AdamW
  SWERL_RETURN_IF_ERROR(comm_.AllReduce(sumsq, dist::Op::kSum, "gradient norm"));
  const double norm = std::sqrt(sumsq.item<double>());
  if (!std::isfinite(norm)) {
    std::string culprit = "on another rank";
    for (const Segment& s : segments_) {
      const torch::Tensor g = sync_.owned_grad(s.bucket).narrow(0, s.part_offset, s.numel);
      if (sync_.has_grad(s.param) && !torch::isfinite(g).all().item<bool>()) {
        culprit = "'" + params[s.param].first + "'";
        break;
      }
    }
    return Error(Code::kInvalidInput, "gradient norm is " + std::to_string(norm) +
                                          " (first non-finite gradient: " + culprit +
                                          "); no weights changed");
  }
  // AdamW's clipping coefficient, formed the same way from an fp32 total.
  const torch::Tensor coef =
      ClipCoefficient(torch::tensor(static_cast<float>(norm)), max_grad_norm);
  const AdamWStepSizes sizes = StepSizes(options_, lr, ++step_);
  for (Segment& s : segments_) {
    if (!sync_.has_grad(s.param)) continue;
    torch::Tensor g = sync_.owned_grad(s.bucket).narrow(0, s.part_offset, s.numel);
    if (g.scalar_type() != s.master.scalar_type()) g = g.to(s.master.scalar_type());
    AdamWUpdate(options_, lr, sizes, coef, s.decay, g, s.master, s.exp_avg, s.exp_avg_sq);
  }
  // Every rank gets every bucket's updated values.
  const dist::BucketLayout& layout = sync_.layout();
  std::vector<torch::Tensor> mine(layout.buckets.size());
  for (size_t b = 0; b < layout.buckets.size(); ++b) {
    mine[b] = torch::zeros({layout.PartSize(b)}, exp_avg_[b].options().dtype(sync_.dtype()));
  }
  for (const Segment& s : segments_)
    mine[s.bucket].narrow(0, s.part_offset, s.numel).copy_(s.master);
  for (size_t b = 0; b < layout.buckets.size(); ++b) {
    torch::Tensor all = torch::empty({layout.buckets[b].padded}, mine[b].options());
    SWERL_RETURN_IF_ERROR(comm_.AllGather(all, mine[b], "parameter bucket " + std::to_string(b)));
    for (const auto& e : layout.buckets[b].entries) {
      torch::Tensor p = params[e.param].second.detach();
      p.view({-1}).copy_(all.narrow(0, e.offset, e.numel));
    }
  }
  return norm;
}

void ZeroAdamW::ZeroGrad() {
  for (const auto& [name, p] : sync_.params()) {
    if (p.grad().defined()) const_cast<torch::Tensor&>(p).mutable_grad() = torch::Tensor();
  }
}

int64_t ZeroAdamW::StateBytes() const {
  int64_t bytes = 0;
  for (size_t b = 0; b < exp_avg_.size(); ++b) {
    for (const auto* t : {&exp_avg_[b], &exp_avg_sq_[b], &master_[b]}) {
      bytes += t->numel() * static_cast<int64_t>(t->element_size());
    }
  }
  return bytes;
}

OptimizerState ZeroAdamW::ExportState() const {
  OptimizerState state;
  state.step = step_;
  const auto& params = sync_.params();
  auto cpu = [](const torch::Tensor& t) {
    return t.detach().to(torch::kCPU, t.scalar_type(), false, /*copy=*/true);
  };
  for (const Segment& s : segments_) {
    const std::string at = "@" + std::to_string(s.param_offset);
    const std::string& name = params[s.param].first;
    state.tensors.emplace_back(name + ".exp_avg" + at, cpu(s.exp_avg));
    state.tensors.emplace_back(name + ".exp_avg_sq" + at, cpu(s.exp_avg_sq));
    if (s.separate_master) state.tensors.emplace_back(name + ".master" + at, cpu(s.master));
  }
  return state;
}

Status ZeroAdamW::ImportState(const OptimizerState& state) {
  if (state.step < 0) {
    return Error(Code::kInvalidInput, "optimizer state step " + std::to_string(state.step));
  }
  std::map<std::string, const torch::Tensor*> by_name;
  for (const auto& [name, t] : state.tensors) by_name.emplace(name, &t);
  const auto& params = sync_.params();
  // Validate first: a bad state changes nothing.
  size_t used = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& [name, p] = params[i];
    for (const char* slot : {".exp_avg", ".exp_avg_sq", ".master"}) {
      auto it = by_name.find(name + slot);
      const bool master = std::string_view(slot) == ".master";
      if (it == by_name.end()) {
        if (master) continue;
        return Error(Code::kInvalidInput,
                     "optimizer state tensor '" + name + slot + "' is missing");
      }
      ++used;
      if (!it->second->is_floating_point() || it->second->sizes() != p.sizes()) {
        return Error(Code::kInvalidInput, "optimizer state tensor '" + name + slot +
                                              "' does not have the parameter's shape");
      }
    }
  }
  if (used != by_name.size()) {
    return Error(Code::kInvalidInput,
                 "the optimizer state holds tensors of parameters this model does not have");
  }
  torch::NoGradGuard no_grad;
  auto run = [](const torch::Tensor& whole, const Segment& s) {
    return whole.reshape({-1}).narrow(0, s.param_offset, s.numel);
  };
  for (Segment& s : segments_) {
    const std::string& name = params[s.param].first;
    s.exp_avg.copy_(run(*by_name.at(name + ".exp_avg"), s));
    s.exp_avg_sq.copy_(run(*by_name.at(name + ".exp_avg_sq"), s));
    if (auto it = by_name.find(name + ".master"); it != by_name.end() && s.separate_master) {
      s.master.copy_(run(*it->second, s));
    }
  }
  // The parameters continue from the exact masters (every rank has them all).
  for (const auto& [name, p] : params) {
    if (auto it = by_name.find(name + ".master"); it != by_name.end() && LowPrecision(p)) {
      p.detach().copy_(*it->second);
    }
  }
  step_ = state.step;
  return OkStatus();
}

Result<OptimizerState> MergeStatePieces(const std::vector<OptimizerState>& parts,
                                        const std::map<std::string, std::vector<int64_t>>& shapes) {
  OptimizerState merged;
  struct Whole {
    torch::Tensor flat;
    std::vector<std::pair<int64_t, int64_t>> runs;  // (offset, numel)
    std::vector<int64_t> shape;
  };
  std::map<std::string, Whole> wholes;
  std::vector<std::string> order;
  for (size_t r = 0; r < parts.size(); ++r) {
    if (r > 0 && parts[r].step != parts[0].step) {
      return Error(Code::kCorrupt, "optimizer shards disagree on the step (" +
                                       std::to_string(parts[0].step) + " and " +
                                       std::to_string(parts[r].step) + ")");
    }
    merged.step = parts[r].step;
    for (const auto& [name, t] : parts[r].tensors) {
      const size_t at = name.rfind('@');
      if (at == std::string::npos) {
        merged.tensors.emplace_back(name, t);
        continue;
      }
      const std::string base = name.substr(0, at);
      int64_t offset = -1;
      auto [end, ec] = std::from_chars(name.data() + at + 1, name.data() + name.size(), offset);
      const size_t dot = base.rfind('.');
      auto shape = dot == std::string::npos ? shapes.end() : shapes.find(base.substr(0, dot));
      if (ec != std::errc() || end != name.data() + name.size() || offset < 0 ||
          shape == shapes.end()) {
        return Error(Code::kCorrupt, "optimizer piece '" + name + "' names no parameter");
      }
      auto [it, fresh] = wholes.try_emplace(base);
      Whole& w = it->second;
      if (fresh) {
        int64_t numel = 1;
        for (int64_t d : shape->second) numel *= d;
        w.flat = torch::empty({numel}, t.options());
        w.shape = shape->second;
        order.push_back(base);
      }
      if (offset + t.numel() > w.flat.numel()) {
        return Error(Code::kCorrupt, "optimizer piece '" + name + "' runs past its parameter");
      }
      w.flat.narrow(0, offset, t.numel()).copy_(t.reshape({-1}));
      w.runs.emplace_back(offset, t.numel());
    }
  }
  for (const std::string& base : order) {
    Whole& w = wholes.at(base);
    std::sort(w.runs.begin(), w.runs.end());
    int64_t next = 0;
    for (const auto& [offset, numel] : w.runs) {
      if (offset != next) {
        return Error(Code::kCorrupt,
                     "optimizer pieces of '" + base + "' " +
                         (offset < next ? "overlap" : "leave a gap") + " at element " +
                         std::to_string(std::min(offset, next)) +
                         " (a rank's optimizer file is missing or from another run)");
      }
      next = offset + numel;
    }
    if (next != w.flat.numel()) {
      return Error(Code::kCorrupt, "optimizer pieces of '" + base + "' stop at element " +
                                       std::to_string(next) + " of " +
                                       std::to_string(w.flat.numel()) +
                                       " (a rank's optimizer file is missing)");
    }
    merged.tensors.emplace_back(base, w.flat.view(w.shape));
  }
  return merged;
}

}  // namespace swerl::train

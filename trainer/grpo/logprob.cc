#include "trainer/grpo/logprob.h"

#include <torch/autograd.h>

#include <algorithm>
#include <limits>
#include <string>

namespace swerl::train {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

torch::Dtype AccumulationDtype(torch::Dtype d) {
  return d == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
}

// The tempered logits of columns [begin, begin + width) in the
// accumulation dtype, written into `workspace` (at least N * width
// elements of that dtype) and returned as an (N, width) view of it. One
// workspace serves every chunk of a call: a fresh (N, chunk) tensor per
// chunk is large enough (32 MiB at N = 2048, chunk = 4096) for glibc to map
// and unmap it each time, and the page faults and page clearing cost as
// much as the exponentials.
torch::Tensor ChunkLogits(const torch::Tensor& hidden, const torch::Tensor& weight, int64_t begin,
                          int64_t width, double temperature, torch::Tensor& workspace) {
  const int64_t n = hidden.size(0);
  auto z = workspace.narrow(0, 0, n * width).view({n, width});
  auto columns = weight.narrow(0, begin, width).t();
  if (hidden.scalar_type() == workspace.scalar_type()) {
    at::mm_out(z, hidden, columns);
  } else {
    z.copy_(torch::matmul(hidden, columns));
  }
  if (temperature != 1.0) z.div_(temperature);
  return z;
}

// Forward: online logsumexp (running max m, running sum s of exp(z − m),
// running t = Σ exp(z − m) · z for the entropy) and the target's logit.
// Backward: recomputes each chunk; grad_logits = g · (onehot − softmax) / T.
class ChunkedLogProbFunction : public torch::autograd::Function<ChunkedLogProbFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& hidden,
                               const torch::Tensor& weight, const torch::Tensor& targets,
                               double temperature, int64_t vocab_limit, int64_t chunk) {
    const auto acc = AccumulationDtype(hidden.scalar_type());
    const int64_t n = hidden.size(0);
    const auto acc_opt = torch::TensorOptions().dtype(acc).device(hidden.device());
    auto m = torch::full({n}, -std::numeric_limits<double>::infinity(), acc_opt);
    auto s = torch::zeros({n}, acc_opt);
    auto t = torch::zeros({n}, acc_opt);
    auto target_logit = torch::zeros({n}, acc_opt);
    const int64_t span = n * std::min(chunk, vocab_limit);
    auto z_space = torch::empty({span}, acc_opt), e_space = torch::empty({span}, acc_opt);
    for (int64_t begin = 0; begin < vocab_limit; begin += chunk) {
      const int64_t width = std::min(chunk, vocab_limit - begin);
      auto z = ChunkLogits(hidden, weight, begin, width, temperature, z_space);  // (N, width)
      auto e = e_space.narrow(0, 0, n * width).view({n, width});
      auto m_new = torch::maximum(m, z.amax(1));
      auto rescale = torch::exp(m - m_new);  // 0 on the first chunk (m = −inf)
      at::sub_out(e, z, m_new.unsqueeze(1)).exp_();
      s = s * rescale + e.sum(1);
      t = t * rescale + e.mul_(z).sum(1);
      m = m_new;
      auto in_chunk = (targets >= begin).logical_and(targets < begin + width);
      auto column = (targets - begin).clamp(0, width - 1).unsqueeze(1);
      target_logit = torch::where(in_chunk, z.gather(1, column).squeeze(1), target_logit);
    }
    auto lse = m + torch::log(s);
    auto logp = target_logit - lse;
    auto entropy = lse - t / s;
    ctx->save_for_backward({hidden, weight, targets, lse});
    ctx->saved_data["temperature"] = temperature;
    ctx->saved_data["vocab_limit"] = vocab_limit;
    ctx->saved_data["chunk"] = chunk;
    ctx->mark_non_differentiable({entropy});
    return {logp, entropy};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& hidden = saved[0];
    const auto& weight = saved[1];
    const auto& targets = saved[2];
    const auto& lse = saved[3];
    const double temperature = ctx->saved_data["temperature"].toDouble();
    const int64_t vocab_limit = ctx->saved_data["vocab_limit"].toInt();
    const int64_t chunk = ctx->saved_data["chunk"].toInt();
    const bool want_hidden = ctx->needs_input_grad(0);
    const bool want_weight = ctx->needs_input_grad(1);
    torch::Tensor grad_hidden, grad_weight;
    const torch::Tensor& g = grad_outputs[0];  // (N) d loss / d logp
    if (!g.defined() || !(want_hidden || want_weight)) {
      return {grad_hidden, grad_weight, {}, {}, {}, {}};
    }
    const auto acc = lse.scalar_type();
    auto g_acc = g.to(acc);
    auto minus_g = g_acc.neg().unsqueeze(1);  // (N, 1)
    if (want_hidden) grad_hidden = torch::zeros(hidden.sizes(), hidden.options().dtype(acc));
    if (want_weight) grad_weight = torch::zeros_like(weight);
    const int64_t n = hidden.size(0);
    auto z_space = torch::empty({n * std::min(chunk, vocab_limit)}, lse.options());
    for (int64_t begin = 0; begin < vocab_limit; begin += chunk) {
      const int64_t width = std::min(chunk, vocab_limit - begin);
      auto z = ChunkLogits(hidden, weight, begin, width, temperature, z_space);
      // grad_z = g · (onehot − softmax), then / T for the logits; in place
      // of the logits.
      auto grad_z = z.sub_(lse.unsqueeze(1)).exp_().mul_(minus_g);
      auto in_chunk = (targets >= begin).logical_and(targets < begin + width);
      auto column = (targets - begin).clamp(0, width - 1).unsqueeze(1);
      grad_z.scatter_add_(1, column, (g_acc * in_chunk.to(acc)).unsqueeze(1));
      if (temperature != 1.0) grad_z.div_(temperature);
      auto grad_logits = grad_z.to(hidden.scalar_type());  // (N, width), matmul dtype
      if (want_hidden) {
        grad_hidden.add_(torch::matmul(grad_logits, weight.narrow(0, begin, width)).to(acc));
      }
      if (want_weight) {
        // Rows [begin, begin + width) of a contiguous (V, H) tensor are
        // contiguous: the product goes straight into them.
        auto rows = grad_weight.narrow(0, begin, width);
        if (rows.is_contiguous()) {
          at::mm_out(rows, grad_logits.t(), hidden);
        } else {
          rows.copy_(torch::matmul(grad_logits.t(), hidden));
        }
      }
    }
    if (want_hidden) grad_hidden = grad_hidden.to(hidden.scalar_type());
    return {grad_hidden, grad_weight, {}, {}, {}, {}};
  }
};

std::string Shape(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace

Result<TokenLogProbs> ChunkedLogProbs(const torch::Tensor& hidden, const torch::Tensor& weight,
                                      const torch::Tensor& targets, const LogProbOptions& options) {
  if (hidden.dim() != 2 || weight.dim() != 2 || targets.dim() != 1 ||
      hidden.size(1) != weight.size(1) || targets.size(0) != hidden.size(0)) {
    return Error(Code::kInvalidInput, "chunked log-probs: hidden " + Shape(hidden) + ", weight " +
                                          Shape(weight) + " and targets " + Shape(targets) +
                                          " do not fit (N, H), (V, H), (N)");
  }
  if (!hidden.is_floating_point() || hidden.scalar_type() != weight.scalar_type() ||
      targets.scalar_type() != torch::kInt64) {
    return Error(Code::kInvalidInput,
                 "chunked log-probs: hidden and weight need one floating dtype, targets int64");
  }
  if (hidden.device() != weight.device() || hidden.device() != targets.device()) {
    return Error(Code::kInvalidInput, "chunked log-probs: tensors on different devices");
  }
  const int64_t vocab = weight.size(0);
  const int64_t limit = options.vocab_limit == 0 ? vocab : options.vocab_limit;
  if (!(options.temperature > 0) || limit < 1 || limit > vocab || options.chunk < 1) {
    return Error(Code::kInvalidInput,
                 "chunked log-probs: temperature " + std::to_string(options.temperature) +
                     ", vocab_limit " + std::to_string(limit) + " (V = " + std::to_string(vocab) +
                     "), chunk " + std::to_string(options.chunk) + " out of range");
  }
  if (targets.numel() > 0) {
    auto bad = (targets < 0).logical_or(targets >= limit);
    if (bad.any().item<bool>()) {
      const int64_t index = bad.nonzero()[0][0].item<int64_t>();
      return Error(Code::kInvalidInput,
                   "chunked log-probs: target " + std::to_string(index) + " is id " +
                       std::to_string(targets[index].item<int64_t>()) +
                       ", outside the vocabulary [0, " + std::to_string(limit) + ")");
    }
  }
  auto out = ChunkedLogProbFunction::apply(hidden, weight, targets, options.temperature, limit,
                                           options.chunk);
  return TokenLogProbs{out[0], out[1]};
}

}  // namespace swerl::train

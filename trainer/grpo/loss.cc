#include "trainer/grpo/loss.h"

#include <string>

namespace swerl::train {

Result<LossAggregation> ParseLossAggregation(const std::string& name) {
  if (name == "grpo") return LossAggregation::kGrpo;
  if (name == "dapo") return LossAggregation::kDapo;
  if (name == "dr_grpo") return LossAggregation::kDrGrpo;
  return Error(Code::kInvalidInput,
               "unknown loss aggregation '" + name + "' (expected grpo, dapo or dr_grpo)");
}

Result<double> TokenWeight(LossAggregation aggregation, const Normaliser& normaliser,
                           int64_t loss_tokens) {
  if (normaliser.world < 1) {
    return Error(Code::kInvalidInput, "normaliser world " + std::to_string(normaliser.world));
  }
  if (loss_tokens <= 0) return 0.0;
  const double world = static_cast<double>(normaliser.world);
  switch (aggregation) {
    case LossAggregation::kDapo:
      if (!(normaliser.tokens > 0)) {
        return Error(Code::kInvalidInput, "dapo normaliser: no loss tokens in the step batch");
      }
      return world / normaliser.tokens;
    case LossAggregation::kGrpo:
      if (!(normaliser.sequences > 0)) {
        return Error(Code::kInvalidInput, "grpo normaliser: no sequences in the step batch");
      }
      return world / (normaliser.sequences * static_cast<double>(loss_tokens));
    case LossAggregation::kDrGrpo:
      if (!(normaliser.sequences > 0) || normaliser.max_new_tokens < 1) {
        return Error(Code::kInvalidInput,
                     "dr_grpo normaliser needs sequences > 0 and max_new_tokens >= 1");
      }
      return world / (normaliser.sequences * static_cast<double>(normaliser.max_new_tokens));
  }
  return Error(Code::kInvalidInput, "unknown loss aggregation");
}

Result<PolicyLoss> ComputePolicyLoss(const torch::Tensor& logp, const torch::Tensor& old_logp,
                                     const torch::Tensor& ref_logp, const torch::Tensor& advantages,
                                     const torch::Tensor& weights, const torch::Tensor& mask,
                                     const PolicyLossOptions& options) {
  const bool use_kl = options.beta != 0;
  if (!(options.clip_low >= 0 && options.clip_low < 1) || !(options.clip_high >= 0) ||
      !(options.dual_clip == 0 || options.dual_clip > 1) || !(options.beta >= 0)) {
    return Error(Code::kInvalidInput, "policy loss: clip_low " + std::to_string(options.clip_low) +
                                          ", clip_high " + std::to_string(options.clip_high) +
                                          ", dual_clip " + std::to_string(options.dual_clip) +
                                          ", beta " + std::to_string(options.beta) +
                                          " out of range");
  }
  if (use_kl && !ref_logp.defined()) {
    return Error(Code::kInvalidInput, "policy loss: beta > 0 needs reference log-probs");
  }
  for (const torch::Tensor* t : {&old_logp, &advantages, &weights, &mask}) {
    if (!t->defined() || t->dim() != 1 || t->size(0) != logp.size(0) ||
        t->device() != logp.device()) {
      return Error(Code::kInvalidInput, "policy loss: inputs must all be (N) on one device");
    }
  }
  if (logp.dim() != 1 ||
      (use_kl && (ref_logp.sizes() != logp.sizes() || ref_logp.device() != logp.device()))) {
    return Error(Code::kInvalidInput, "policy loss: inputs must all be (N) on one device");
  }

  const auto dtype = logp.scalar_type();
  const auto old = old_logp.detach().to(dtype);
  const auto adv = advantages.to(dtype);
  const auto m = mask.to(dtype);

  auto ratio = torch::exp(torch::clamp(logp - old, -20.0, 20.0));
  auto pg_unclipped = -adv * ratio;
  auto pg_clipped = -adv * torch::clamp(ratio, 1.0 - options.clip_low, 1.0 + options.clip_high);
  auto pg = torch::max(pg_unclipped, pg_clipped);
  auto negative = adv < 0;
  if (options.dual_clip > 0) {
    pg = torch::where(negative, torch::min(pg, -adv * options.dual_clip), pg);
  }
  auto per_token = pg;
  torch::Tensor kl;
  if (use_kl) {
    auto d = torch::clamp(ref_logp.detach().to(dtype) - logp, -20.0, 20.0);
    kl = torch::clamp(torch::exp(d) - d - 1.0, -10.0, 10.0);
    per_token = pg + options.beta * kl;
  }

  PolicyLoss out;
  out.loss = (weights.to(dtype) * per_token).sum();
  torch::NoGradGuard no_grad;
  const auto f64 = torch::kFloat64;
  const auto on = m > 0;
  auto r = ratio.detach();
  out.tokens = m.sum().to(f64);
  out.kl = use_kl ? (m * kl.detach()).sum().to(f64) : torch::zeros({}, logp.options().dtype(f64));
  out.clip_low = (on & negative & (r < 1.0 - options.clip_low)).sum().to(f64);
  out.clip_high = (on & (adv > 0) & (r > 1.0 + options.clip_high)).sum().to(f64);
  out.clip_dual = options.dual_clip > 0 ? (on & negative & (r > options.dual_clip)).sum().to(f64)
                                        : torch::zeros({}, logp.options().dtype(f64));
  return out;
}

}  // namespace swerl::train

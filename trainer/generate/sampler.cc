#include "trainer/generate/sampler.h"

#include <cmath>
#include <limits>
#include <string>

namespace swerl::train {

Status ValidateSamplingParams(const SamplingParams& p) {
  if (p.greedy) return OkStatus();
  if (!(p.temperature > 0) || !std::isfinite(p.temperature)) {
    return Error(Code::kInvalidInput,
                 "temperature must be > 0, got " + std::to_string(p.temperature));
  }
  if (p.top_k < 0)
    return Error(Code::kInvalidInput, "top-k must be >= 0, got " + std::to_string(p.top_k));
  if (!(p.top_p > 0 && p.top_p <= 1)) {
    return Error(Code::kInvalidInput, "top-p must be in (0, 1], got " + std::to_string(p.top_p));
  }
  return OkStatus();
}

uint64_t DeriveSeed(uint64_t seed, uint64_t index) {
  // Two rounds of the SplitMix64 finaliser over both numbers.
  uint64_t z = (seed * 0x9e3779b97f4a7c15ULL) ^ (index + 0xbf58476d1ce4e5b9ULL);
  for (int round = 0; round < 2; ++round) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    z += 0x9e3779b97f4a7c15ULL;
  }
  return z;
}

double UniformStream::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

SampledTokens SampleTokens(const torch::Tensor& logits_in, const SamplingParams& params,
                           int64_t vocab_limit, const torch::Tensor& uniforms) {
  const double neg_inf = -std::numeric_limits<double>::infinity();
  auto logits = logits_in.to(torch::kFloat32);
  const int64_t vocab = logits.size(-1);
  if (vocab_limit < vocab) {
    logits = logits.clone();
    logits.narrow(-1, vocab_limit, vocab - vocab_limit).fill_(neg_inf);
  }
  SampledTokens out;
  auto logp = torch::log_softmax(logits, -1);  // (B, V), temperature 1
  if (params.greedy) {
    out.ids = logits.argmax(-1);
    out.logprobs = logp.gather(-1, out.ids.unsqueeze(-1)).squeeze(-1);
    out.sample_logprobs = torch::zeros_like(out.logprobs);
    return out;
  }

  auto scaled = params.temperature == 1.0 ? logits : logits / params.temperature;
  torch::Tensor values, order;  // candidates (B, n) and their vocabulary ids
  const int64_t k = std::min(params.top_k, vocab_limit);
  if (k > 0 && k < vocab_limit) {
    std::tie(values, order) = scaled.topk(k, -1, /*largest=*/true, /*sorted=*/true);
  } else if (params.top_p < 1.0) {
    std::tie(values, order) = scaled.sort(-1, /*descending=*/true);
  } else {
    values = scaled;  // inverse CDF works in any order
  }
  auto probs = torch::softmax(values, -1);
  if (params.top_p < 1.0) {
    auto before = probs.cumsum(-1) - probs;  // mass ahead of each token
    auto keep = before < params.top_p;
    keep.select(-1, 0).fill_(true);
    probs = probs * keep;
  }
  // The CDF in float64: a float32 running sum over 150k entries drifts by
  // more than one token's share of a flat distribution.
  auto cdf = probs.to(torch::kFloat64).cumsum(-1);
  auto total = cdf.narrow(-1, cdf.size(-1) - 1, 1);  // (B, 1)
  auto target = uniforms.to(cdf.device(), torch::kFloat64).reshape({-1, 1}) * total;
  auto pick = torch::searchsorted(cdf, target, /*out_int32=*/false, /*right=*/true);  // (B, 1)
  // Rounding can put u * total at the very end: clamp to the last token
  // that has probability.
  auto index = torch::arange(probs.size(-1),
                             torch::TensorOptions().dtype(torch::kInt64).device(probs.device()));
  auto last_live = (index * (probs > 0)).amax(-1, /*keepdim=*/true);
  pick = torch::minimum(pick, last_live);
  out.sample_logprobs =
      (probs.gather(-1, pick).to(torch::kFloat64) / total).log().to(torch::kFloat32).squeeze(-1);
  out.ids = order.defined() ? order.gather(-1, pick).squeeze(-1) : pick.squeeze(-1);
  out.logprobs = logp.gather(-1, out.ids.unsqueeze(-1)).squeeze(-1);
  return out;
}

}  // namespace swerl::train

#include "trainer/generate/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace swerl::train {
namespace {

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

// The SplitMix64 output function (Steele, Lea and Flood 2014).
uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

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
  return static_cast<double>(Mix64(state_ += kGolden) >> 11) * 0x1.0p-53;
}

uint64_t RolloutKey(uint64_t run_seed, uint64_t step, uint64_t seed_id, uint64_t sample) {
  uint64_t h = 0x5377524c2d6b6579ULL;  // "SwRL-key": keys differ from DeriveSeed's seeds
  const uint64_t fields[] = {run_seed, step, seed_id, sample};
  for (uint64_t i = 0; i < 4; ++i) h = Mix64(h ^ Mix64(fields[i] + (i + 1) * kGolden));
  return h;
}

namespace {

// Columns per block of the two-level inverse CDF.
constexpr int64_t kBlock = 1024;

// A (B, n_pad) float32 tensor (rows contiguous) whose columns [n, n_pad)
// are 0, n_pad a multiple of the block width (n itself when n <= kBlock),
// on `like`'s device. It is carved from *workspace when that is big enough
// (and grown otherwise), so that a decode loop does not allocate (and, on
// the CPU, fault in) a (B, V) buffer per step.
torch::Tensor PaddedBuffer(const torch::Tensor& like, int64_t n, torch::Tensor* workspace) {
  const int64_t rows = like.size(0);
  const int64_t width = n <= kBlock ? n : (n + kBlock - 1) / kBlock * kBlock;
  torch::Tensor flat;
  if (workspace != nullptr && workspace->defined() && workspace->device() == like.device() &&
      workspace->numel() >= rows * width) {
    flat = workspace->narrow(0, 0, rows * width);
  } else {
    flat = torch::empty({rows * width}, like.options().dtype(torch::kFloat32));
    if (workspace != nullptr) *workspace = flat;
  }
  auto buffer = flat.view({rows, width});
  if (width > n) buffer.narrow(1, n, width - n).zero_();
  return buffer;
}

// The inverse CDF of non-negative weights: for each row, the first column
// whose cumulative weight exceeds target = u * total (total = the row's
// sum), never a column of weight 0. `weights` (B, W) float32 from
// PaddedBuffer; `uniforms` (B, 1) float64. Two levels, both summed in
// float64: block sums locate the block, a cumulative sum within it the
// column. (A float32 running sum over 150k entries drifts by more than one
// token's share of a flat distribution; a float64 copy of the whole row
// costs more than the rest of the sampler.) Returns the columns (B, 1)
// int64 and writes the totals (B, 1) float64.
torch::Tensor InverseCdf(const torch::Tensor& weights, const torch::Tensor& uniforms,
                         torch::Tensor* total) {
  const int64_t rows = weights.size(0), width = weights.size(1);
  const int64_t block = std::min(width, kBlock);
  const int64_t blocks = width / block;
  auto tiled = weights.view({rows, blocks, block});
  auto block_cdf = tiled.sum(-1).to(torch::kFloat64).cumsum(-1);  // (B, blocks)
  *total = block_cdf.narrow(1, blocks - 1, 1).contiguous();       // (B, 1)
  auto target = (uniforms * *total).contiguous();
  // The first block whose cumulative weight exceeds the target has weight
  // > 0; rounding can put the target at the very end, where the pick is the
  // first block reaching the total (also of weight > 0).
  auto b = torch::minimum(
      torch::searchsorted(block_cdf, target, /*out_int32=*/false, /*right=*/true),
      torch::searchsorted(block_cdf, *total, /*out_int32=*/false, /*right=*/false));  // (B, 1)
  auto before = torch::cat({torch::zeros({rows, 1}, block_cdf.options()), block_cdf}, 1)
                    .gather(1, b);  // weight ahead of block b
  auto in_block = tiled.gather(1, b.unsqueeze(-1).expand({rows, 1, block})).squeeze(1);
  auto cdf = in_block.to(torch::kFloat64).cumsum(-1) + before;  // (B, block)
  auto end = cdf.narrow(1, block - 1, 1).contiguous();
  // The same within the block: block sums and the running sum round
  // differently, so the target can lie past the block's last weight.
  auto column =
      torch::minimum(torch::searchsorted(cdf, target, /*out_int32=*/false, /*right=*/true),
                     torch::searchsorted(cdf, end, /*out_int32=*/false, /*right=*/false));
  return b * block + column;
}

}  // namespace

SampledTokens SampleTokens(const torch::Tensor& logits_in, const SamplingParams& params,
                           int64_t vocab_limit, const torch::Tensor& uniforms,
                           torch::Tensor* workspace) {
  // Ids >= vocab_limit are cut off (a view): never chosen, no probability.
  auto x = logits_in.narrow(-1, 0, vocab_limit).to(torch::kFloat32);  // (B, V')
  const int64_t rows = x.size(0);
  SampledTokens out;
  auto max = x.amax(-1, /*keepdim=*/true);  // (B, 1)
  // log Σ exp((x - max) * scale) (B, 1), through a buffer that the caller's
  // workspace can lend.
  torch::Tensor buffer;
  const auto log_sum_exp = [&](double scale) {
    if (!buffer.defined()) buffer = PaddedBuffer(x, vocab_limit, workspace);
    auto e = buffer.narrow(1, 0, vocab_limit);
    at::sub_out(e, x, max);
    if (scale != 1.0) e.mul_(scale);
    e.exp_();
    return buffer.sum(-1, /*keepdim=*/true).to(torch::kFloat64).log().to(torch::kFloat32);
  };
  // log softmax(x * scale)[id] = (x[id] - max) * scale - log Σ exp((x - max) * scale).
  const auto log_prob_of = [&](const torch::Tensor& ids, double scale,
                               const torch::Tensor& log_sum) {
    auto picked = x.gather(-1, ids.unsqueeze(-1)) - max;
    if (scale != 1.0) picked = picked * scale;
    return (picked - log_sum).squeeze(-1);
  };
  if (params.greedy) {
    out.ids = x.argmax(-1);
    out.logprobs = log_prob_of(out.ids, 1.0, log_sum_exp(1.0));
    out.policy_logprobs = out.logprobs;
    out.sample_logprobs = torch::zeros_like(out.logprobs);
    return out;
  }

  const double inv_t = 1.0 / params.temperature;
  auto u = uniforms.to(x.device(), torch::kFloat64).reshape({rows, 1});
  const int64_t k = std::min(params.top_k, vocab_limit);
  if ((k == 0 || k == vocab_limit) && params.top_p >= 1.0) {
    // Plain sampling from softmax(x / T): the weights exp((x - max) / T)
    // in vocabulary order, the policy's own distribution.
    auto policy_log_sum = log_sum_exp(inv_t);  // fills the buffer with the weights
    torch::Tensor total;
    out.ids = InverseCdf(buffer, u, &total).squeeze(-1);
    out.policy_logprobs = log_prob_of(out.ids, inv_t, policy_log_sum);
    out.sample_logprobs = out.policy_logprobs;
    out.logprobs = params.temperature == 1.0 ? out.policy_logprobs
                                             : log_prob_of(out.ids, 1.0, log_sum_exp(1.0));
    return out;
  }

  // Top-k and/or top-p: candidates in descending order.
  auto scaled = params.temperature == 1.0 ? x : x * inv_t;
  torch::Tensor values, order;  // (B, n) and their vocabulary ids
  if (k > 0 && k < vocab_limit) {
    std::tie(values, order) = scaled.topk(k, -1, /*largest=*/true, /*sorted=*/true);
  } else {
    std::tie(values, order) = scaled.sort(-1, /*descending=*/true);
  }
  auto probs = torch::softmax(values, -1);
  if (params.top_p < 1.0) {
    auto before = probs.cumsum(-1) - probs;  // mass ahead of each token
    auto keep = before < params.top_p;
    keep.select(-1, 0).fill_(true);
    probs = probs * keep;
  }
  const int64_t n = probs.size(1);
  auto weights = PaddedBuffer(probs, n, nullptr);
  weights.narrow(1, 0, n).copy_(probs);
  torch::Tensor total;
  auto pick = InverseCdf(weights, u, &total);  // (B, 1)
  out.sample_logprobs =
      (probs.gather(-1, pick).to(torch::kFloat64) / total).log().to(torch::kFloat32).squeeze(-1);
  out.ids = order.gather(-1, pick).squeeze(-1);
  out.logprobs = log_prob_of(out.ids, 1.0, log_sum_exp(1.0));
  out.policy_logprobs =
      params.temperature == 1.0 ? out.logprobs : log_prob_of(out.ids, inv_t, log_sum_exp(inv_t));
  return out;
}

}  // namespace swerl::train

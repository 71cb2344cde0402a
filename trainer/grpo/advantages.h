// GRPO advantages (SPEC §6.2): each of G completions of one prompt gets its
// reward minus the group's mean, scaled by the group's std (`group`), by
// the whole step batch's std (`batch`) or not at all (`none`, Dr.GRPO).
// No LibTorch: rewards are a few thousand doubles per step.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::train {

enum class AdvStd : uint8_t {
  kGroup,  // (r - mean_g) / (std_g + eps)
  kBatch,  // (r - mean_g) / (std_batch + eps)
  kNone,   // r - mean_g
};

// "group" | "batch" | "none". Errors: kInvalidInput naming the value.
Result<AdvStd> ParseAdvStd(const std::string& name);

struct AdvantageOptions {
  AdvStd std = AdvStd::kGroup;
  // Added to the std before dividing (verl's 1e-6). A zero-std group never
  // divides (its advantages are 0 exactly), so eps only bounds the scale of
  // near-identical rewards.
  double eps = 1e-6;
};

// Moments of a set of rewards, from which the batch std is computed. A
// distributed caller all-reduces (sums) sum, sum_sq and count over ranks
// and passes the total to ComputeAdvantages, so every rank divides by the
// same std without exchanging rewards. Groups never straddle ranks.
struct RewardMoments {
  double sum = 0;
  double sum_sq = 0;
  int64_t count = 0;
};

// The moments of `rewards`.
RewardMoments MomentsOf(std::span<const double> rewards);

// The unbiased (Bessel, n - 1) std of the rewards the moments describe,
// from the one-pass formula (sum_sq - sum^2 / n) / (n - 1), clamped at 0
// against rounding. Fewer than two rewards: 1 (verl's convention for a
// group of one: nothing to compare against, so no scaling).
double StdFromMoments(const RewardMoments& m);

struct Advantages {
  std::vector<double> values;  // one per reward, in input order
  // Per group: true when all its rewards are equal (bitwise ==). Such a
  // group's advantages are 0 exactly in every mode, so it carries no policy
  // gradient; with --drop-zero-std the caller leaves its samples out of the
  // step batch (and out of the Normaliser's counts) before the update.
  std::vector<bool> zero_std;
  int64_t zero_std_groups = 0;
};

// `rewards` holds contiguous groups of `group_size` completions of one
// prompt each. Group mean and std (unbiased) are computed per group; a
// group of one has mean 0 and std 1 (verl), so its advantage is its reward
// (scaled by 1 / (1 + eps) in `group` mode, by 1 / (std_batch + eps) in
// `batch` mode) and it is never counted as zero-std. For `batch`,
// `batch_moments` gives the moments of the whole step batch (all ranks);
// null means MomentsOf(rewards) (single process).
// Errors: kInvalidInput when group_size < 1, rewards.size() is not a
// multiple of group_size, a reward is not finite, or eps < 0.
Result<Advantages> ComputeAdvantages(std::span<const double> rewards, int64_t group_size,
                                     const AdvantageOptions& options,
                                     const RewardMoments* batch_moments = nullptr);

}  // namespace swerl::train

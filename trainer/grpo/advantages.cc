#include "trainer/grpo/advantages.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace swerl::train {

Result<AdvStd> ParseAdvStd(const std::string& name) {
  if (name == "group") return AdvStd::kGroup;
  if (name == "batch") return AdvStd::kBatch;
  if (name == "none") return AdvStd::kNone;
  return Error(Code::kInvalidInput,
               "unknown advantage scaling '" + name + "' (expected group, batch or none)");
}

RewardMoments MomentsOf(std::span<const double> rewards) {
  RewardMoments m;
  for (double r : rewards) {
    m.sum += r;
    m.sum_sq += r * r;
  }
  m.count = static_cast<int64_t>(rewards.size());
  return m;
}

double StdFromMoments(const RewardMoments& m) {
  if (m.count < 2) return 1.0;
  const double n = static_cast<double>(m.count);
  const double var = (m.sum_sq - m.sum * m.sum / n) / (n - 1);
  return std::sqrt(std::max(var, 0.0));
}

Result<Advantages> ComputeAdvantages(std::span<const double> rewards, int64_t group_size,
                                     const AdvantageOptions& options,
                                     const RewardMoments* batch_moments) {
  if (group_size < 1) {
    return Error(Code::kInvalidInput, "group size " + std::to_string(group_size) + " is below 1");
  }
  if (rewards.size() % static_cast<size_t>(group_size) != 0) {
    return Error(Code::kInvalidInput, std::to_string(rewards.size()) +
                                          " rewards are not a whole number of groups of " +
                                          std::to_string(group_size));
  }
  if (!(options.eps >= 0)) return Error(Code::kInvalidInput, "advantage eps is negative");
  for (size_t i = 0; i < rewards.size(); ++i) {
    if (!std::isfinite(rewards[i])) {
      return Error(Code::kInvalidInput, "reward " + std::to_string(i) + " is not finite");
    }
  }

  double batch_std = 1.0;
  if (options.std == AdvStd::kBatch) {
    batch_std = StdFromMoments(batch_moments != nullptr ? *batch_moments : MomentsOf(rewards));
  }

  Advantages out;
  out.values.resize(rewards.size());
  const size_t g = static_cast<size_t>(group_size);
  for (size_t start = 0; start < rewards.size(); start += g) {
    const auto group = rewards.subspan(start, g);
    // Two passes (mean, then squared deviations), as torch.std.
    double mean = 0, std = 1;
    bool all_equal = true;
    if (g > 1) {
      double sum = 0;
      for (double r : group) {
        sum += r;
        all_equal = all_equal && r == group[0];
      }
      mean = sum / static_cast<double>(g);
      double sq = 0;
      for (double r : group) sq += (r - mean) * (r - mean);
      std = std::sqrt(sq / static_cast<double>(g - 1));
    } else {
      all_equal = false;  // verl: mean 0, std 1; nothing to compare against
    }
    out.zero_std.push_back(all_equal);
    out.zero_std_groups += all_equal ? 1 : 0;
    for (size_t i = 0; i < g; ++i) {
      double a = 0;
      if (!all_equal) {
        a = group[i] - mean;
        if (options.std == AdvStd::kGroup) a /= std + options.eps;
        if (options.std == AdvStd::kBatch) a /= batch_std + options.eps;
      }
      out.values[start + i] = a;
    }
  }
  return out;
}

}  // namespace swerl::train

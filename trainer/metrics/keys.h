// The metric names of `swerl-train grpo` (schemas/records/metrics.md): the
// keys of RUN/metrics.jsonl, the TensorBoard tags ("train/" + name) and the
// series `swerl-train plot` draws. Each comment says how the loop should
// accumulate it in StepMetrics so that a multi-rank run reduces it right.
// Fill every key every step (NaN when it does not apply), so that each
// line of metrics.jsonl has the same keys in the same order.
#pragma once

#include <string_view>

namespace swerl::train::metrics::key {

// Rewards, per sample (AddMean weight 1 / AddStd / AddMax over samples).
inline constexpr std::string_view kRewardMean = "reward_mean";
inline constexpr std::string_view kRewardStd = "reward_std";  // population std over samples
inline constexpr std::string_view kRewardMax = "reward_max";
// Share of samples whose reward is a format error (-1 with an error).
inline constexpr std::string_view kFormatErrorRate = "format_error_rate";
// Mean reward over samples without a format error (the patch similarity
// proper); NaN when every sample failed.
inline constexpr std::string_view kSimilarityMean = "similarity_mean";
// Share of groups whose rewards are all equal (no gradient), per group.
inline constexpr std::string_view kZeroStdGroupFrac = "zero_std_group_frac";

// The update, per completion token (AddMean weighted by tokens), except
// grad_norm (Set: the norm of the reduced gradient, equal on every rank).
inline constexpr std::string_view kLoss = "loss";
inline constexpr std::string_view kKl = "kl";  // k3 estimate vs the reference
inline constexpr std::string_view kEntropy = "entropy";
inline constexpr std::string_view kClipFrac = "clip_frac";  // tokens whose ratio was clipped
inline constexpr std::string_view kGradNorm = "grad_norm";  // before clipping
// Mean |log π_θ − log π_sampler| over tokens (train/sample mismatch).
inline constexpr std::string_view kLogpDiffAbsMean = "logp_diff_abs_mean";

// Completions, per sample: length in tokens (AddMean, AddMax) and the share
// cut at max_new_tokens (finish_reason "length").
inline constexpr std::string_view kCompletionLenMean = "completion_len_mean";
inline constexpr std::string_view kCompletionLenMax = "completion_len_max";
inline constexpr std::string_view kTruncationRate = "truncation_rate";

// Throughput and time: seconds per phase (AddMax: the slowest rank sets the
// pace); tokens/s = Σ tokens over ranks / step seconds (Set after the
// reduction).
inline constexpr std::string_view kTokensPerS = "tokens_per_s";
inline constexpr std::string_view kRolloutS = "rollout_s";
inline constexpr std::string_view kRewardS = "reward_s";
inline constexpr std::string_view kUpdateS = "update_s";
inline constexpr std::string_view kStepS = "step_s";
inline constexpr std::string_view kLearningRate = "lr";  // Set
// Data-parallel runs only: collective payload bytes one rank handed over
// in the step (from BeginStep to the metrics' reduction; max over ranks), seconds the gradient
// reduction still took after the backward (max over ranks: what the overlap did not hide), and the
// optimizer state one rank holds (MiB, max over ranks; ZeRO-1 divides it).
inline constexpr std::string_view kCommBytes = "comm_bytes";
inline constexpr std::string_view kCommWaitS = "comm_wait_s";
// ... and how many gradient buckets left during the backward (min over
// ranks; 0 on a run's first step, which learns the hooks' order).
inline constexpr std::string_view kCommOverlapped = "comm_buckets_overlapped";
inline constexpr std::string_view kOptimizerMib = "optimizer_mib";

}  // namespace swerl::train::metrics::key

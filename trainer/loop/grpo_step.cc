#include "trainer/loop/grpo_step.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "trainer/loop/rollout.h"
#include "trainer/metrics/keys.h"

namespace swerl::train {
namespace {

namespace key = metrics::key;
using metrics::Reduce;

// Every name of a step's record, in the order records show them.
void DeclareStepMetrics(metrics::StepMetrics& m) {
  m.Declare(key::kRewardMean, Reduce::kMean);
  m.Declare(key::kRewardStd, Reduce::kStd);
  m.Declare(key::kRewardMax, Reduce::kMax);
  m.Declare(key::kFormatErrorRate, Reduce::kMean);
  m.Declare(key::kSimilarityMean, Reduce::kMean);
  m.Declare(key::kCompletionLenMean, Reduce::kMean);
  m.Declare(key::kCompletionLenMax, Reduce::kMax);
  m.Declare(key::kTruncationRate, Reduce::kMean);
  m.Declare(key::kZeroStdGroupFrac, Reduce::kMean);
  m.Declare(key::kLoss, Reduce::kSum);  // ranks' shares of the step loss
  m.Declare(key::kKl, Reduce::kMean);
  m.Declare(key::kEntropy, Reduce::kMean);
  m.Declare(key::kClipFrac, Reduce::kMean);
  m.Declare(key::kGradNorm, Reduce::kSame);
  m.Declare(key::kLogpDiffAbsMean, Reduce::kMean);
  m.Declare(key::kLearningRate, Reduce::kSame);
}

}  // namespace

Result<GrpoStepResult> RunGrpoStep(Transformer& policy, Transformer* reference,
                                   Optimizer& optimizer, reward::GroupScorer& scorer,
                                   const tok::Tokenizer& tokenizer,
                                   std::span<const DrawnSeed> seeds, int64_t step,
                                   const GrpoStepOptions& options) {
  const std::string where = "step " + std::to_string(step);
  const int64_t g_size = options.group_size;
  GrpoStepResult result;
  metrics::StepMetrics& m = result.metrics;
  DeclareStepMetrics(m);

  std::vector<ScoredSample> samples;
  Advantages adv;
  if (!seeds.empty()) {
    GenerateStats gen;
    RolloutTimes times;
    SWERL_ASSIGN_OR_RETURN(
        samples, RolloutAndScore(policy, tokenizer, scorer, seeds, g_size, options.generate,
                                 options.run_seed, static_cast<uint64_t>(step), &gen, &times));
    result.rollout_seconds = times.generate_seconds;
    result.reward_seconds = times.score_seconds;
    result.generated_tokens = gen.generated_tokens;
  }
  std::vector<double> rewards;
  rewards.reserve(samples.size());
  for (const ScoredSample& s : samples) rewards.push_back(s.score.reward);
  // The batch std is the whole step's: every rank takes part.
  RewardMoments moments = MomentsOf(rewards);
  if (options.advantages.std == AdvStd::kBatch && options.reduce_moments) {
    if (Status st = options.reduce_moments(&moments); !st) return std::move(st).error().With(where);
  }
  if (!samples.empty()) {
    auto computed = ComputeAdvantages(rewards, g_size, options.advantages, &moments);
    if (!computed) return std::move(computed).error().With(where);
    adv = std::move(*computed);
  }

  for (const ScoredSample& s : samples) {
    const bool format_error = !s.score.error.empty();
    m.AddMean(key::kRewardMean, s.score.reward);
    m.AddStd(key::kRewardStd, s.score.reward);
    m.AddMax(key::kRewardMax, s.score.reward);
    m.AddMean(key::kFormatErrorRate, format_error ? 1 : 0);
    // Weight 0 for format errors: NaN when every sample failed.
    m.AddMean(key::kSimilarityMean, format_error ? 0 : s.score.reward, format_error ? 0 : 1);
    const double len = static_cast<double>(s.completion.ids.size());
    m.AddMean(key::kCompletionLenMean, len);
    m.AddMax(key::kCompletionLenMax, len);
    m.AddMean(key::kTruncationRate, s.completion.truncated() ? 1 : 0);
  }
  for (size_t g = 0; g < seeds.size(); ++g) {
    m.AddMean(key::kZeroStdGroupFrac, adv.zero_std[g] ? 1 : 0);
  }

  std::vector<TrainSample> train;
  train.reserve(samples.size());
  for (size_t g = 0; g < seeds.size(); ++g) {
    for (int64_t j = 0; j < g_size; ++j) {
      const size_t k = g * g_size + j;
      const ScoredSample& s = samples[k];
      metrics::RolloutSample r;
      r.seed_id = seeds[g].seed_id;
      r.instance_id = seeds[g].seed.instance_id;
      r.sample = j;
      r.reward = s.score.reward;
      r.error = s.score.error;
      r.files = s.score.files;
      r.advantage = adv.values[k];
      r.tokens = static_cast<int64_t>(s.completion.ids.size());
      r.finish_reason = std::string(FinishReasonName(s.completion.finish_reason));
      r.completion = s.text;
      result.rollouts.push_back(std::move(r));
      if (options.drop_zero_std && adv.zero_std[g]) continue;
      TrainSample t;
      t.prompt_ids = seeds[g].prompt_ids;
      t.completion_ids = s.completion.ids;
      t.old_logprobs = s.completion.policy_logprobs;
      t.advantage = adv.values[k];
      t.truncated = s.completion.truncated();
      train.push_back(std::move(t));
    }
  }

  // The update's counts are the whole step batch's: every rank's.
  Normaliser norm =
      LocalNormaliser(train, options.update.mask_truncated, options.generate.max_new_tokens);
  if (options.reduce_normaliser) {
    if (Status st = options.reduce_normaliser(&norm); !st) return std::move(st).error().With(where);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (norm.sequences > 0) {
    const auto t0 = std::chrono::steady_clock::now();
    auto stats = Update(policy, reference, optimizer, train, options.update, norm);
    if (!stats) return std::move(stats).error().With(where);
    result.update_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.update = *stats;
    result.updated = true;
    const UpdateStats& u = *stats;
    const double passes = static_cast<double>(std::max<int64_t>(u.passes, 1));
    // Token-weighted means whose weights add up over ranks (UpdateStats'
    // ratios times their weight).
    m.AddSum(key::kLoss, u.MeanLoss());
    m.AddWeightedSum(key::kKl, u.kl_sum / passes, u.loss_tokens);
    m.AddWeightedSum(key::kEntropy, u.entropy_sum / passes, u.loss_tokens);
    m.AddWeightedSum(key::kClipFrac, (u.clip_low + u.clip_high + u.clip_dual) / passes,
                     u.loss_tokens);
    m.Set(key::kGradNorm, u.grad_norms.empty() ? nan : u.grad_norms.front());
    m.AddWeightedSum(key::kLogpDiffAbsMean, u.abs_dlogp_sum,
                     static_cast<double>(u.completion_tokens));
  } else {
    m.AddSum(key::kLoss, nan);
    m.Set(key::kGradNorm, nan);
  }
  m.Set(key::kLearningRate, options.update.lr);
  return result;
}

}  // namespace swerl::train

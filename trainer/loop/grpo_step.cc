#include "trainer/loop/grpo_step.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "trainer/loop/rollout.h"
#include "trainer/metrics/keys.h"

namespace swerl::train {

Result<GrpoStepResult> RunGrpoStep(Transformer& policy, Transformer* reference, AdamW& optimizer,
                                   reward::GroupScorer& scorer, const tok::Tokenizer& tokenizer,
                                   std::span<const DrawnSeed> seeds, int64_t step,
                                   const GrpoStepOptions& options) {
  namespace key = metrics::key;
  const std::string where = "step " + std::to_string(step);
  const int64_t g_size = options.group_size;
  GrpoStepResult result;

  GenerateStats gen;
  RolloutTimes times;
  SWERL_ASSIGN_OR_RETURN(
      std::vector<ScoredSample> samples,
      RolloutAndScore(policy, tokenizer, scorer, seeds, g_size, options.generate, options.run_seed,
                      static_cast<uint64_t>(step), &gen, &times));
  result.rollout_seconds = times.generate_seconds;
  result.reward_seconds = times.score_seconds;
  result.generated_tokens = gen.generated_tokens;

  std::vector<double> rewards;
  rewards.reserve(samples.size());
  for (const ScoredSample& s : samples) rewards.push_back(s.score.reward);
  auto adv = ComputeAdvantages(rewards, g_size, options.advantages);
  if (!adv) return std::move(adv).error().With(where);

  metrics::StepMetrics& m = result.metrics;
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
    m.AddMean(key::kZeroStdGroupFrac, adv->zero_std[g] ? 1 : 0);
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
      r.advantage = adv->values[k];
      r.tokens = static_cast<int64_t>(s.completion.ids.size());
      r.finish_reason = std::string(FinishReasonName(s.completion.finish_reason));
      r.completion = s.text;
      result.rollouts.push_back(std::move(r));
      if (options.drop_zero_std && adv->zero_std[g]) continue;
      TrainSample t;
      t.prompt_ids = seeds[g].prompt_ids;
      t.completion_ids = s.completion.ids;
      t.old_logprobs = s.completion.policy_logprobs;
      t.advantage = adv->values[k];
      t.truncated = s.completion.truncated();
      train.push_back(std::move(t));
    }
  }

  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (!train.empty()) {
    const Normaliser norm =
        LocalNormaliser(train, options.update.mask_truncated, options.generate.max_new_tokens);
    const auto t0 = std::chrono::steady_clock::now();
    auto stats = Update(policy, reference, optimizer, train, options.update, norm);
    if (!stats) return std::move(stats).error().With(where);
    result.update_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.update = *stats;
    result.updated = true;
    const double tokens = std::max(stats->loss_tokens, 1.0);
    m.AddMean(key::kLoss, stats->MeanLoss());
    m.AddMean(key::kKl, stats->MeanKl(), tokens);
    m.AddMean(key::kEntropy, stats->MeanEntropy(), tokens);
    m.AddMean(key::kClipFrac,
              stats->ClipLowFraction() + stats->ClipHighFraction() + stats->ClipDualFraction(),
              tokens);
    m.Set(key::kGradNorm, stats->grad_norms.empty() ? nan : stats->grad_norms.front());
    m.AddMean(key::kLogpDiffAbsMean, stats->MeanAbsDeltaLogp(),
              static_cast<double>(std::max<int64_t>(stats->completion_tokens, 1)));
  } else {
    for (auto k : {key::kLoss, key::kKl, key::kEntropy, key::kClipFrac, key::kLogpDiffAbsMean}) {
      m.AddMean(k, nan, 0);
    }
    m.Set(key::kGradNorm, nan);
  }
  m.Set(key::kLearningRate, options.update.lr);
  return result;
}

}  // namespace swerl::train

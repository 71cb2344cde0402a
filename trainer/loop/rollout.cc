#include "trainer/loop/rollout.h"

#include <chrono>

namespace swerl::train {
namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

reward::FileMap ToFileMap(const shard::SeedFiles& files) {
  reward::FileMap map;
  for (const auto& [path, text] : files) map.emplace(path, text);
  return map;
}

Result<std::vector<ScoredSample>> RolloutAndScore(
    Transformer& model, const tok::Tokenizer& tokenizer, reward::GroupScorer& scorer,
    std::span<const DrawnSeed> seeds, int64_t group_size, const GenerateOptions& options,
    uint64_t run_seed, uint64_t step, GenerateStats* stats, RolloutTimes* times) {
  std::vector<PromptGroup> groups;
  groups.reserve(seeds.size());
  for (const DrawnSeed& s : seeds) {
    groups.push_back(
        {s.prompt_ids, RolloutKeys(run_seed, step, static_cast<uint64_t>(s.seed_id), group_size)});
  }
  auto t0 = std::chrono::steady_clock::now();
  auto completions = GenerateGroups(model, groups, options, {}, stats);
  if (!completions) return std::move(completions).error().With("step " + std::to_string(step));
  if (times) times->generate_seconds += Since(t0);

  std::vector<ScoredSample> samples(completions->size());
  std::vector<reward::ScoreGroup> requests;
  requests.reserve(seeds.size());
  for (size_t g = 0; g < seeds.size(); ++g) {
    reward::ScoreGroup req;
    req.id = std::to_string(step) + ":" + std::to_string(seeds[g].seed_id);
    req.context = ToFileMap(seeds[g].seed.context);
    req.oracle = ToFileMap(seeds[g].seed.oracle);
    for (int64_t j = 0; j < group_size; ++j) {
      const size_t k = g * group_size + j;
      samples[k].completion = std::move((*completions)[k]);
      // Ids the tokenizer does not assign (padded embedding rows) are never
      // sampled (vocab_limit); Decode would refuse them.
      auto text = tokenizer.Decode(samples[k].completion.ids, /*skip_special=*/true);
      if (!text) return std::move(text).error().With("decoding a completion");
      samples[k].text = std::move(*text);
      req.outputs.push_back(samples[k].text);
    }
    requests.push_back(std::move(req));
  }
  t0 = std::chrono::steady_clock::now();
  auto scores = scorer.ScoreGroups(requests);
  if (!scores) return std::move(scores).error().With("step " + std::to_string(step));
  if (times) times->score_seconds += Since(t0);
  for (size_t g = 0; g < seeds.size(); ++g) {
    for (int64_t j = 0; j < group_size; ++j) {
      samples[g * group_size + j].score = std::move((*scores)[g][j]);
    }
  }
  return samples;
}

}  // namespace swerl::train

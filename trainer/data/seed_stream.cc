#include "trainer/data/seed_stream.h"

namespace swerl::train {

std::vector<int64_t> SplitIds(const std::vector<shard::SeedRef>& refs, shard::Split split,
                              double eval_fraction) {
  std::vector<int64_t> ids;
  for (const shard::SeedRef& ref : refs) {
    const bool eval = shard::IsEvalSeed(ref.instance_id, eval_fraction);
    if (split == shard::Split::kAll || eval == (split == shard::Split::kEval)) {
      ids.push_back(ref.seed_id);
    }
  }
  return ids;
}

Result<SeedStream> SeedStream::Open(shard::ShardSet shards, ChatPrompt prompt,
                                    const SeedStreamOptions& options) {
  const std::vector<shard::SeedRef>& refs = shards.refs();
  std::vector<int64_t> ids = SplitIds(refs, options.split, options.eval_fraction);
  if (ids.empty()) {
    return Error(Code::kInvalidInput, shards.Describe() + " has no " +
                                          (options.split == shard::Split::kEval    ? "held-out"
                                           : options.split == shard::Split::kTrain ? "training"
                                                                                   : "") +
                                          " seeds (" + std::to_string(refs.size()) +
                                          " seeds, eval fraction " +
                                          std::to_string(options.eval_fraction) + ")");
  }
  return SeedStream(std::move(shards), std::move(prompt),
                    shard::DrawOrder(std::move(ids), options.seed), options.max_prompt_tokens);
}

Result<std::vector<DrawnSeed>> SeedStream::Next(int64_t count) {
  std::vector<DrawnSeed> out;
  while (static_cast<int64_t>(out.size()) < count) {
    // Every epoch holds a seed that fits while too_long_ is smaller than the
    // split, so this loop ends.
    if (too_long_.size() == order_.size()) {
      return Error(Code::kInvalidInput, "no prompt of " + shards_.Describe() +
                                            " fits --max-prompt-tokens " +
                                            std::to_string(max_prompt_tokens_));
    }
    const uint64_t draw = cursor_++;
    const int64_t id = order_.At(draw);
    if (too_long_.count(id)) continue;
    SWERL_ASSIGN_OR_RETURN(shard::Seed seed, shards_.Read(id));
    std::vector<int32_t> ids = prompt_.Encode(seed.prompt);
    if (max_prompt_tokens_ > 0 && static_cast<int64_t>(ids.size()) > max_prompt_tokens_) {
      too_long_.insert(id);
      continue;
    }
    out.push_back({draw, std::move(seed), id, std::move(ids)});
  }
  return out;
}

}  // namespace swerl::train

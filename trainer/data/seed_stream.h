// SeedStream: the prompts a training run draws from its shards, step after
// step: seeds of one split (shard/sampling.h), in the run's draw order,
// each with its prompt encoded in the model's chat format; seeds whose
// prompt exceeds the token budget are skipped and counted. The position in
// the draw order (the cursor) is all a checkpoint needs to resume.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/shard/sampling.h"
#include "swerl/shard/shard.h"
#include "swerl/shard/shard_set.h"
#include "trainer/data/chat_prompt.h"

namespace swerl::train {

struct SeedStreamOptions {
  shard::Split split = shard::Split::kTrain;
  double eval_fraction = 0;       // IsEvalSeed's fraction; 0 = every seed trains
  uint64_t seed = 0;              // the run's seed: the draw order
  int64_t max_prompt_tokens = 0;  // 0 = no budget
};

// A drawn seed, ready to sample from and to score.
struct DrawnSeed {
  uint64_t draw = 0;  // its index in the draw order
  shard::Seed seed;   // context and oracle filled
  int64_t seed_id = 0;  // its id in the ShardSet
  std::vector<int32_t> prompt_ids;
};

// Not thread-safe.
class SeedStream {
 public:
  // Lists the split of `shards`. Errors: kInvalidInput when the split holds
  // no seed (empty shards, or every seed held out).
  static Result<SeedStream> Open(shard::ShardSet shards, ChatPrompt prompt,
                                 const SeedStreamOptions& options);

  // The next `count` seeds whose prompt fits the budget, advancing the
  // cursor past them and past the ones skipped. Errors: the reader's
  // (naming the seed); kInvalidInput when a whole pass over the split finds
  // no prompt within the budget.
  Result<std::vector<DrawnSeed>> Next(int64_t count);

  uint64_t cursor() const { return cursor_; }
  void Seek(uint64_t cursor) { cursor_ = cursor; }
  uint64_t size() const { return order_.size(); }  // seeds in the split
  int64_t skipped_over_budget() const { return static_cast<int64_t>(too_long_.size()); }
  const ChatPrompt& prompt() const { return prompt_; }
  shard::ShardSet& shards() { return shards_; }

 private:
  SeedStream(shard::ShardSet shards, ChatPrompt prompt, shard::DrawOrder order,
             int64_t max_prompt_tokens)
      : shards_(std::move(shards)),
        prompt_(std::move(prompt)),
        order_(std::move(order)),
        max_prompt_tokens_(max_prompt_tokens) {}

  shard::ShardSet shards_;
  ChatPrompt prompt_;
  shard::DrawOrder order_;
  int64_t max_prompt_tokens_;
  uint64_t cursor_ = 0;
  std::set<int64_t> too_long_;  // seed ids over the budget (never drawn again)
};

// The seeds of `split` among `refs`.
std::vector<int64_t> SplitIds(const std::vector<shard::SeedRef>& refs, shard::Split split,
                              double eval_fraction);

}  // namespace swerl::train

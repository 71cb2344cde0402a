// Several shards read as one dataset: what swerl-train trains and evaluates
// on when it is given `--seeds a.db --seeds b.db` or `--seeds 'out/*.db'`
// (shards exported by the workers of a sharded curation, say).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/shard/shard.h"

namespace swerl::shard {

// `patterns` with every pattern that holds a glob character (*, ? or [)
// replaced by the files it matches, sorted (so the result does not depend on
// the file system's order); other patterns stay as given. Errors:
// kInvalidInput naming a pattern that matches nothing, or a file named
// twice.
Result<std::vector<std::string>> ExpandShardPatterns(const std::vector<std::string>& patterns);

// Reads one or more shards as one. A seed's id in the set is its id in the
// k-th shard plus k << kShardIdBits, so a single shard keeps its own ids
// (and runs over it keep their draw order, rollouts and checkpoints). Not
// thread-safe (one set per thread).
class ShardSet {
 public:
  static constexpr int kShardIdBits = 40;

  // Opens every path (ShardReader::Open) and checks that the shards can be
  // one dataset: the same system prompt, and no instance in two shards
  // (overlapping curation shards would train twice on it). Errors: the
  // readers', naming the path; kInvalidInput for no path, more shards or
  // seeds than the ids hold, a different system prompt, or an instance in
  // two shards (both paths named).
  static Result<ShardSet> Open(const std::vector<std::string>& paths);

  // The system prompt the shards share.
  const std::string& system_prompt() const { return system_prompt_; }

  // Every seed's set id and instance id: the first shard's in its export
  // order, then the second's, and so on.
  const std::vector<SeedRef>& refs() const { return refs_; }

  // The seed with set id `id`, context and oracle filled. Errors: as
  // ShardReader::Read; kNotFound for an id of no shard.
  Result<Seed> Read(int64_t id);

  // The path of the shard that holds set id `id` ("" for none).
  std::string PathOf(int64_t id) const;

  // "'a.db'" for one shard, "3 shards ('a.db', 'b.db', 'c.db')" for more:
  // for messages.
  std::string Describe() const;

  size_t shard_count() const { return readers_.size(); }

 private:
  ShardSet() = default;

  std::vector<ShardReader> readers_;
  std::vector<SeedRef> refs_;
  std::string system_prompt_;
};

}  // namespace swerl::shard

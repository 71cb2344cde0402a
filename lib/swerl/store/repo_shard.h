// Repository shards: how per-repository work is split across processes or
// machines (`--shard K/N`). Repository `repo_id` belongs to shard K of N when
// repo_id mod N = K, the remainder taken non-negative, so every id is in
// exactly one shard of N. clone, assemble, relevant, enrich, filter and
// export all select with this one rule, so a repository's mirror, instances
// and seeds stay with one worker. The store-writing ones record the shard
// they ran on in worker_shards (schemas/store.md), which is how `swerl
// merge` refuses inputs that worked on the same repositories.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::store {

// The largest N of a shard K/N.
inline constexpr int64_t kMaxShardCount = 1'000'000;

// Shard K (`index`) of N (`count`). A plain value; 0/1 is every repository.
struct RepoShard {
  int64_t index = 0;  // K, 0 <= K < N
  int64_t count = 1;  // N, 1 <= N <= kMaxShardCount

  // Whether repository `repo_id` belongs to this shard.
  bool Contains(int64_t repo_id) const;
  // An SQL condition, true for the rows whose `column` holds a repository
  // id of this shard (false for NULL): the same rule as Contains. `column`
  // is inserted verbatim. For 0/1 it is "1": every row, NULL included.
  std::string SqlCondition(std::string_view column) const;
  // "K/N".
  std::string ToString() const;

  friend bool operator==(const RepoShard&, const RepoShard&) = default;
};

// The shard of `count` that holds repository `repo_id`: repo_id mod count,
// in [0, count). REQUIRES: count >= 1.
inline int64_t ShardIndexOf(int64_t repo_id, int64_t count) {
  // C++'s % keeps the dividend's sign: fold negative remainders into [0, N).
  return ((repo_id % count) + count) % count;
}

// Parses "K/N": two decimal numbers with 0 <= K < N <= kMaxShardCount.
// Errors: kInvalidInput, with a message that quotes `text` in the CLI
// convention's form (docs/CLI.md): "'3' is not K/N (e.g. 0/4)", "'4/4' is
// out of range: K must be in [0, 3] for N = 4".
Result<RepoShard> ParseRepoShard(std::string_view text);

// Whether some repository id belongs to both shards: K1 = K2 mod gcd(N1, N2).
bool ShardsOverlap(const RepoShard& a, const RepoShard& b);

// One row of worker_shards: `command` ran with --shard `shard` on the store.
struct WorkerShard {
  std::string command;  // "clone", "assemble", "relevant", "enrich", "filter"
  RepoShard shard;
};

// Records in *db (an open store) that `command` runs with --shard `shard`,
// unless recorded before. Call before the pass writes anything, so a run
// killed half-way is recorded too. Errors: database failures.
Status RecordWorkerShard(db::Db* db, std::string_view command, const RepoShard& shard);

// The rows of worker_shards, ordered by command and shard. Errors: database
// failures.
Result<std::vector<WorkerShard>> ReadWorkerShards(db::Db* db);

}  // namespace swerl::store

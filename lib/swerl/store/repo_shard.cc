#include "swerl/store/repo_shard.h"

#include <ctime>
#include <numeric>

#include "swerl/core/utc_time.h"

namespace swerl::store {
namespace {

// A decimal number of at most 18 digits (no sign), or -1.
int64_t Decimal(std::string_view text) {
  if (text.empty() || text.size() > 18) return -1;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

bool RepoShard::Contains(int64_t repo_id) const { return ShardIndexOf(repo_id, count) == index; }

std::string RepoShard::SqlCondition(std::string_view column) const {
  // Every repository: no condition, so an unsharded run selects what it
  // always did.
  if (count == 1) return "1";
  // SQLite's % is C's; the same fold as Contains. NULL stays NULL (false).
  const std::string n = std::to_string(count);
  return "(((" + std::string(column) + ") % " + n + " + " + n + ") % " + n + " = " +
         std::to_string(index) + ")";
}

std::string RepoShard::ToString() const {
  return std::to_string(index) + "/" + std::to_string(count);
}

Result<RepoShard> ParseRepoShard(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Error(Code::kInvalidInput, quoted + " is not K/N (e.g. 0/4: shard 0 of 4)");
  }
  const int64_t k = Decimal(text.substr(0, slash));
  const int64_t n = Decimal(text.substr(slash + 1));
  if (k < 0 || n < 0) {
    return Error(Code::kInvalidInput,
                 quoted + " is not K/N (two whole numbers, e.g. 0/4: shard 0 of 4)");
  }
  if (n < 1 || n > kMaxShardCount) {
    return Error(Code::kInvalidInput, quoted + " is out of range: N must be in [1, " +
                                          std::to_string(kMaxShardCount) + "]");
  }
  if (k >= n) {
    return Error(Code::kInvalidInput, quoted + " is out of range: K must be in [0, " +
                                          std::to_string(n - 1) + "] for N = " + std::to_string(n));
  }
  return RepoShard{k, n};
}

bool ShardsOverlap(const RepoShard& a, const RepoShard& b) {
  // By the Chinese remainder theorem, x = Ka (mod Na) and x = Kb (mod Nb)
  // have a common solution exactly when Ka = Kb (mod gcd(Na, Nb)).
  const int64_t g = std::gcd(a.count, b.count);
  return a.index % g == b.index % g;
}

Status RecordWorkerShard(db::Db* db, std::string_view command, const RepoShard& shard) {
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt insert,
      db->Prepare("INSERT OR IGNORE INTO worker_shards (command, shard_index, shard_count, "
                  "first_at) VALUES (?, ?, ?, ?)"));
  insert.BindText(1, command);
  insert.BindInt(2, shard.index);
  insert.BindInt(3, shard.count);
  insert.BindText(4, FormatUtc(static_cast<int64_t>(std::time(nullptr))));
  return insert.Run();
}

Result<std::vector<WorkerShard>> ReadWorkerShards(db::Db* db) {
  SWERL_ASSIGN_OR_RETURN(db::Stmt select,
                         db->Prepare("SELECT command, shard_index, shard_count FROM worker_shards "
                                     "ORDER BY command, shard_count, shard_index"));
  std::vector<WorkerShard> out;
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    WorkerShard w;
    w.command = std::string(select.Text(0));
    w.shard = RepoShard{select.Int(1), select.Int(2)};
    // A row written by hand or by a damaged run cannot define a shard.
    if (w.shard.count < 1 || w.shard.index < 0 || w.shard.index >= w.shard.count) {
      return Error(Code::kCorrupt, "'" + db->path() + "': worker_shards holds " + w.command +
                                       " --shard " + w.shard.ToString() + ", not a shard");
    }
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace swerl::store

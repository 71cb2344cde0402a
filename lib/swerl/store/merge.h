// Merge: the `swerl merge` pass. Unions the stores of workers into one:
// each worker ran the per-repository stages (clone, assemble, relevant,
// enrich, filter) with `--shard K/N` (repo_shard.h) on its own copy of one
// base store, so their stores hold the base's rows plus what each added for
// its repositories. The rule per table is MergeRule; in short, a
// repository's rows come from the input whose shard holds it, the rest must
// be equal in every input, blobs are united by id, and anything else that
// differs is an error naming the table and the key (schemas/store.md, "swerl
// merge").
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::store {

// How merge treats the rows of one table.
enum class MergeRule : uint8_t {
  // A row of repository `repo_id` comes only from the input whose shard
  // (worker_shards) holds the repository, when one does: that input is
  // authoritative for it (its rows may be newer than the base's copies in
  // the other inputs: an enrich, a --refresh, a retried clone). A row of a
  // repository no input's shard holds must be equal in every input.
  kByRepository,
  // api_fetches: as kByRepository, for the repository the URL names
  // (".../repos/{owner}/{name}/...", resolved through the input's
  // repo_names and repos); a URL naming none must be equal everywhere.
  kByApiUrl,
  // Every input's row under one key must be equal (ingest's bookkeeping).
  kShared,
  // blobs: one row per id; rows under one id must hold the same contents
  // (compared decompressed when the frames differ).
  kContentAddressed,
  // Not merged: worker_shards. A merged store is whole, so copies of it can
  // be the base of the next round of workers.
  kNotMerged,
};

// The rule of the store table `table`, or nullopt for a table this swerl's
// merge does not know. Every table of schemas/swerl.sql has one (tested).
std::optional<MergeRule> MergeRuleOf(std::string_view table);

struct MergeOptions {
  // The stores to merge, opened read-only (never written, not even their
  // -wal), in this order.
  std::vector<std::string> inputs;
  // Rows written per transaction of the output (at least 1); a transaction
  // also ends after 64 MiB of values and at the end of each table.
  size_t batch_rows = 10000;
};

// What one table contributed, summed over the inputs.
struct MergeTableCounts {
  std::string table;
  uint64_t added = 0;   // rows written to the output
  uint64_t same = 0;    // rows the output held already, equal
  uint64_t others = 0;  // rows of repositories another input's shard holds: left to that input
};

struct MergeResult {
  size_t inputs = 0;
  std::vector<MergeTableCounts> tables;  // merged tables, in merge order
  std::chrono::steady_clock::duration elapsed{};

  // The counts of `table` (all zero for a table not merged).
  MergeTableCounts Counts(std::string_view table) const;
};

struct MergeProgress {
  size_t input = 0;  // 0-based position in MergeOptions::inputs
  size_t inputs = 0;
  std::string table;
  uint64_t rows = 0;  // rows of this input's table read so far
};

// Receives progress on the thread running MergeStores (lib never prints).
class MergeObserver {
 public:
  virtual ~MergeObserver() = default;
  // A few times a second at most, and when an input's table is done.
  virtual void OnProgress(const MergeProgress& progress) {}
};

// The refusals of MergeStores that need only the inputs: each must be a
// store at this swerl's schema version (all at one version), and no two may
// have worked on overlapping shards. Opens them read-only. Call it before
// creating the output, so refused inputs leave no empty store behind.
// Errors: as MergeStores's refusals.
Status CheckMergeInputs(const std::vector<std::string>& inputs);

// Merges options.inputs into *out: an open store (OpenStore, writable) that
// is new or holds an earlier run of the same merge, so that a rerun after a
// kill completes the merge and a rerun after success changes nothing. Tables
// go in a fixed order, a repository's dependent rows (commits, files, blobs)
// before the rows that make them visible (instances, relevant_runs), in
// transactions of options.batch_rows rows: a killed merge leaves a valid
// store holding what was committed. observer may be null.
//
// Refused before anything is written: an input that is not a store (or not
// at this swerl's schema version); inputs at different schema versions;
// two inputs whose worker_shards overlap (they worked on the same
// repositories); a store table without a MergeRule.
// Errors: kInvalidInput (the refusals above; a key whose rows differ, naming
// the table, the key, the input and the first differing column), kNotFound
// (no such input), kUnsupported (schema versions), kCorrupt (a blob that
// does not decompress), database failures. Rows committed before an error
// stay in *out.
Result<MergeResult> MergeStores(db::Db* out, const MergeOptions& options, MergeObserver* observer);

}  // namespace swerl::store

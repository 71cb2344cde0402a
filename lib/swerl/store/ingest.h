// Ingester: folds `swerl events` records (schemas/records/event.md) into the
// store's current-state tables (schemas/swerl.sql, schemas/store.md).
//
// Folding is order-independent and idempotent: each column group keeps the
// version (created_at, id) of the event that set it and only a newer event
// carrying the group replaces it; event ids already folded are recorded in
// events_seen and counted as duplicates (folding one again changes
// nothing). Work is batched into transactions, folded in memory first
// (pending_rows.h); a crash loses at most the open batch, which a rerun
// folds again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::store {

// Readable bytes a record line must be followed by (simdjson in place).
inline constexpr size_t kRecordPadding = 64;

// An event already in the store from an earlier batch is known as such
// only when its batch commits: until then it counts in new_events (or
// skipped), and the commit moves it to duplicates.
struct IngestCounts {
  uint64_t lines = 0;       // non-blank record lines seen
  uint64_t new_events = 0;  // folded in
  uint64_t duplicates = 0;  // event id already in the store or in this batch
  uint64_t skipped = 0;     // PushEvent, unknown type, or no repo_id/number
  uint64_t bad_lines = 0;   // not a record (reported through Add's error)
};

// Not thread-safe. *db must outlive the ingester.
class Ingester {
 public:
  // batch_events: events per transaction.
  static Result<Ingester> Create(db::Db* db, size_t batch_events = 50'000);
  ~Ingester();
  Ingester(Ingester&&) noexcept;
  Ingester& operator=(Ingester&&) noexcept;

  // Folds one record. The kRecordPadding bytes after `line` must be
  // readable. Errors: kInvalidInput when the line is not a record (nothing
  // written; counted in bad_lines); any other code is a database failure,
  // after which the ingester must not be used.
  Status Add(std::string_view line);

  // Folds an object fetched from the REST API as if it were an event record
  // of `line`'s shape, versioned by `version` (sortable like event versions,
  // e.g. the fetch time): no dedup, not counted as an event.
  Status AddSnapshot(std::string_view line, std::string_view version);

  // Records a finished input in ingest_log and commits everything folded so
  // far in the same transaction. `started_at`: ISO-8601 UTC.
  Status FinishInput(std::string_view input, std::string_view started_at);

  // Commits the open batch (if any).
  Status Commit();

  const IngestCounts& counts() const { return counts_; }
  void ResetCounts() { counts_ = {}; }

 private:
  struct Impl;
  explicit Ingester(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  IngestCounts counts_;
};

// The version string of an event: created_at (or "") followed by the id
// left-padded with '0' to 20 characters, so that byte order is event order.
std::string EventVersion(std::string_view created_at, std::string_view id);

}  // namespace swerl::store

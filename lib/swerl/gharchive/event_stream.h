// EventStream: the `swerl events` stage as a library. Reads input files in
// order (gzip or plain NDJSON), normalizes their lines in parallel on oneTBB,
// drops repeated event ids, and hands records to a sink in input order, so
// the output bytes are the same for any thread count.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/gharchive/normalize.h"
#include "swerl/io/input.h"

namespace swerl::gharchive {

struct EventStreamOptions {
  TypeSet types = TypeSet::Default();
  int threads = 1;  // worker threads (oneTBB); >= 1
  // Decompressed bytes per parallel work item; lowered so that all items in
  // flight (2 per thread + 1) hold at most ~48 MB of input together.
  size_t chunk_bytes = 4 << 20;
  // Longer lines are skipped and reported as "line longer than the line
  // limit of N bytes" (GitHub caps bodies at 65,536 characters; the largest
  // real events are a few hundred kB). `swerl events --max-line-bytes`.
  size_t max_line_bytes = 8 << 20;
  // Stop with an error once more than this many errors (malformed lines,
  // damaged or unreadable files) were seen; negative = never.
  int64_t max_errors = -1;
  // Exact de-duplication covers at least this many most recent distinct
  // emitted ids (memory: ~32 bytes per id; 1M is about a day of 2024
  // PR/issue events); older ids are forgotten.
  size_t dedup_window = 1'000'000;
  io::GzipBackend gzip = io::GzipBackend::kDefault;
  // Parse every line in full (Normalizer's strict mode).
  bool strict = false;
};

struct EventStreamStats {
  uint64_t files = 0;                                // inputs opened
  uint64_t lines = 0;                                // input lines seen
  uint64_t input_bytes = 0;                          // decompressed bytes read
  uint64_t emitted = 0;                              // records written
  uint64_t duplicates = 0;                           // records dropped as repeated ids
  uint64_t skipped_type = 0;                         // events of unselected types
  uint64_t skipped_timeline = 0;                     // 2011-2014 shaped events
  uint64_t malformed = 0;                            // lines skipped as not JSON events
  uint64_t repaired = 0;                             // damaged lines recovered
  uint64_t oversized = 0;                            // lines over max_line_bytes
  uint64_t damaged_files = 0;                        // truncated or corrupt compressed inputs
  uint64_t unreadable_files = 0;                     // inputs that could not be opened or read
  std::array<uint64_t, kEventTypeCount> per_type{};  // emitted per EventType

  uint64_t errors() const { return malformed + oversized + damaged_files + unreadable_files; }
};

// Receives diagnostics in input order, from the thread that runs the
// pipeline's last stage (one at a time). `file` is the input path, or
// "<stdin>" for "-".
class EventStreamReporter {
 public:
  virtual ~EventStreamReporter() = default;
  // A line that was skipped (malformed or oversized). line is 1-based.
  virtual void LineError(const std::string& file, uint64_t line, const Error& why) = 0;
  // A damaged line that was recovered; `what` says how.
  virtual void LineRepaired(const std::string& file, uint64_t line, std::string_view what) = 0;
  // A file that could not be opened, or whose data broke off (the lines
  // before the damage were processed).
  virtual void FileError(const std::string& file, const Error& why) = 0;
  // Called after each work item with the running totals.
  virtual void Progress(const EventStreamStats& stats) {}
};

// Receives the record bytes (whole lines) in input order.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Errors stop the stream and are returned from Run (kCancelled for a
  // closed pipe).
  virtual Status Write(std::string_view records) = 0;
};

// Processes `inputs` ("-" = stdin) in order. Per-line and per-file problems
// are reported and counted, not fatal. Returns an error only when the sink
// fails or max_errors is exceeded (kInvalidInput, "too many errors"); *stats
// holds the totals in every case. REQUIRES: reporter, sink, stats non-null.
Status RunEventStream(const std::vector<std::string>& inputs, const EventStreamOptions& options,
                      RecordSink* sink, EventStreamReporter* reporter, EventStreamStats* stats);

}  // namespace swerl::gharchive

// FetchHours: downloads GH Archive hour files into a directory, many at once
// over reused connections (libcurl multi), retrying transient failures with
// backoff, resuming partial files with Range requests, and verifying every
// file (length and a full gzip decode) before renaming it into place. Every
// outcome is recorded in <dir>/manifest.ndjson (see manifest.h).
//
// Files in <dir>: "<name>" only ever holds a verified file (rename is
// atomic); "<name>.part" holds the bytes of an unfinished download, which a
// later attempt or run resumes; ".swerl-fetch.lock" keeps two runs apart.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/gharchive/hour.h"

namespace swerl::net {

struct FetchOptions {
  std::string base_url = "https://data.gharchive.org";  // files are <base_url>/<FileName>
  std::string dir = ".";                                // created if absent
  int parallel = 8;              // concurrent transfers and connections, >= 1
  int retries = 5;               // retries after the first attempt, >= 0
  int64_t retry_base_ms = 1000;  // first backoff delay (then doubling, with jitter)
  int64_t retry_cap_ms = 60000;  // longest backoff delay
  int64_t connect_timeout_ms = 10000;
  int64_t stall_timeout_s = 30;      // abort an attempt that receives < 1 byte/s this long
  int64_t attempt_timeout_s = 3600;  // abort any attempt after this long; 0 = no cap
  std::optional<uint64_t> seed;      // jitter seed; random when unset
  int verify_threads = 0;            // concurrent verifications; 0 = one per core
  std::string user_agent = "swerl-fetch";
};

enum class HourState { kOk, kMissing, kSkipped, kFailed };

// "ok", "missing", "skipped", "failed".
std::string_view HourStateName(HourState state);

struct HourOutcome {
  gharchive::Hour hour;
  HourState state = HourState::kFailed;
  std::string path;    // the final file's path
  uint64_t bytes = 0;  // file size for ok and skipped
  int attempts = 0;    // HTTP requests made in this run
  std::string sha256;  // ok only
  // failed: why the last attempt failed; ok: the last retried error, if any.
  std::optional<Error> error;
};

struct FetchStats {
  uint64_t hours = 0;
  uint64_t ok = 0;
  uint64_t missing = 0;
  uint64_t skipped = 0;
  uint64_t failed = 0;
  uint64_t ok_bytes = 0;        // total size of the files fetched by this run
  uint64_t received_bytes = 0;  // body bytes written to disk, discarded restarts included
  uint64_t retries = 0;         // attempts that were retried
  uint64_t resumed = 0;         // attempts that asked for a Range
  uint64_t restarted = 0;       // partial files discarded (Range ignored, 416, corrupt)
  uint64_t active = 0;          // transfers in flight right now
  uint64_t verifying = 0;       // files being checked (or queued for it) right now
  uint64_t done() const { return ok + missing + skipped + failed; }
};

// Receives events from FetchHours, always on the thread that called it.
// Implementations must not call FetchHours. All methods default to no-ops.
class FetchObserver {
 public:
  virtual ~FetchObserver() = default;
  // Attempt number `attempt` of `hour` failed with `why`; the next one
  // starts after `delay`.
  virtual void OnRetry(const gharchive::Hour& hour, int attempt, const Error& why,
                       std::chrono::milliseconds delay) {}
  // An attempt asks the server for the bytes from `offset` on.
  virtual void OnResume(const gharchive::Hour& hour, uint64_t offset) {}
  // A partial file was discarded; the download starts over from byte 0.
  virtual void OnRestart(const gharchive::Hour& hour, std::string_view why) {}
  virtual void OnHourDone(const HourOutcome& outcome) {}
  // Called often (each event-loop turn); rate-limit any drawing.
  virtual void OnProgress(const FetchStats& stats) {}
};

struct FetchResult {
  FetchStats stats;
  std::vector<HourOutcome> outcomes;  // in the order of the `hours` argument
  double seconds = 0;
};

// Fetches each of `hours` (duplicates are fetched once) into options.dir.
// Hours whose final file exists are skipped (the manifest keeps its entry;
// one is added, by hashing the file, if it has none). A 404 is recorded as
// missing and not retried. 5xx, 408, 429, timeouts, stalls, dropped
// connections, short bodies and corrupt gzip are retried up to
// options.retries times; other failures fail the hour at once.
// Per-hour failures are outcomes, not errors. The manifest is compacted at
// the end. *observer may be null and must outlive the call.
// REQUIRES: a net::CurlGlobal is alive.
// Errors: kInvalidInput (options), kIo (the directory, the lock, the
// manifest; another run holds the lock), kExternal (libcurl itself failed).
Result<FetchResult> FetchHours(std::span<const gharchive::Hour> hours, const FetchOptions& options,
                               FetchObserver* observer);

}  // namespace swerl::net

// Manifest: <dir>/manifest.ndjson, the record of every hour `swerl fetch`
// tried. Each outcome is appended as one JSON line (O_APPEND, then fsync), so
// a crash loses at most the line being written; the latest line for an hour
// wins. Compact() rewrites the file atomically as one line per hour in time
// order. One line, keys always in this order:
//
//   {"hour":"2024-01-01-0.json.gz","status":"ok","bytes":104857,"sha256":"<hex>",
//    "attempts":2,"etag":"\"5d41...\"","last_modified":"Mon, 01 Jan 2024 01:05:12 GMT",
//    "last_error":null,"url":"https://data.gharchive.org/2024-01-01-0.json.gz"}
//
// status: ok (the file is in place) | missing (HTTP 404) | failed (gave up).
// bytes: the file size for ok, else 0. sha256: of the file for ok, else
// null. attempts: HTTP requests made for the hour by the run that wrote the
// line (0 when an existing file was only hashed). etag, last_modified: the
// server's headers, null when not sent. last_error: why it failed, or for ok
// the error of the last failed attempt; null when none.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "swerl/core/result.h"

namespace swerl::net {

enum class EntryStatus { kOk, kMissing, kFailed };

// "ok", "missing", "failed".
std::string_view EntryStatusName(EntryStatus status);

struct ManifestEntry {
  std::string hour;  // the file name, "2024-01-01-0.json.gz"
  EntryStatus status = EntryStatus::kFailed;
  uint64_t bytes = 0;
  std::string sha256;  // "" writes null
  uint64_t attempts = 0;
  std::string etag;           // "" writes null
  std::string last_modified;  // "" writes null
  std::optional<std::string> last_error;
  std::string url;

  friend bool operator==(const ManifestEntry&, const ManifestEntry&) = default;
};

// The entry as one line, '\n' included.
std::string FormatManifestLine(const ManifestEntry& entry);

// Parses one line (without its '\n'). Errors: kCorrupt (not a JSON object,
// or a field missing or of the wrong type).
Result<ManifestEntry> ParseManifestLine(std::string_view line);

// Movable, not copyable. Not thread-safe. One process at a time per file
// (FetchHours holds a lock on the directory).
class Manifest {
 public:
  static constexpr const char* kFileName = "manifest.ndjson";

  // Opens `path` for appending, creating it if absent, and loads the
  // existing lines (latest per hour wins). Lines that do not parse, such as
  // a line torn by a crash, are counted in bad_lines() and skipped; they
  // disappear at the next Compact(). Errors: kIo.
  static Result<Manifest> Open(const std::string& path);

  Manifest(Manifest&& other) noexcept;
  Manifest& operator=(Manifest&&) = delete;
  ~Manifest();

  // The latest entry for `hour` (a file name), or null. The pointer is valid
  // until the next Append or Compact.
  const ManifestEntry* Find(std::string_view hour) const;

  // Appends the entry's line and fsyncs the file before returning, then
  // makes it the latest for its hour. Errors: kIo.
  Status Append(const ManifestEntry& entry);

  // Atomically replaces the file with one line per hour, in time order
  // (names that are not hour file names sort last, by name), and keeps
  // appending to the new file. Errors: kIo (the old file stays intact).
  Status Compact();

  const std::map<std::string, ManifestEntry, std::less<>>& entries() const { return entries_; }
  uint64_t bad_lines() const { return bad_lines_; }
  const std::string& path() const { return path_; }

 private:
  Manifest(std::string path, int fd);
  Status Load();

  std::string path_;
  int fd_ = -1;
  bool need_newline_ = false;  // the file ends in a torn line
  std::map<std::string, ManifestEntry, std::less<>> entries_;
  uint64_t bad_lines_ = 0;
};

}  // namespace swerl::net

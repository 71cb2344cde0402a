// AtomicFile: write a file under a temporary name, then fsync and rename it
// into place, so readers see either the old file or the complete new one and
// a crash never leaves a half file under the final name.
#pragma once

#include <string>
#include <string_view>

#include "swerl/core/result.h"

namespace swerl::io {

// Movable, not copyable. Not thread-safe.
class AtomicFile {
 public:
  // Creates "<path>.tmp-<pid>-<random>" in path's directory. Errors: kIo.
  static Result<AtomicFile> Create(const std::string& path);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  // Removes the temporary file unless Commit() succeeded.
  ~AtomicFile();

  Status Append(std::string_view data);
  // Flushes, fsyncs, renames over the final path and fsyncs the directory.
  // After success the object is inert. Errors: kIo (the temp file is removed).
  Status Commit();

  const std::string& temp_path() const { return temp_path_; }

 private:
  AtomicFile(std::string path, std::string temp_path, int fd);
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
};

// A name beside `path` that no file has now, "<path>.tmp-<pid>-<random>",
// for writers that create the temporary file themselves (SQLite): write
// there, then rename over `path`. Errors: kIo (no unused name found).
Result<std::string> UnusedTempPath(const std::string& path);

// Writes `data` to `path` atomically.
Status WriteFileAtomically(const std::string& path, std::string_view data);

// Writes all of `data` to `fd`, retrying short writes and EINTR. Errors: kIo
// with errno's text; EPIPE gives kCancelled ("broken pipe").
Status WriteAll(int fd, std::string_view data, std::string_view what);

// fsyncs the directory that contains `path` (after a rename). Errors: kIo.
Status SyncParentDir(const std::string& path);

}  // namespace swerl::io

// BufferedOutput: block-buffered writes to a file descriptor (stdout), with
// EPIPE reported as kCancelled so tools can stop quietly when a downstream
// reader closes the pipe.
#pragma once

#include <string>
#include <string_view>

#include "swerl/core/result.h"

namespace swerl::io {

// Not thread-safe.
class BufferedOutput {
 public:
  // Writes of at least this many bytes bypass the buffer.
  static constexpr size_t kDirectBytes = 64 << 10;
  // fd is borrowed; `name` is used in messages. Flushes at buffer_bytes.
  BufferedOutput(int fd, std::string name, size_t buffer_bytes = 1 << 20);
  // Does not flush: call Flush() and check its Status.
  ~BufferedOutput() = default;

  Status Write(std::string_view data);
  Status Flush();
  uint64_t bytes_written() const { return written_ + buf_.size(); }

 private:
  int fd_;
  std::string name_;
  size_t limit_;
  std::string buf_;
  uint64_t written_ = 0;
};

}  // namespace swerl::io

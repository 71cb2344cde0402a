#include "swerl/io/output.h"

#include <algorithm>

#include "swerl/io/atomic_file.h"

namespace swerl::io {

BufferedOutput::BufferedOutput(int fd, std::string name, size_t buffer_bytes)
    : fd_(fd), name_(std::move(name)), limit_(buffer_bytes) {
  buf_.reserve(limit_);
}

Status BufferedOutput::Write(std::string_view data) {
  // Large pieces (a batch of records) go out directly, after what is
  // buffered: copying them into the buffer first would cost more than the
  // extra write call.
  const bool direct = data.size() >= std::min<size_t>(limit_, kDirectBytes);
  if (direct || buf_.size() + data.size() > limit_) {
    SWERL_RETURN_IF_ERROR(Flush());
    if (direct) {
      written_ += data.size();
      return WriteAll(fd_, data, "writing " + name_);
    }
  }
  buf_.append(data);
  return OkStatus();
}

Status BufferedOutput::Flush() {
  if (buf_.empty()) return OkStatus();
  Status st = WriteAll(fd_, buf_, "writing " + name_);
  written_ += buf_.size();
  buf_.clear();
  return st;
}

}  // namespace swerl::io

#include "swerl/io/line_chunker.h"

#include <algorithm>
#include <cstring>

namespace swerl::io {

LineChunker::LineChunker(InputStream* in, size_t chunk_bytes, size_t max_line_bytes)
    : in_(in), chunk_bytes_(chunk_bytes), max_line_bytes_(max_line_bytes) {}

// Buffer layout while filling: [0, complete) whole lines, [complete, used) the
// current partial line, of which [complete, scanned) has no '\n'.
Result<bool> LineChunker::Next(LineChunk* chunk) {
  if (pending_error_) {
    Error e = std::move(*pending_error_);
    pending_error_.reset();
    return e;
  }
  chunk->size = 0;
  chunk->line_count = 0;
  chunk->first_line = next_line_;
  chunk->oversized_lines.clear();
  chunk->last_line_unterminated = false;
  chunk->line_ends.clear();
  std::vector<char>& buf = chunk->bytes;
  // Room for the target plus one more read, so that only lines longer than
  // ~64 kB crossing the target make the buffer grow.
  constexpr size_t kReadBytes = 65536;
  if (buf.size() < chunk_bytes_ + 2 * kReadBytes + kChunkPadding) {
    buf.resize(chunk_bytes_ + 2 * kReadBytes + kChunkPadding);
  }

  size_t used = carry_.size();
  if (used + kChunkPadding > buf.size()) buf.resize(used + kChunkPadding);
  if (used) std::memcpy(buf.data(), carry_.data(), used);
  carry_.clear();
  size_t complete = 0;
  size_t scanned = 0;

  // Ends the current line at buf[newline_at] (or at `used` for the last
  // line of the stream without '\n').
  auto end_line = [&](size_t newline_at) {
    if (draining_ || newline_at - complete > max_line_bytes_) {
      // Collapse the oversized line to an empty line.
      chunk->oversized_lines.push_back(next_line_ + chunk->line_count);
      const size_t tail = used - newline_at;
      std::memmove(buf.data() + complete, buf.data() + newline_at, tail);
      used = complete + tail;
      newline_at = complete;
      draining_ = false;
    }
    ++chunk->line_count;
    complete = newline_at + 1;
    chunk->line_ends.push_back(complete);
  };

  for (;;) {
    while (scanned < used) {
      const void* nl = std::memchr(buf.data() + scanned, '\n', used - scanned);
      if (!nl) {
        scanned = used;
        break;
      }
      end_line(static_cast<const char*>(nl) - buf.data());
      scanned = complete;
    }
    if (used - complete > max_line_bytes_ || (draining_ && used > complete)) {
      draining_ = true;  // drop what we have of the line; keep looking for '\n'
      used = scanned = complete;
    }
    // complete > 0: a chunk_bytes of 0 still means "at least one line".
    if (eof_ || (complete > 0 && complete >= chunk_bytes_)) break;
    if (used + kChunkPadding + kReadBytes > buf.size()) buf.resize(buf.size() + buf.size() / 2);
    // Read up to the target (at least kReadBytes), not beyond: a chunk ends
    // within one read past chunk_bytes_.
    const size_t want = std::max(kReadBytes, chunk_bytes_ > used ? chunk_bytes_ - used : 0);
    auto read = in_->Read(buf.data() + used, std::min(want, buf.size() - kChunkPadding - used));
    if (!read) {
      // Hand out the whole lines we have first; the error comes next call.
      // The partial line after them is lost with the stream.
      pending_error_.emplace(std::move(read).error());
      eof_ = true;
      partial_lost_ = used - complete;
      used = complete;
      break;
    }
    const size_t got = *read;
    if (got == 0) {
      eof_ = true;
      if (used > complete || draining_) {
        // The stream ended without '\n', whether or not the line was oversized.
        chunk->last_line_unterminated = true;
        // Terminate the last line so every line in bytes ends in '\n'.
        buf[used++] = '\n';
        end_line(used - 1);
        scanned = complete;
      }
      continue;
    }
    used += got;
  }
  if (used > complete) carry_.assign(buf.data() + complete, buf.data() + used);
  chunk->size = complete;
  std::memset(buf.data() + complete, 0, kChunkPadding);
  next_line_ += chunk->line_count;
  if (chunk->line_count == 0 && pending_error_) {
    Error e = std::move(*pending_error_);
    pending_error_.reset();
    return e;
  }
  return chunk->line_count > 0;
}

}  // namespace swerl::io

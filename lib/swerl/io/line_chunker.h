// LineChunker: cuts a stream into chunks of whole lines for parallel
// parsing. Each chunk is followed by kChunkPadding readable zero bytes, so
// simdjson can parse a line in place without copying.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "swerl/io/input.h"

namespace swerl::io {

inline constexpr size_t kChunkPadding = 64;  // >= SIMDJSON_PADDING

struct LineChunk {
  // bytes[0, size) holds whole lines, each ending in '\n' (one is added to a
  // final line that lacked it); bytes[size, size + kChunkPadding) are zero.
  std::vector<char> bytes;
  size_t size = 0;
  uint64_t first_line = 1;  // 1-based number of the chunk's first line
  uint64_t line_count = 0;  // lines in [0, size), a final unterminated one included
  // Lines longer than the limit; each stands in bytes as an empty line, so
  // line numbering by counting '\n' stays right.
  std::vector<uint64_t> oversized_lines;
  bool last_line_unterminated = false;  // the stream ended without '\n'
  // End offset (just past the '\n') of each line in bytes, in order:
  // line k spans [k ? line_ends[k-1] : 0, line_ends[k]). Saves consumers a
  // second scan for newlines.
  std::vector<size_t> line_ends;

  std::string_view view() const { return {bytes.data(), size}; }
};

// Not thread-safe. *in must outlive the chunker.
class LineChunker {
 public:
  // chunk_bytes: target chunk size; a line longer than max_line_bytes is
  // replaced by an empty line (drained without buffering) and listed in
  // oversized_lines, so memory stays bounded by ~2 * chunk_bytes + max_line_bytes.
  LineChunker(InputStream* in, size_t chunk_bytes = 4 << 20, size_t max_line_bytes = 64 << 20);

  // Fills *chunk (reusing its storage) with the next lines. Returns false at
  // end of stream (chunk empty). Errors from the stream are returned as is,
  // but only after the whole lines read before the error were handed out;
  // partial_lost() then tells how many bytes of an unfinished line were lost.
  // After an error the chunker is at end of stream.
  Result<bool> Next(LineChunk* chunk);
  size_t partial_lost() const { return partial_lost_; }

 private:
  InputStream* in_;
  size_t chunk_bytes_;
  size_t max_line_bytes_;
  std::vector<char> carry_;  // a partial line left over from the last read
  uint64_t next_line_ = 1;
  bool eof_ = false;
  bool draining_ = false;  // inside an oversized line
  std::optional<Error> pending_error_;
  size_t partial_lost_ = 0;
};

}  // namespace swerl::io

// Fuzzes LineChunker: for any input and small chunk/line limits, the chunks
// concatenate back to the input (with a final '\n' added when missing, and
// oversized lines emptied), and line numbering is contiguous.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "swerl/io/line_chunker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swerl::io;
  if (size < 2) return 0;
  const size_t chunk_bytes = 1 + data[0] % 64;
  const size_t max_line = 1 + data[1] % 32;
  const std::string input(reinterpret_cast<const char*>(data + 2), size - 2);

  // Expected: each line (split on '\n') kept, or emptied when too long.
  std::string expected;
  uint64_t expected_lines = 0;
  size_t start = 0;
  while (start < input.size()) {
    size_t nl = input.find('\n', start);
    if (nl == std::string::npos) nl = input.size();
    const size_t len = nl - start;
    if (len <= max_line) expected.append(input, start, len);
    expected.push_back('\n');
    ++expected_lines;
    start = nl + 1;
  }

  auto in = StringInput(input);
  LineChunker chunker(in.get(), chunk_bytes, max_line);
  LineChunk chunk;
  std::string got;
  uint64_t next = 1;
  for (;;) {
    auto more = chunker.Next(&chunk);
    if (!more) std::abort();
    if (!*more) break;
    if (chunk.first_line != next) std::abort();
    next += chunk.line_count;
    // line_ends: one per line, increasing, each just past a '\n', the last at size.
    if (chunk.line_ends.size() != chunk.line_count) std::abort();
    size_t prev = 0;
    for (size_t end : chunk.line_ends) {
      if (end <= prev || end > chunk.size || chunk.bytes[end - 1] != '\n') std::abort();
      prev = end;
    }
    if (prev != chunk.size) std::abort();
    got.append(chunk.view());
    for (size_t i = 0; i < kChunkPadding; ++i) {
      if (chunk.bytes[chunk.size + i] != 0) std::abort();
    }
  }
  if (got != expected || next - 1 != expected_lines) std::abort();
  return 0;
}

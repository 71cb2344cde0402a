// LineChunker against a one-line-at-a-time reference model, over random
// inputs, chunk sizes, line limits and source piece sizes.
#include "swerl/io/line_chunker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "io/test_streams.h"

namespace swerl::io {
namespace {

using test::TrickleInput;

// What the chunker must produce, computed the simple way.
struct Expected {
  std::string bytes;  // every line + '\n', oversized ones empty
  uint64_t lines = 0;
  std::vector<uint64_t> oversized;  // 1-based line numbers
  bool unterminated = false;
};

Expected Model(const std::string& in, size_t max_line) {
  Expected e;
  size_t start = 0;
  while (start < in.size()) {
    size_t nl = in.find('\n', start);
    const bool last = nl == std::string::npos;
    if (last) nl = in.size();
    ++e.lines;
    if (nl - start > max_line) {
      e.oversized.push_back(e.lines);
    } else {
      e.bytes.append(in, start, nl - start);
    }
    e.bytes.push_back('\n');
    if (last) e.unterminated = true;
    start = nl + 1;
  }
  return e;
}

struct Collected {
  std::string bytes;
  uint64_t lines = 0;
  std::vector<uint64_t> oversized;
  bool unterminated = false;
  int chunks = 0;
};

// Runs the chunker to the end, checking the per-chunk invariants.
::testing::AssertionResult Collect(InputStream* in, size_t chunk_bytes, size_t max_line,
                                   Collected* out) {
  LineChunker chunker(in, chunk_bytes, max_line);
  LineChunk chunk;
  uint64_t next_line = 1;
  for (int guard = 0;; ++guard) {
    if (guard > 10000000) return ::testing::AssertionFailure() << "no end of stream";
    auto r = chunker.Next(&chunk);
    if (!r.has_value()) return ::testing::AssertionFailure() << r.error().message();
    if (!*r) {
      if (chunk.size != 0 || chunk.line_count != 0) {
        return ::testing::AssertionFailure() << "final chunk not empty";
      }
      // End of stream is sticky.
      auto again = chunker.Next(&chunk);
      if (!again.has_value() || *again) return ::testing::AssertionFailure() << "not sticky";
      return ::testing::AssertionSuccess();
    }
    if (out->unterminated) {
      return ::testing::AssertionFailure() << "chunk after the unterminated last line";
    }
    ++out->chunks;
    const std::string_view v = chunk.view();
    if (v.empty() || v.back() != '\n')
      return ::testing::AssertionFailure() << "chunk not whole lines";
    const auto newlines = static_cast<uint64_t>(std::count(v.begin(), v.end(), '\n'));
    if (newlines != chunk.line_count) {
      return ::testing::AssertionFailure()
             << "line_count " << chunk.line_count << " but " << newlines << " newlines";
    }
    if (chunk.first_line != next_line) {
      return ::testing::AssertionFailure()
             << "first_line " << chunk.first_line << " expected " << next_line;
    }
    if (chunk.bytes.size() < chunk.size + kChunkPadding) {
      return ::testing::AssertionFailure() << "padding not readable";
    }
    for (size_t i = 0; i < kChunkPadding; ++i) {
      if (chunk.bytes[chunk.size + i] != 0) {
        return ::testing::AssertionFailure() << "padding byte " << i << " not zero";
      }
    }
    for (uint64_t line : chunk.oversized_lines) {
      if (line < chunk.first_line || line >= chunk.first_line + chunk.line_count) {
        return ::testing::AssertionFailure() << "oversized line " << line << " outside chunk";
      }
    }
    out->bytes.append(v);
    out->lines += chunk.line_count;
    out->oversized.insert(out->oversized.end(), chunk.oversized_lines.begin(),
                          chunk.oversized_lines.end());
    out->unterminated = chunk.last_line_unterminated;
    next_line += chunk.line_count;
  }
}

void ExpectMatchesModel(const std::string& input, size_t chunk_bytes, size_t max_line, size_t piece,
                        uint64_t seed) {
  const Expected e = Model(input, max_line);
  Collected got;
  TrickleInput in(input, piece, seed);
  ASSERT_TRUE(Collect(&in, chunk_bytes, max_line, &got))
      << "chunk " << chunk_bytes << " max " << max_line << " piece " << piece;
  SCOPED_TRACE("chunk " + std::to_string(chunk_bytes) + " max " + std::to_string(max_line) +
               " piece " + std::to_string(piece) + " input " +
               (input.size() < 2000 ? ::testing::PrintToString(input) : "(long)"));
  ASSERT_EQ(got.bytes, e.bytes);
  EXPECT_EQ(got.lines, e.lines);
  EXPECT_EQ(got.oversized, e.oversized);
  EXPECT_EQ(got.unterminated, e.unterminated);
}

TEST(LineChunkerTest, EmptyInput) {
  auto in = StringInput("");
  LineChunker chunker(in.get());
  LineChunk chunk;
  auto r = chunker.Next(&chunk);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(*r);
  EXPECT_EQ(chunk.size, 0u);
  EXPECT_EQ(chunk.line_count, 0u);
}

TEST(LineChunkerTest, SimpleLinesOneChunk) {
  auto in = StringInput("a\nbb\r\n\nccc");
  LineChunker chunker(in.get());
  LineChunk chunk;
  ASSERT_TRUE(*chunker.Next(&chunk));
  EXPECT_EQ(chunk.view(), "a\nbb\r\n\nccc\n");  // CRLF kept, '\n' added at the end
  EXPECT_EQ(chunk.first_line, 1u);
  EXPECT_EQ(chunk.line_count, 4u);
  EXPECT_TRUE(chunk.last_line_unterminated);
  EXPECT_TRUE(chunk.oversized_lines.empty());
  EXPECT_FALSE(*chunker.Next(&chunk));
}

TEST(LineChunkerTest, OversizedLinesBecomeEmpty) {
  auto in = StringInput("short\n" + std::string(100, 'x') + "\nok\n" + std::string(11, 'y') + "\n" +
                        std::string(10, 'z') + "\n");
  LineChunker chunker(in.get(), 1 << 20, 10);
  LineChunk chunk;
  ASSERT_TRUE(*chunker.Next(&chunk));
  EXPECT_EQ(chunk.view(), "short\n\nok\n\n" + std::string(10, 'z') + "\n");
  EXPECT_EQ(chunk.oversized_lines, (std::vector<uint64_t>{2, 4}));
  EXPECT_EQ(chunk.line_count, 5u);
  EXPECT_FALSE(chunk.last_line_unterminated);
}

TEST(LineChunkerTest, OversizedUnterminatedLastLineIsFlagged) {
  for (size_t piece : {1, 4, 1000}) {
    ExpectMatchesModel("a\n" + std::string(50, 'q'), 8, 10, piece, piece);
    ExpectMatchesModel(std::string(50, 'q'), 8, 10, piece, piece);
  }
}

TEST(LineChunkerTest, CrlfKeptAsIs) {
  ExpectMatchesModel("a\r\nb\r\n\r\n\rc\r", 4, 100, 3, 1);
  ExpectMatchesModel("a\r\nb\r\n\r\n\rc\r", 1 << 20, 100, 1000, 1);
}

TEST(LineChunkerTest, ChunksRespectTargetSize) {
  std::string input;
  for (int i = 0; i < 10000; ++i) input += "line " + std::to_string(i) + "\n";
  auto in = StringInput(input);
  LineChunker chunker(in.get(), 4096, 1 << 20);
  LineChunk chunk;
  int chunks = 0;
  std::string all;
  while (*chunker.Next(&chunk)) {
    ++chunks;
    all.append(chunk.view());
  }
  EXPECT_EQ(all, input);
  EXPECT_GT(chunks, 1);
}

TEST(LineChunkerTest, ZeroChunkBytesStillMakesProgress) {
  ExpectMatchesModel("a\nb\nc\n", 0, 100, 1, 1);
  ExpectMatchesModel("a\nb\nc", 0, 100, 100, 1);
}

std::string RandomLines(std::mt19937_64& rng, size_t max_line_len) {
  std::string s;
  const int lines = static_cast<int>(rng() % 40);
  for (int i = 0; i < lines; ++i) {
    const size_t len = rng() % 3 == 0 ? 0 : rng() % (max_line_len + 1);
    for (size_t k = 0; k < len; ++k) {
      const auto r = rng() % 20;
      s.push_back(r == 0 ? '\r' : r == 1 ? '\0' : static_cast<char>('a' + r));
    }
    s.push_back('\n');
  }
  if (rng() % 2) {  // an unterminated tail
    const size_t len = rng() % (max_line_len + 1);
    for (size_t k = 0; k < len; ++k) s.push_back('t');
  }
  return s;
}

TEST(LineChunkerTest, RandomInputsMatchModel) {
  std::mt19937_64 rng(424242);
  for (int i = 0; i < 4000; ++i) {
    const size_t max_line = rng() % 3 == 0 ? 1 << 20 : rng() % 40;
    const std::string input = RandomLines(rng, 60);
    const size_t chunk_bytes = rng() % 200;
    const size_t piece = 1 + rng() % (rng() % 2 ? 5 : 300);
    ExpectMatchesModel(input, chunk_bytes, max_line, piece, i);
    if (HasFatalFailure() || HasNonfatalFailure()) return;
  }
}

TEST(LineChunkerTest, LargeLinesAcrossReadBoundaries) {
  std::mt19937_64 rng(77);
  for (int i = 0; i < 12; ++i) {
    std::string input;
    while (input.size() < 600000) {
      const size_t len = rng() % 4 == 0 ? 70000 + rng() % 200000 : rng() % 3000;
      input.append(len, static_cast<char>('a' + rng() % 26));
      input.push_back('\n');
    }
    if (i % 2) input.append(100000, 'u');
    const size_t max_line = i < 6 ? 100000 : (1 << 20);
    ExpectMatchesModel(input, 1 + rng() % 100000, max_line, 1 + rng() % 200000, i);
  }
}

// Reusing one LineChunk for a second, shorter stream leaves no stale bytes.
TEST(LineChunkerTest, ReusedChunkIsRezeroed) {
  const std::string input = std::string(5000, 'a') + "\n" + "b\n";
  auto in = StringInput(input);
  LineChunker chunker(in.get(), 100, 1 << 20);
  LineChunk chunk;
  std::string all;
  while (*chunker.Next(&chunk)) all.append(chunk.view());
  EXPECT_EQ(all, input);
  auto in2 = StringInput("x\n");
  LineChunker c2(in2.get(), 100, 1 << 20);
  ASSERT_TRUE(*c2.Next(&chunk));
  EXPECT_EQ(chunk.view(), "x\n");
  EXPECT_EQ(chunk.first_line, 1u);
  EXPECT_TRUE(chunk.oversized_lines.empty());
  EXPECT_FALSE(chunk.last_line_unterminated);
  for (size_t i = 0; i < kChunkPadding; ++i) ASSERT_EQ(chunk.bytes[2 + i], 0) << i;
}

// A read error comes after the whole lines read before it; the partial line
// is reported lost and the chunker then stays at end of stream.
TEST(LineChunkerTest, StreamErrorsAreReturnedAfterWholeLines) {
  test::FailingInput in("a\nb\npartial");
  LineChunker chunker(&in, 1 << 20, 1 << 20);
  LineChunk chunk;
  auto r = chunker.Next(&chunk);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_TRUE(*r);
  EXPECT_EQ(chunk.view(), "a\nb\n");
  EXPECT_EQ(chunk.line_count, 2u);
  EXPECT_FALSE(chunk.last_line_unterminated);
  r = chunker.Next(&chunk);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kIo);
  EXPECT_EQ(r.error().message(), "injected read failure");
  EXPECT_EQ(chunker.partial_lost(), 7u);
  r = chunker.Next(&chunk);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(*r);
}

TEST(LineChunkerTest, StreamErrorBeforeAnyLine) {
  test::FailingInput in("no newline yet");
  LineChunker chunker(&in, 1 << 20, 1 << 20);
  LineChunk chunk;
  auto r = chunker.Next(&chunk);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kIo);
  EXPECT_EQ(chunker.partial_lost(), 14u);
}

}  // namespace
}  // namespace swerl::io

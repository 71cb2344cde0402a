// Stream helpers for the io tests: sources that hand out bytes in awkward
// pieces, sinks that read with awkward buffer sizes, and a gzip member
// builder with control over every header field.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "swerl/io/input.h"

namespace swerl::io::test {

// Serves `data` in pieces of 1..max_piece bytes (random, seeded), like a
// pipe or a socket would. max_piece 1 means one byte per Read.
class TrickleInput final : public InputStream {
 public:
  TrickleInput(std::string data, size_t max_piece, uint64_t seed = 1)
      : inner_(StringInput(std::move(data), "trickle")), max_piece_(max_piece), rng_(seed) {}
  Result<size_t> Read(char* buf, size_t n) override {
    return inner_->Read(buf, std::min(n, 1 + static_cast<size_t>(rng_() % max_piece_)));
  }
  const std::string& name() const override { return inner_->name(); }
  uint64_t source_offset() const override { return inner_->source_offset(); }

 private:
  std::unique_ptr<InputStream> inner_;
  size_t max_piece_;
  std::mt19937_64 rng_;
};

// Serves `data` the way a mapped file does: all of it through Mapped(),
// nothing through Read (which fails, so a reader that should work in place
// and copies instead is caught; empty data, like an empty file, is not
// mapped and reads as EOF). Records what Consumed reports.
class MappedStringInput final : public InputStream {
 public:
  explicit MappedStringInput(std::string data, std::string name = "mapped")
      : data_(std::move(data)), name_(std::move(name)) {}
  Result<size_t> Read(char*, size_t) override {
    if (data_.empty()) return size_t{0};
    return Error(Code::kIo, "Read called on a mapped source");
  }
  const std::string& name() const override { return name_; }
  uint64_t source_offset() const override { return consumed_; }
  std::string_view Mapped() const override { return data_; }
  void Consumed(uint64_t n) override {
    if (n < consumed_ || n > data_.size()) consumed_went_wrong_ = true;
    consumed_ = n;
  }
  // Whether Consumed ever went backwards or past the end.
  bool consumed_went_wrong() const { return consumed_went_wrong_; }

 private:
  std::string data_;
  std::string name_;
  uint64_t consumed_ = 0;
  bool consumed_went_wrong_ = false;
};

// Serves `data`, then fails every later Read with kIo.
class FailingInput final : public InputStream {
 public:
  explicit FailingInput(std::string data) : inner_(StringInput(std::move(data), "failing")) {}
  Result<size_t> Read(char* buf, size_t n) override {
    SWERL_ASSIGN_OR_RETURN(size_t got, inner_->Read(buf, n));
    if (got == 0) return Error(Code::kIo, "injected read failure");
    return got;
  }
  const std::string& name() const override { return inner_->name(); }
  uint64_t source_offset() const override { return inner_->source_offset(); }

 private:
  std::unique_ptr<InputStream> inner_;
};

// Reads `in` to the end with buffers of 1..max_buf bytes (random, seeded).
inline Result<std::string> ReadAllPieces(InputStream& in, size_t max_buf, uint64_t seed = 7) {
  std::mt19937_64 rng(seed);
  std::string out;
  std::string buf(max_buf, '\0');
  for (;;) {
    const size_t want = 1 + static_cast<size_t>(rng() % max_buf);
    SWERL_ASSIGN_OR_RETURN(size_t got, in.Read(buf.data(), want));
    if (got > want) return Error(Code::kInvalidInput, "Read returned more than asked");
    if (got == 0) return out;
    out.append(buf.data(), got);
  }
}

// Raw deflate (no wrapper) of `data` at `level`.
inline std::string RawDeflate(const std::string& data, int level = 6) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  std::string out(deflateBound(&zs, data.size()) + 16, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

inline void PutLe32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

struct MemberOptions {
  int level = 6;
  std::string extra;  // FEXTRA payload when has_extra
  bool has_extra = false;
  std::string name;         // FNAME when non-empty
  std::string comment;      // FCOMMENT when non-empty
  bool header_crc = false;  // FHCRC
};

// One gzip member (RFC 1952) of `data`, built by hand.
inline std::string GzipMember(const std::string& data, const MemberOptions& opt = {}) {
  std::string m = "\x1f\x8b\x08";
  unsigned char flags = 0;
  if (opt.header_crc) flags |= 0x02;
  if (opt.has_extra) flags |= 0x04;
  if (!opt.name.empty()) flags |= 0x08;
  if (!opt.comment.empty()) flags |= 0x10;
  m.push_back(static_cast<char>(flags));
  m += std::string("\x12\x34\x56\x78", 4);  // MTIME
  m.push_back('\0');                        // XFL
  m.push_back('\x03');                      // OS: Unix
  if (opt.has_extra) {
    m.push_back(static_cast<char>(opt.extra.size() & 0xFF));
    m.push_back(static_cast<char>(opt.extra.size() >> 8));
    m += opt.extra;
  }
  if (!opt.name.empty()) m += opt.name + std::string(1, '\0');
  if (!opt.comment.empty()) m += opt.comment + std::string(1, '\0');
  if (opt.header_crc) {
    const uLong crc =
        crc32(0, reinterpret_cast<const Bytef*>(m.data()), static_cast<uInt>(m.size()));
    m.push_back(static_cast<char>(crc & 0xFF));
    m.push_back(static_cast<char>((crc >> 8) & 0xFF));
  }
  m += RawDeflate(data, opt.level);
  PutLe32(&m, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()),
                                          static_cast<uInt>(data.size()))));
  PutLe32(&m, static_cast<uint32_t>(data.size()));
  return m;
}

// Random bytes; `text` makes them compressible (a small alphabet and
// repeated words) so the deflate data uses Huffman blocks, not stored ones.
inline std::string RandomData(size_t n, uint64_t seed, bool text) {
  std::mt19937_64 rng(seed);
  std::string s;
  s.reserve(n);
  if (!text) {
    s.resize(n);
    for (size_t i = 0; i < n; i += 8) {
      const uint64_t r = rng();
      std::memcpy(s.data() + i, &r, std::min<size_t>(8, n - i));
    }
    return s;
  }
  static const char* kWords[] = {"push", "fork", "{\"id\":", "\"type\":\"PushEvent\"", "\n",
                                 "repo", " ",    "12345",    "\xC3\xA9t\xC3\xA9",      "watch"};
  while (s.size() < n) {
    if (rng() % 8 == 0) {
      s.push_back(static_cast<char>('a' + rng() % 26));
    } else {
      s += kWords[rng() % (sizeof kWords / sizeof kWords[0])];
    }
  }
  s.resize(n);
  return s;
}

}  // namespace swerl::io::test

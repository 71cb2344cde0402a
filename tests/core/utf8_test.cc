// IsValidUtf8 and AppendRepairedUtf8, checked byte for byte against
// Python's bytes.decode('utf-8', 'strict' / 'replace') on many random and
// adversarial inputs.
#include "swerl/core/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "testing/testing.h"

namespace swerl {
namespace {

std::string Repair(std::string_view s, size_t* count = nullptr) {
  std::string out;
  const size_t n = AppendRepairedUtf8(&out, s);
  if (count) *count = n;
  return out;
}

constexpr const char* kFffd = "\xEF\xBF\xBD";

TEST(Utf8Test, HandPickedCases) {
  struct Case {
    std::string in;
    std::string repaired;
    size_t replacements;
  };
  const std::string R = kFffd;
  const std::vector<Case> cases = {
      {"", "", 0},
      {"plain ascii", "plain ascii", 0},
      {std::string("a\0b", 3), std::string("a\0b", 3), 0},
      {"\xC3\xA9t\xC3\xA9", "\xC3\xA9t\xC3\xA9", 0},
      {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80", 0},  // U+1F600
      {"\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF", 0},  // U+10FFFF
      {"\xEF\xBF\xBD", "\xEF\xBF\xBD", 0},          // a real U+FFFD
      {"\x80", R, 1},                               // lone continuation
      {"\x80\x80\x80", R + R + R, 3},               // one per byte
      {"\xC0\xAF", R + R, 2},                       // overlong '/'
      {"\xC1\xBF", R + R, 2},                       // overlong
      {"\xE0\x80\xAF", R + R + R, 3},               // overlong 3-byte
      {"\xF0\x80\x80\xAF", R + R + R + R, 4},       // overlong 4-byte
      {"\xED\xA0\x80", R + R + R, 3},               // surrogate D800
      {"\xED\xBF\xBF", R + R + R, 3},               // surrogate DFFF
      {"\xED\x9F\xBF", "\xED\x9F\xBF", 0},          // U+D7FF is fine
      {"\xF4\x90\x80\x80", R + R + R + R, 4},       // above U+10FFFF
      {"\xF5\x80\x80\x80", R + R + R + R, 4},       // F5 never valid
      {"\xFF", R, 1},
      {"\xC3", R, 1},                               // truncated 2-byte
      {"\xE2\x82", R, 1},                           // truncated 3-byte
      {"\xF0\x9F\x98", R, 1},                       // truncated 4-byte
      {"\xE2\x82x", R + "x", 1},                    // cut by ASCII
      {"\xF0\x9F\x98\xC3\xA9", R + "\xC3\xA9", 1},  // cut by a valid seq
      {"\xE2\x28\xA1", R + "(" + R, 2},
      {"a\xF0\x9F\x98\x80\xFFz", "a\xF0\x9F\x98\x80" + R + "z", 1},
  };
  for (const auto& c : cases) {
    size_t n = 99;
    EXPECT_EQ(Repair(c.in, &n), c.repaired) << ::testing::PrintToString(c.in);
    EXPECT_EQ(n, c.replacements) << ::testing::PrintToString(c.in);
    EXPECT_EQ(IsValidUtf8(c.in), c.replacements == 0) << ::testing::PrintToString(c.in);
  }
}

TEST(Utf8Test, AppendsToExistingContent) {
  std::string out = "prefix:";
  EXPECT_EQ(AppendRepairedUtf8(&out, "\xFFok"), 1u);
  EXPECT_EQ(out, std::string("prefix:") + kFffd + "ok");
}

// Every code point encodes to valid UTF-8 that repair leaves alone, and
// every surrogate encoding is invalid.
TEST(Utf8Test, AllScalarValuesRoundTrip) {
  auto encode = [](uint32_t cp) {
    std::string s;
    AppendUtf8(&s, cp);
    return s;
  };
  EXPECT_EQ(encode(0x24), "$");
  EXPECT_EQ(encode(0xA2), "\xC2\xA2");
  EXPECT_EQ(encode(0x20AC), "\xE2\x82\xAC");
  EXPECT_EQ(encode(0x10348), "\xF0\x90\x8D\x88");
  std::string all;
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    const std::string s = encode(cp);
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    if (surrogate) {
      ASSERT_FALSE(IsValidUtf8(s)) << cp;
      size_t n = 0;
      ASSERT_EQ(Repair(s, &n), std::string(kFffd) + kFffd + kFffd) << cp;
      ASSERT_EQ(n, 3u);
    } else {
      all += s;
    }
  }
  EXPECT_TRUE(IsValidUtf8(all));
  size_t n = 1;
  EXPECT_EQ(Repair(all, &n), all);
  EXPECT_EQ(n, 0u);
}

// --- differential test against Python -----------------------------------------

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint32_t GetU32(const std::string& s, size_t* pos) {
  if (*pos + 4 > s.size()) throw std::runtime_error("short oracle output");
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(s[*pos + i])} << (8 * i);
  *pos += 4;
  return v;
}

// Reads length-prefixed byte strings and writes, for each: valid (1 byte),
// replacements (u32), repaired length (u32), repaired bytes.
constexpr const char* kOracle = R"PY(
import codecs, struct, sys
count = 0
def handler(e):
    global count
    count += 1
    return ('\ufffd', e.end)
codecs.register_error('swerl_count', handler)
data = open(sys.argv[1], 'rb').read()
n, = struct.unpack_from('<I', data, 0)
pos = 4
out = bytearray()
for _ in range(n):
    ln, = struct.unpack_from('<I', data, pos); pos += 4
    b = data[pos:pos + ln]; pos += ln
    try:
        b.decode('utf-8', 'strict'); valid = 1
    except UnicodeDecodeError:
        valid = 0
    count = 0
    rep = b.decode('utf-8', 'swerl_count').encode('utf-8')
    assert rep == b.decode('utf-8', 'replace').encode('utf-8')
    out += struct.pack('<BII', valid, count, len(rep)) + rep
open(sys.argv[2], 'wb').write(out)
)PY";

// Bytes that sit on the edges of the UTF-8 lead/continuation ranges.
constexpr unsigned char kEdgeBytes[] = {
    0x00, 0x0A, 0x41, 0x7F, 0x80, 0x81, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
    0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF7, 0xF8, 0xFB, 0xFC, 0xFE, 0xFF};

std::string RandomValidUtf8(std::mt19937_64& rng, size_t n_chars) {
  std::string s;
  for (size_t i = 0; i < n_chars; ++i) {
    uint32_t cp;
    switch (rng() % 4) {
      case 0:
        cp = rng() % 0x80;
        break;
      case 1:
        cp = 0x80 + rng() % (0x800 - 0x80);
        break;
      case 2:
        do cp = 0x800 + rng() % (0x10000 - 0x800);
        while (cp >= 0xD800 && cp <= 0xDFFF);
        break;
      default:
        cp = 0x10000 + rng() % (0x110000 - 0x10000);
        break;
    }
    AppendUtf8(&s, cp);
  }
  return s;
}

std::vector<std::string> MakeInputs() {
  std::vector<std::string> in;
  // Every 1- and 2-byte string, and every 3-byte string over the edge bytes.
  for (int a = 0; a < 256; ++a) in.push_back(std::string(1, static_cast<char>(a)));
  for (int a = 0x80; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      in.push_back({static_cast<char>(a), static_cast<char>(b)});
    }
  }
  for (unsigned char a : kEdgeBytes) {
    for (unsigned char b : kEdgeBytes) {
      for (unsigned char c : kEdgeBytes) {
        in.push_back({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
      }
    }
  }
  // Named traps.
  const char* traps[] = {"\xED\xA0\x80",
                         "\xED\xA0\x80\xED\xB0\x80",
                         "\xF4\x90\x80\x80",
                         "\xF4\x90",
                         "\xE0\x9F\xBF",
                         "\xF0\x8F\xBF\xBF",
                         "\xC0\x80",
                         "\xE0\x80\x80",
                         "\xF0\x80\x80\x80",
                         "\xF8\x88\x80\x80\x80",
                         "\xFC\x84\x80\x80\x80\x80",
                         "\xEF\xBB\xBF",
                         "\xF0\x9F\x98",
                         "\xE2\x82",
                         "\xC3",
                         "\x80\xBF",
                         "\xED\x9F\xBF\xEE\x80\x80"};
  for (const char* t : traps) in.push_back(t);

  std::mt19937_64 rng(20240501);
  for (int i = 0; i < 4000; ++i) {
    std::string s;
    const size_t len = rng() % 40;
    switch (i % 4) {
      case 0:  // uniform bytes
        for (size_t k = 0; k < len; ++k) s += static_cast<char>(rng() & 0xFF);
        break;
      case 1:  // edge bytes only
        for (size_t k = 0; k < len; ++k) {
          s += static_cast<char>(kEdgeBytes[rng() % sizeof kEdgeBytes]);
        }
        break;
      default: {  // valid text with a few mutations
        s = RandomValidUtf8(rng, len);
        const int muts = static_cast<int>(rng() % 4);
        for (int m = 0; m < muts && !s.empty(); ++m) {
          const size_t at = rng() % s.size();
          switch (rng() % 4) {
            case 0:
              s.erase(at, 1);
              break;
            case 1:
              s.insert(at, 1, static_cast<char>(kEdgeBytes[rng() % sizeof kEdgeBytes]));
              break;
            case 2:
              s[at] = static_cast<char>(rng() & 0xFF);
              break;
            default:
              s.resize(at);
              break;
          }
        }
      }
    }
    in.push_back(std::move(s));
  }
  // A few long strings, so the vectorised validator sees whole blocks with
  // an error at every alignment.
  const std::string long_valid = RandomValidUtf8(rng, 300);
  in.push_back(long_valid);
  for (size_t at = 0; at < 140; ++at) {
    std::string s = long_valid;
    s[at] = static_cast<char>(0xFF);
    in.push_back(s);
    std::string t = std::string(at, 'x') + "\xED\xA0\x80" + std::string(100, 'y');
    in.push_back(t);
    in.push_back(std::string(at, 'z') + "\xE2\x82");  // truncated at the very end
  }
  return in;
}

TEST(Utf8Test, MatchesPythonDecodeReplace) {
  const std::vector<std::string> inputs = MakeInputs();
  ASSERT_GT(inputs.size(), 40000u);
  testing::TempDir dir;
  std::string blob;
  PutU32(&blob, static_cast<uint32_t>(inputs.size()));
  for (const auto& s : inputs) {
    PutU32(&blob, static_cast<uint32_t>(s.size()));
    blob += s;
  }
  testing::WriteFile(dir.Join("in.bin"), blob);
  const auto run =
      testing::Run({SWERL_PYTHON, "-c", kOracle, dir.Join("in.bin"), dir.Join("out.bin")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string expected = testing::ReadFile(dir.Join("out.bin"));

  size_t pos = 0;
  int failures = 0;
  for (const auto& s : inputs) {
    ASSERT_LT(pos, expected.size());
    const bool valid = expected[pos++] != 0;
    const uint32_t count = GetU32(expected, &pos);
    const uint32_t len = GetU32(expected, &pos);
    const std::string repaired = expected.substr(pos, len);
    pos += len;
    size_t got_count = 0;
    const std::string got = Repair(s, &got_count);
    const bool ok =
        IsValidUtf8(s) == valid && got == repaired && got_count == count && IsValidUtf8(got);
    if (!ok && ++failures <= 10) {
      ADD_FAILURE() << "input " << ::testing::PrintToString(s) << "\n python: valid=" << valid
                    << " count=" << count << " " << ::testing::PrintToString(repaired)
                    << "\n swerl:  valid=" << IsValidUtf8(s) << " count=" << got_count << " "
                    << ::testing::PrintToString(got);
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(pos, expected.size());
}

}  // namespace
}  // namespace swerl

// GzipInput with both backends on identical inputs: round trips, members,
// truncation at every cut, damaged trailers and data, padding and garbage,
// optional header fields, and awkward read / source piece sizes.
#include "swerl/io/gzip.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "io/test_streams.h"
#include "testing/testing.h"

namespace swerl::io {
namespace {

using test::GzipMember;
using test::MemberOptions;
using test::RandomData;
using test::ReadAllPieces;
using test::TrickleInput;

// Each test runs with both backends, on a source read through Read and on
// one mapped in memory (the decoder inflates it in place).
using GzipParam = std::tuple<GzipBackend, bool>;

std::string ParamName(const ::testing::TestParamInfo<GzipParam>& info) {
  return std::string(std::get<0>(info.param) == GzipBackend::kIsal ? "Isal" : "Zlib") +
         (std::get<1>(info.param) ? "Mapped" : "Read");
}

class GzipTest : public ::testing::TestWithParam<GzipParam> {
 protected:
  GzipBackend backend() const { return std::get<0>(GetParam()); }
  bool mapped() const { return std::get<1>(GetParam()); }

  std::unique_ptr<InputStream> Open(std::string compressed) {
    if (mapped()) {
      return GzipInput(std::make_unique<test::MappedStringInput>(std::move(compressed), "test.gz"),
                       backend());
    }
    return GzipInput(StringInput(std::move(compressed), "test.gz"), backend());
  }
  Result<std::string> Decode(std::string compressed) {
    auto in = Open(std::move(compressed));
    return ReadAll(*in);
  }
  // Source handed out in pieces of 1..piece bytes, read with buffers of
  // 1..buf bytes.
  Result<std::string> DecodeAwkward(std::string compressed, size_t piece, size_t buf,
                                    uint64_t seed = 1) {
    auto in =
        GzipInput(std::make_unique<TrickleInput>(std::move(compressed), piece, seed), backend());
    return ReadAllPieces(*in, buf, seed + 100);
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, GzipTest,
                         ::testing::Combine(::testing::Values(GzipBackend::kIsal,
                                                              GzipBackend::kZlib),
                                            ::testing::Bool()),
                         ParamName);

#define EXPECT_CORRUPT(result, substring)                                                       \
  do {                                                                                          \
    const auto& r_ = (result);                                                                  \
    ASSERT_FALSE(r_.has_value()) << "decoded " << r_->size() << " bytes";                       \
    EXPECT_EQ(r_.error().code(), Code::kCorrupt) << r_.error().message();                       \
    EXPECT_NE(r_.error().message().find(substring), std::string::npos) << r_.error().message(); \
  } while (0)

TEST(GzipBackendTest, DefaultResolves) {
  EXPECT_EQ(DefaultGzipBackend(), IsalAvailable() ? GzipBackend::kIsal : GzipBackend::kZlib);
}

TEST_P(GzipTest, RoundTripManySizes) {
  const size_t sizes[] = {0,     1,     2,      3,      7,      63,     64,     255,
                          256,   1000,  4095,   4096,   32767,  32768,  65535,  65536,
                          65537, 99999, 262143, 262144, 262145, 524288, 1048583};
  uint64_t seed = 1;
  for (size_t n : sizes) {
    for (bool text : {true, false}) {
      const std::string data = RandomData(n, ++seed, text);
      for (int level : {0, 1, 9}) {
        if (level == 9 && n > 100000) continue;  // slow to compress, nothing new
        MemberOptions opt;
        opt.level = level;
        auto got = Decode(GzipMember(data, opt));
        ASSERT_TRUE(got.has_value())
            << n << " " << text << " " << level << ": " << got.error().message();
        ASSERT_EQ(got->size(), data.size()) << n << " " << text << " " << level;
        ASSERT_TRUE(*got == data) << n << " " << text << " " << level;
      }
      if (n <= 100000) {
        auto via_testing = Decode(testing::Gzip(data));
        ASSERT_TRUE(via_testing.has_value()) << via_testing.error().message();
        ASSERT_TRUE(*via_testing == data);
      }
    }
  }
}

TEST_P(GzipTest, EmptyCompressedInputIsAnError) {
  EXPECT_CORRUPT(Decode(""), "empty input is not a gzip stream");
  auto in = Open("");
  auto r = in->Read(nullptr, 0);  // a zero-byte read asks for nothing
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 0u);
}

TEST_P(GzipTest, GzipOfEmptyDataIsEmpty) {
  auto got = Decode(testing::Gzip(""));
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(*got, "");
  // Several empty members are still empty.
  auto three = Decode(GzipMember("") + GzipMember("") + GzipMember(""));
  ASSERT_TRUE(three.has_value()) << three.error().message();
  EXPECT_EQ(*three, "");
}

TEST_P(GzipTest, NotGzip) {
  EXPECT_CORRUPT(Decode("hello world\n"), "not in gzip format");
  // Zeros are padding only after a member: an all-zero file (a preallocated
  // download that never arrived) is not an empty gzip stream.
  EXPECT_CORRUPT(Decode(std::string(1, '\0')), "not in gzip format");
  EXPECT_CORRUPT(Decode(std::string(4096, '\0')), "not in gzip format");
  EXPECT_CORRUPT(Decode(std::string(2, '\0') + GzipMember("x")), "not in gzip format");
  EXPECT_CORRUPT(Decode(std::string(10, '\x8b')), "not in gzip format");
}

// RFC 1952: reserved FLG bits must be zero and CM must be 8 (deflate). isa-l
// alone would accept both (found by the gzip fuzz target).
TEST_P(GzipTest, ReservedFlagsAndOtherMethodsAreRejected) {
  const std::string good = GzipMember("a\n");
  for (int bit : {0x20, 0x40, 0x80}) {
    std::string bad = good;
    bad[3] = static_cast<char>(bad[3] | bit);
    EXPECT_CORRUPT(Decode(bad), "reserved gzip header flags set");
    EXPECT_CORRUPT(Decode(good + bad), "reserved gzip header flags set");  // second member
  }
  std::string other = good;
  other[2] = 7;
  EXPECT_CORRUPT(Decode(other), "unsupported gzip compression method");
  EXPECT_CORRUPT(Decode(good.substr(0, 3)), "truncated");
}

TEST_P(GzipTest, ReadAfterEndKeepsReturningZero) {
  auto in = Open(GzipMember("abc"));
  char buf[16];
  auto r = in->Read(buf, sizeof buf);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(*r, 3u);
  for (int i = 0; i < 3; ++i) {
    r = in->Read(buf, sizeof buf);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(*r, 0u);
  }
  EXPECT_EQ(in->name(), "test.gz");
  EXPECT_EQ(in->source_offset(), GzipMember("abc").size());
}

TEST_P(GzipTest, MultiMemberRandomSplits) {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 30; ++round) {
    const size_t n = round < 25 ? rng() % 5000 : 300000 + rng() % 300000;
    const std::string data = RandomData(n, 1000 + round, round % 3 != 0);
    // Cut into 1..6 members; empty members are allowed.
    std::vector<size_t> cuts = {0, n};
    const int members = 1 + static_cast<int>(rng() % 6);
    for (int i = 1; i < members; ++i) cuts.push_back(n ? rng() % (n + 1) : 0);
    std::sort(cuts.begin(), cuts.end());
    std::string gz;
    for (size_t i = 0; i + 1 < cuts.size(); ++i) {
      MemberOptions opt;
      opt.level = static_cast<int>(rng() % 10);
      gz += GzipMember(data.substr(cuts[i], cuts[i + 1] - cuts[i]), opt);
    }
    auto whole = Decode(gz);
    ASSERT_TRUE(whole.has_value()) << round << ": " << whole.error().message();
    ASSERT_TRUE(*whole == data) << round;
    if (n < 10000) {
      auto awkward = DecodeAwkward(gz, 1 + rng() % 16, 1 + rng() % 64, round);
      ASSERT_TRUE(awkward.has_value()) << round << ": " << awkward.error().message();
      ASSERT_TRUE(*awkward == data) << round;
    }
  }
}

TEST_P(GzipTest, OneByteAtATime) {
  const std::string data = RandomData(40000, 5, true);
  const std::string gz = GzipMember(data.substr(0, 30000)) + GzipMember(data.substr(30000));
  // One-byte reads from a normal source.
  auto in = Open(gz);
  auto got = ReadAllPieces(*in, 1);
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_TRUE(*got == data);
  // One-byte source pieces with large reads, and both at once.
  auto trickle = DecodeAwkward(gz, 1, 1 << 16);
  ASSERT_TRUE(trickle.has_value()) << trickle.error().message();
  EXPECT_TRUE(*trickle == data);
  auto both = DecodeAwkward(gz, 1, 1);
  ASSERT_TRUE(both.has_value()) << both.error().message();
  EXPECT_TRUE(*both == data);
}

// Cuts a three-member file at every byte. Cuts at member boundaries are
// valid files; cut 0 is empty input; every other cut must be reported as
// truncated, and whatever was produced before must be a prefix of the data.
TEST_P(GzipTest, TruncatedAtEveryCut) {
  const std::vector<std::string> parts = {RandomData(300, 11, true), "",
                                          RandomData(200, 12, false)};
  std::string gz, data;
  std::vector<size_t> boundaries;
  std::vector<size_t> data_at_boundary;
  for (const auto& p : parts) {
    gz += GzipMember(p);
    data += p;
    boundaries.push_back(gz.size());
    data_at_boundary.push_back(data.size());
  }
  for (size_t cut = 0; cut <= gz.size(); ++cut) {
    const std::string prefix = gz.substr(0, cut);
    const auto b = std::find(boundaries.begin(), boundaries.end(), cut);
    for (int mode = 0; mode < 2; ++mode) {
      auto in = mode == 0 ? Open(prefix)
                          : GzipInput(std::make_unique<TrickleInput>(prefix, 3, cut), backend());
      std::string out;
      char buf[97];
      Status st = OkStatus();
      for (;;) {
        auto r = in->Read(buf, mode == 0 ? sizeof buf : 1 + cut % 5);
        if (!r.has_value()) {
          st = std::move(r).error();
          break;
        }
        if (*r == 0) break;
        out.append(buf, *r);
      }
      SCOPED_TRACE("cut " + std::to_string(cut) + " of " + std::to_string(gz.size()) + " mode " +
                   std::to_string(mode));
      ASSERT_LE(out.size(), data.size());
      ASSERT_EQ(out, data.substr(0, out.size()));
      if (cut == 0) {
        ASSERT_FALSE(st.has_value());
        EXPECT_NE(st.error().message().find("empty input"), std::string::npos);
      } else if (b != boundaries.end()) {
        ASSERT_TRUE(st.has_value()) << st.error().message();
        EXPECT_EQ(out.size(), data_at_boundary[b - boundaries.begin()]);
      } else {
        ASSERT_FALSE(st.has_value()) << "accepted a truncated stream";
        EXPECT_EQ(st.error().code(), Code::kCorrupt);
        EXPECT_NE(st.error().message().find("truncated"), std::string::npos)
            << st.error().message();
        EXPECT_NE(st.error().message().find(in->name()), std::string::npos);
      }
    }
  }
}

// Reads until end or error; returns what was decoded and the final status.
std::pair<std::string, Status> DecodeUntilError(InputStream& in) {
  std::string out;
  char buf[1 << 16];
  for (;;) {
    auto got = in.Read(buf, sizeof buf);
    if (!got) return {out, std::move(got).error()};
    if (*got == 0) return {out, OkStatus()};
    out.append(buf, *got);
  }
}

// Damage stops decoding, but everything decoded before it reaches the
// caller first (swerl events keeps the lines before the damage), and the
// error is sticky.
TEST_P(GzipTest, BytesBeforeTheDamageAreDelivered) {
  const std::string data = RandomData(3 << 20, 9, true);
  const std::string gz = GzipMember(data);
  {  // bad CRC: all data, then the error
    std::string bad = gz;
    bad[bad.size() - 8] ^= 0x01;
    auto in = Open(bad);
    auto [out, st] = DecodeUntilError(*in);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(out, data);
    EXPECT_FALSE(in->Read(std::string(16, '\0').data(), 16).has_value());
  }
  {  // a flipped byte in the last quarter: a long correct prefix, then the error
    std::string bad = gz;
    bad[gz.size() * 3 / 4] ^= 0x55;
    auto in = Open(bad);
    auto [out, st] = DecodeUntilError(*in);
    ASSERT_FALSE(st.has_value());
    EXPECT_GT(out.size(), data.size() / 2);
    // Deflate may emit a few garbled bytes just before it notices the damage.
    const size_t same = std::mismatch(out.begin(), out.end(), data.begin()).first - out.begin();
    EXPECT_GT(same, data.size() / 2);
  }
}

TEST_P(GzipTest, CorruptTrailerIsRejected) {
  const std::string first = GzipMember(RandomData(5000, 3, true));
  const std::string second = GzipMember(RandomData(100, 4, true));
  for (const std::string& prefix : {std::string(), first}) {
    for (size_t k = 0; k < 8; ++k) {  // CRC-32 bytes, then ISIZE bytes
      for (unsigned char mask : {0x01, 0x80, 0xFF}) {
        std::string gz = prefix + second;
        gz[gz.size() - 8 + k] = static_cast<char>(gz[gz.size() - 8 + k] ^ mask);
        auto r = Decode(gz);
        ASSERT_FALSE(r.has_value()) << "byte " << k << " mask " << int{mask};
        EXPECT_EQ(r.error().code(), Code::kCorrupt) << r.error().message();
      }
    }
  }
  // A corrupt first member is caught before the second is read.
  std::string gz = first + second;
  gz[first.size() - 1] ^= 0x10;  // ISIZE of member 1
  auto r = Decode(gz);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kCorrupt);
}

// A damaged byte in the deflate data is caught (by the decoder or the
// CRC-32): the result is kCorrupt, or, where the flipped bits turn out to be
// irrelevant (padding, the code length of an unused symbol), exactly the
// original data. Never different data.
TEST_P(GzipTest, FlippedByteInDeflateDataIsRejected) {
  for (bool text : {true, false}) {
    const std::string data = RandomData(text ? 2000 : 300, 21, text);
    const std::string gz = GzipMember(data);
    int flips = 0, rejected = 0;
    for (size_t pos = 10; pos + 8 < gz.size(); ++pos) {
      for (unsigned char mask : {0x01, 0x20, 0xFF}) {
        std::string bad = gz;
        bad[pos] = static_cast<char>(bad[pos] ^ mask);
        auto r = Decode(bad);
        ++flips;
        if (r.has_value()) {
          ASSERT_TRUE(*r == data) << "pos " << pos << " mask " << int{mask}
                                  << ": damaged data decoded to different bytes";
        } else {
          ++rejected;
          EXPECT_EQ(r.error().code(), Code::kCorrupt) << r.error().message();
        }
      }
    }
    EXPECT_GE(rejected * 100, flips * 99) << rejected << " of " << flips;
  }
}

TEST_P(GzipTest, TrailingZeroPaddingIsAccepted) {
  const std::string data = RandomData(3000, 8, true);
  const std::string gz = GzipMember(data.substr(0, 1000)) + GzipMember(data.substr(1000));
  for (size_t zeros : {1, 2, 7, 512, 300000}) {
    const std::string padded = gz + std::string(zeros, '\0');
    auto r = Decode(padded);
    ASSERT_TRUE(r.has_value()) << zeros << ": " << r.error().message();
    EXPECT_TRUE(*r == data);
    auto a = DecodeAwkward(padded, 5, 100, zeros);
    ASSERT_TRUE(a.has_value()) << zeros << ": " << a.error().message();
    EXPECT_TRUE(*a == data);
  }
}

TEST_P(GzipTest, TrailingGarbageIsRejected) {
  const std::string member = GzipMember(RandomData(3000, 9, true));
  const std::string offset = "at compressed offset ";
  struct Case {
    std::string tail;
    size_t garbage_at;  // offset of the first bad byte after the member
  };
  const std::vector<Case> cases = {
      {"x", 0},
      {"garbage\n", 0},
      {std::string("\0\0\0x", 4), 3},
      {"\x8b\x1f", 0},
      {"\x1f\x8c", 0},
      {std::string("\0\x1f\x8b", 3), 1},
      {std::string(300000, '\0') + "!", 300000},
  };
  for (const auto& c : cases) {
    for (int awkward = 0; awkward < 2; ++awkward) {
      auto r = awkward ? DecodeAwkward(member + c.tail, 7, 4096) : Decode(member + c.tail);
      EXPECT_CORRUPT(r, "trailing garbage after gzip member");
      EXPECT_NE(r.error().message().find(offset + std::to_string(member.size() + c.garbage_at)),
                std::string::npos)
          << r.error().message();
    }
  }
}

// A second member cut short inside its magic or header is truncation, not
// garbage.
TEST_P(GzipTest, PartialSecondHeaderIsTruncation) {
  const std::string member = GzipMember("hello\n");
  const std::string next = GzipMember("world\n");
  for (size_t k = 1; k < 10; ++k) {
    auto r = Decode(member + next.substr(0, k));
    EXPECT_CORRUPT(r, "truncated");
  }
  EXPECT_CORRUPT(Decode("\x1f"), "truncated");
  EXPECT_CORRUPT(Decode("\x1f\x8b"), "truncated");
}

TEST_P(GzipTest, OptionalHeaderFields) {
  const std::string data = RandomData(20000, 31, true);
  for (int flags = 0; flags < 16; ++flags) {
    for (size_t extra_len : {size_t{0}, size_t{6}, size_t{65535}}) {
      if (!(flags & 1) && extra_len) continue;
      MemberOptions opt;
      opt.has_extra = flags & 1;
      opt.extra = RandomData(extra_len, extra_len + 1, false);
      if (flags & 2) opt.name = "events-2024-01-01-0.json";
      if (flags & 4) opt.comment = std::string(1000, 'c') + "\xC3\xA9";
      opt.header_crc = flags & 8;
      const std::string gz = GzipMember(data, opt) + GzipMember("tail\n", opt);
      SCOPED_TRACE("flags " + std::to_string(flags) + " extra " + std::to_string(extra_len));
      auto r = Decode(gz);
      ASSERT_TRUE(r.has_value()) << r.error().message();
      EXPECT_TRUE(*r == data + "tail\n");
      // Source pieces of 1..13 bytes and of exactly 1 byte: the header
      // arrives split at every possible place.
      for (size_t piece : {13, 1}) {
        auto a = DecodeAwkward(gz, piece, 5000, flags);
        ASSERT_TRUE(a.has_value()) << "piece " << piece << ": " << a.error().message();
        EXPECT_TRUE(*a == data + "tail\n");
      }
    }
  }
}

TEST_P(GzipTest, GzipToolOutputWithFileName) {
  testing::TempDir dir;
  const std::string data = RandomData(70000, 41, true);
  const std::string path = dir.Join("2024-01-01-15.json");
  testing::WriteFile(path, data);
  const auto run = testing::Run({"gzip", "-c", "-9", path});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_GT(run.out.size(), 10u);
  ASSERT_EQ(static_cast<unsigned char>(run.out[3]) & 0x08, 0x08) << "gzip stored no FNAME";
  // Two concatenated gzip(1) outputs, as `cat a.gz b.gz` makes.
  auto r = Decode(run.out + run.out);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_TRUE(*r == data + data);
}

// Python's gzip module writes the members; both backends must agree with it.
TEST_P(GzipTest, MatchesPythonGzipModule) {
  testing::TempDir dir;
  const std::string data = RandomData(200000, 51, true);
  testing::WriteFile(dir.Join("data"), data);
  const char* script = R"PY(
import gzip, sys
data = open(sys.argv[1], 'rb').read()
out = b''.join(gzip.compress(data[i * 20000:(i + 1) * 20000], compresslevel=(i % 10), mtime=i)
               for i in range(10))
open(sys.argv[2], 'wb').write(out)
assert gzip.decompress(out) == data
)PY";
  const auto run = testing::Run({SWERL_PYTHON, "-c", script, dir.Join("data"), dir.Join("out.gz")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto r = Decode(testing::ReadFile(dir.Join("out.gz")));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_TRUE(*r == data);
}

TEST_P(GzipTest, SourceErrorsPropagate) {
  const std::string gz = GzipMember(RandomData(5000, 61, false));
  for (size_t keep : {size_t{0}, size_t{1}, size_t{10}, gz.size() / 2, gz.size()}) {
    auto in = GzipInput(std::make_unique<test::FailingInput>(gz.substr(0, keep)), backend());
    auto r = ReadAll(*in);
    ASSERT_FALSE(r.has_value()) << keep;
    EXPECT_EQ(r.error().code(), Code::kIo) << r.error().message();
    EXPECT_EQ(r.error().message(), "injected read failure");
  }
}

TEST_P(GzipTest, DrainCountAndSourceOffset) {
  const std::string data = RandomData(777777, 71, true);
  const std::string gz = GzipMember(data.substr(0, 123)) + GzipMember(data.substr(123));
  auto in = Open(gz);
  auto n = DrainCount(*in);
  ASSERT_TRUE(n.has_value()) << n.error().message();
  EXPECT_EQ(*n, data.size());
  EXPECT_EQ(in->source_offset(), gz.size());

  auto bad = Open(gz.substr(0, gz.size() - 1));
  auto e = DrainCount(*bad);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code(), Code::kCorrupt);
}

// A mapped source is inflated in place: never Read (MappedStringInput's
// Read fails), progress counts compressed bytes, and the Consumed hints only
// move forward.
TEST(GzipMappedTest, MappedSourceIsReadInPlace) {
  const std::string data = RandomData(400000, 72, true);
  const std::string gz =
      GzipMember(data.substr(0, 99999)) + GzipMember(data.substr(99999)) + std::string(7, '\0');
  for (const GzipBackend backend : {GzipBackend::kIsal, GzipBackend::kZlib}) {
    auto source = std::make_unique<test::MappedStringInput>(gz, "m.gz");
    const test::MappedStringInput* raw = source.get();
    auto in = GzipInput(std::move(source), backend);
    auto got = test::ReadAllPieces(*in, 70000);
    ASSERT_TRUE(got.has_value()) << got.error().message();
    EXPECT_TRUE(*got == data);
    EXPECT_EQ(in->source_offset(), gz.size());
    EXPECT_FALSE(raw->consumed_went_wrong());
    EXPECT_GT(raw->source_offset(), gz.size() / 2);
  }
}

// The backends produce identical bytes and identical verdicts on random
// mutations of a small multi-member file.
TEST(GzipDifferentialTest, BackendsAgreeOnMutations) {
  const std::string data = RandomData(600, 81, true);
  const std::string gz = GzipMember(data.substr(0, 250)) + GzipMember(data.substr(250));
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::string m = gz;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits; ++k) {
      const size_t at = rng() % m.size();
      switch (rng() % 3) {
        case 0:
          m[at] = static_cast<char>(rng());
          break;
        case 1:
          m.erase(at, 1 + rng() % 4);
          break;
        default:
          m.insert(at, 1, static_cast<char>(rng()));
          break;
      }
      if (m.empty()) break;
    }
    auto zin = GzipInput(StringInput(m), GzipBackend::kZlib);
    auto iin = GzipInput(StringInput(m), GzipBackend::kIsal);
    auto z = ReadAll(*zin);
    auto s = ReadAll(*iin);
    ASSERT_EQ(z.has_value(), s.has_value()) << i << ": zlib " << (z ? "ok" : z.error().message())
                                            << " / isal " << (s ? "ok" : s.error().message());
    if (z.has_value()) {
      ASSERT_TRUE(*z == *s) << i;
    } else {
      EXPECT_EQ(z.error().code(), s.error().code()) << i;
    }
  }
}

}  // namespace
}  // namespace swerl::io

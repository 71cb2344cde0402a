// JsonWriter and its string / number formatting, checked by hand and against
// Python (json.loads reads our documents back; repr(float) for doubles).
#include "swerl/json/json_writer.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "swerl/core/utf8.h"
#include "testing/testing.h"

namespace swerl::json {
namespace {

std::string JsonString(std::string_view s, bool* valid = nullptr) {
  std::string out;
  const bool ok = AppendJsonString(&out, s);
  if (valid) *valid = ok;
  return out;
}

std::string Repr(double v) {
  std::string out;
  AppendPythonRepr(&out, v);
  return out;
}

TEST(JsonStringTest, EscapesEveryControlCharacter) {
  static const char* kHex = "0123456789abcdef";
  for (int c = 0; c < 0x20; ++c) {
    std::string expected;
    switch (c) {
      case '\b':
        expected = "\\b";
        break;
      case '\f':
        expected = "\\f";
        break;
      case '\n':
        expected = "\\n";
        break;
      case '\r':
        expected = "\\r";
        break;
      case '\t':
        expected = "\\t";
        break;
      default:
        expected = std::string("\\u00") + kHex[c >> 4] + kHex[c & 15];
    }
    bool valid = false;
    const std::string alone(1, static_cast<char>(c));
    std::string inside = "a";
    inside += static_cast<char>(c);
    inside += 'b';
    std::string quoted = "\"";
    quoted += expected;
    quoted += '"';
    EXPECT_EQ(JsonString(alone), quoted) << c;
    std::string quoted_inside = "\"a";
    quoted_inside += expected;
    quoted_inside += "b\"";
    EXPECT_EQ(JsonString(inside, &valid), quoted_inside) << c;
    EXPECT_TRUE(valid);
  }
  EXPECT_EQ(JsonString(std::string("\0\x1f", 2)), "\"\\u0000\\u001f\"");
}

TEST(JsonStringTest, QuotesAndBackslashes) {
  EXPECT_EQ(JsonString("\""), "\"\\\"\"");
  EXPECT_EQ(JsonString("\\"), "\"\\\\\"");
  EXPECT_EQ(JsonString("say \"hi\" \\o/"), "\"say \\\"hi\\\" \\\\o/\"");
  EXPECT_EQ(JsonString("/"), "\"/\"");  // solidus is not escaped
  EXPECT_EQ(JsonString(""), "\"\"");
}

TEST(JsonStringTest, PassesThroughDelAndLineSeparators) {
  bool valid = false;
  EXPECT_EQ(JsonString("\x7f", &valid), "\"\x7f\"");
  EXPECT_TRUE(valid);
  EXPECT_EQ(JsonString("\xE2\x80\xA8\xE2\x80\xA9"), "\"\xE2\x80\xA8\xE2\x80\xA9\"");
  EXPECT_EQ(JsonString("\xF0\x9F\x98\x80 \xC3\xA9 \xEF\xBF\xBD"),
            "\"\xF0\x9F\x98\x80 \xC3\xA9 \xEF\xBF\xBD\"");
}

TEST(JsonStringTest, RepairsInvalidUtf8) {
  bool valid = true;
  EXPECT_EQ(JsonString("a\xFF\"b", &valid), "\"a\xEF\xBF\xBD\\\"b\"");
  EXPECT_FALSE(valid);
  EXPECT_EQ(JsonString("\xED\xA0\x80\n", &valid), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\\n\"");
  EXPECT_FALSE(valid);
  // A truncated sequence swallowing the closing position is still closed.
  EXPECT_EQ(JsonString("x\xE2\x82", &valid), "\"x\xEF\xBF\xBD\"");
  EXPECT_FALSE(valid);
  // An invalid byte followed by a control character: both handled.
  EXPECT_EQ(JsonString("\xC3\x01", &valid), "\"\xEF\xBF\xBD\\u0001\"");
}

TEST(JsonWriterTest, NestedContainersAndCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a");
  w.BeginArray();
  w.Int(1);
  w.BeginObject();
  w.Key("b");
  w.BeginArray();
  w.EndArray();
  w.Key("c");
  w.Null();
  w.EndObject();
  w.BeginArray();
  w.Bool(true);
  w.Bool(false);
  w.EndArray();
  w.String("s");
  w.EndArray();
  w.Key("d");
  w.BeginObject();
  w.EndObject();
  w.Key("e");
  w.Raw("{\"pre\":[1,2]}");
  w.Key("f");
  w.Double(0.5);
  w.EndObject();
  EXPECT_EQ(out,
            R"({"a":[1,{"b":[],"c":null},[true,false],"s"],"d":{},"e":{"pre":[1,2]},"f":0.5})");
}

TEST(JsonWriterTest, TopLevelValuesAndReset) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.Int(1);
  w.BeginObject();
  w.Key("abandoned");
  // The record is abandoned here; Reset starts afresh.
  w.Reset();
  out.clear();
  w.BeginArray();  // a fresh top-level value: no comma, no dangling key
  w.Int(7);
  w.EndArray();
  out.clear();
  w.Reset();
  w.BeginObject();
  w.Key("k");
  w.Uint(2);
  w.EndObject();
  EXPECT_EQ(out, R"({"k":2})");
  out.clear();
  w.String("top");
  EXPECT_EQ(out, R"("top")");
}

TEST(JsonWriterTest, IntegerExtremes) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.Int(std::numeric_limits<int64_t>::min());
  w.Int(std::numeric_limits<int64_t>::max());
  w.Int(0);
  w.Int(-1);
  w.Uint(std::numeric_limits<uint64_t>::max());
  w.Uint(0);
  w.EndArray();
  EXPECT_EQ(out, "[-9223372036854775808,9223372036854775807,0,-1,18446744073709551615,0]");
}

TEST(JsonWriterTest, NonFiniteDoublesAreNull) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.Double(std::numeric_limits<double>::quiet_NaN());
  w.Double(std::numeric_limits<double>::infinity());
  w.Double(-std::numeric_limits<double>::infinity());
  w.Double(-0.0);
  w.Double(1e16);
  w.EndArray();
  EXPECT_EQ(out, "[null,null,null,-0.0,1e+16]");
}

TEST(JsonWriterTest, CountsRepairedStrings) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("ok");
  w.String("fine \xC3\xA9");
  EXPECT_EQ(w.utf8_repairs(), 0u);
  w.Key("bad\xFF");
  w.String("\xFF\xFE two bad bytes, one string");
  w.Key("also");
  w.String("\xC0\xAF");
  w.EndObject();
  EXPECT_EQ(w.utf8_repairs(), 3u);
  EXPECT_TRUE(IsValidUtf8(out));
  w.Reset();  // keeps the counter
  EXPECT_EQ(w.utf8_repairs(), 3u);
}

TEST(PythonReprTest, HandPicked) {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {1.0, "1.0"},
      {-1.5, "-1.5"},
      {0.1, "0.1"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {9999999999999998.0, "9999999999999998.0"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {1e-5, "1e-05"},
      {0.0001, "0.0001"},
      {0.00012345, "0.00012345"},
      {1.5e-7, "1.5e-07"},
      {1e100, "1e+100"},
      {1e-100, "1e-100"},
      {DBL_MAX, "1.7976931348623157e+308"},
      {DBL_MIN, "2.2250738585072014e-308"},
      {5e-324, "5e-324"},
      {2.5e-320, "2.5e-320"},
      {123.456, "123.456"},
      {100.0, "100.0"},
      {0.3, "0.3"},
      {1.0 / 3.0, "0.3333333333333333"},
  };
  for (const auto& [v, text] : cases) EXPECT_EQ(Repr(v), text) << text;
}

// --- differential tests against Python -----------------------------------------

std::vector<double> ReprInputs() {
  std::vector<double> v = {0.0,
                           -0.0,
                           1e16,
                           1e-5,
                           0.0001,
                           123456789012345678.0,
                           DBL_MAX,
                           -DBL_MAX,
                           DBL_MIN,
                           5e-324,
                           -5e-324,
                           DBL_EPSILON,
                           1e15,
                           9.999999999999999e15,
                           1e-4 * (1 - DBL_EPSILON),
                           0.5};
  for (int e = -330; e <= 310; ++e) {
    const double p = std::pow(10.0, e);
    v.push_back(p);
    v.push_back(std::nextafter(p, 0.0));
    v.push_back(std::nextafter(p, INFINITY));
    v.push_back(-3.0 * p);
  }
  std::erase_if(v, [](double d) { return !std::isfinite(d); });  // pow(10, 310) is inf
  std::mt19937_64 rng(1234);
  while (v.size() < 14000) {
    uint64_t bits = rng();
    double d;
    switch (rng() % 4) {
      case 0:  // subnormal
        bits &= 0x800FFFFFFFFFFFFFull;
        break;
      case 1: {  // a short decimal, the kind real data holds
        d = static_cast<double>(static_cast<int64_t>(rng() % 2000000) - 1000000) /
            std::pow(10.0, static_cast<int>(rng() % 12));
        v.push_back(d);
        continue;
      }
      default:
        break;
    }
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d)) v.push_back(d);
  }
  return v;
}

TEST(PythonReprTest, MatchesPythonOnRandomDoubles) {
  const std::vector<double> values = ReprInputs();
  ASSERT_GE(values.size(), 10000u);
  testing::TempDir dir;
  std::string hex;
  for (double d : values) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx\n", static_cast<unsigned long long>(bits));
    hex += buf;
  }
  testing::WriteFile(dir.Join("in.txt"), hex);
  const char* script = R"PY(
import struct, sys
out = []
for line in open(sys.argv[1]):
    out.append(repr(struct.unpack('<d', int(line, 16).to_bytes(8, 'little'))[0]))
open(sys.argv[2], 'w').write('\n'.join(out) + '\n')
)PY";
  const auto run =
      testing::Run({SWERL_PYTHON, "-c", script, dir.Join("in.txt"), dir.Join("out.txt")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string expected = testing::ReadFile(dir.Join("out.txt"));
  size_t pos = 0;
  int failures = 0;
  for (double d : values) {
    const size_t nl = expected.find('\n', pos);
    ASSERT_NE(nl, std::string::npos);
    const std::string want = expected.substr(pos, nl - pos);
    pos = nl + 1;
    const std::string got = Repr(d);
    if (got != want && ++failures <= 10) {
      ADD_FAILURE() << "repr(" << want << ") but swerl wrote " << got;
    }
    // And the text reads back to the same double.
    if (std::strtod(got.c_str(), nullptr) != d && ++failures <= 10) {
      ADD_FAILURE() << got << " does not read back";
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(pos, expected.size());
}

// Builds random documents with a JsonWriter while recording what Python
// should find in them, as one token per event ("{", "k:<key>", "s:<str>", ...).
class DocBuilder {
 public:
  explicit DocBuilder(uint64_t seed) : rng_(seed) {}

  std::string RandomString() {
    std::string s;
    const int n = static_cast<int>(rng_() % 12);
    for (int i = 0; i < n; ++i) {
      uint32_t cp;
      switch (rng_() % 10) {
        case 0:
          cp = rng_() % 0x20;
          break;  // control characters
        case 1: {
          static const uint32_t kSpecial[] = {'"',    '\\',   '/',    0x7F,     0x2028,
                                              0x2029, 0xFFFD, 0xFEFF, 0x10FFFF, 0xD7FF,
                                              0xE000, 0x80,   0x7FF};
          cp = kSpecial[rng_() % (sizeof kSpecial / sizeof kSpecial[0])];
          break;
        }
        case 2:
          cp = 0x10000 + rng_() % 0x100000;
          break;  // astral
        case 3:
          do cp = 0x80 + rng_() % (0x10000 - 0x80);
          while (cp >= 0xD800 && cp <= 0xDFFF);
          break;
        case 4: {  // raw invalid bytes
          static const char* kBad[] = {"\xFF",     "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                       "\xE2\x82", "\x80"};
          s += kBad[rng_() % (sizeof kBad / sizeof kBad[0])];
          continue;
        }
        default:
          cp = 0x20 + rng_() % 0x5F;
          break;  // printable ASCII
      }
      AppendUtf8(&s, cp);
    }
    return s;
  }

  // Writes one random value (depth-limited) to w and its tokens to *tokens.
  void Value(JsonWriter& w, int depth) {
    const int kind = static_cast<int>(rng_() % (depth > 3 ? 5 : 7));
    switch (kind) {
      case 0: {
        const std::string s = RandomString();
        w.String(s);
        Expect("s:", s);
        break;
      }
      case 1: {
        const auto v = static_cast<int64_t>(rng_());
        w.Int(v);
        tokens_.push_back("i:" + std::to_string(v));
        break;
      }
      case 2: {
        double d;
        const uint64_t bits = rng_();
        std::memcpy(&d, &bits, sizeof d);
        if (!std::isfinite(d)) d = static_cast<double>(rng_() % 1000) / 8;
        w.Double(d);
        std::string text;
        AppendPythonRepr(&text, d);
        tokens_.push_back("f:" + text);
        break;
      }
      case 3: {
        const bool b = rng_() % 2;
        w.Bool(b);
        tokens_.push_back(b ? "b:true" : "b:false");
        break;
      }
      case 4:
        w.Null();
        tokens_.push_back("n");
        break;
      case 5: {
        w.BeginArray();
        tokens_.push_back("[");
        const int n = static_cast<int>(rng_() % 5);
        for (int i = 0; i < n; ++i) Value(w, depth + 1);
        w.EndArray();
        tokens_.push_back("]");
        break;
      }
      default: {
        w.BeginObject();
        tokens_.push_back("{");
        const int n = static_cast<int>(rng_() % 5);
        for (int i = 0; i < n; ++i) {
          const std::string k = RandomString();
          w.Key(k);
          Expect("k:", k);
          Value(w, depth + 1);
        }
        w.EndObject();
        tokens_.push_back("}");
      }
    }
  }

  std::vector<std::string>& tokens() { return tokens_; }
  uint64_t invalid_strings() const { return invalid_strings_; }

 private:
  // The string Python should read back: the input, repaired when invalid
  // (repair itself is checked against Python in core/utf8_test).
  void Expect(const char* tag, const std::string& s) {
    std::string want = tag;
    if (IsValidUtf8(s)) {
      want += s;
    } else {
      ++invalid_strings_;
      AppendRepairedUtf8(&want, s);
    }
    tokens_.push_back(std::move(want));
  }

  std::mt19937_64 rng_;
  std::vector<std::string> tokens_;
  uint64_t invalid_strings_ = 0;
};

// Reads NDJSON strictly (UTF-8, no raw control characters) and writes each
// document's tokens as "<count>\n" then "<len>\n<bytes>" per token.
constexpr const char* kJsonOracle = R"PY(
import json, sys
out = bytearray()
def walk(v, toks):
    if isinstance(v, tuple):
        toks.append('{')
        for k, x in v[1]:
            toks.append('k:' + k)
            walk(x, toks)
        toks.append('}')
    elif isinstance(v, list):
        toks.append('[')
        for x in v:
            walk(x, toks)
        toks.append(']')
    elif isinstance(v, str):
        toks.append('s:' + v)
    elif isinstance(v, bool):
        toks.append('b:true' if v else 'b:false')
    elif v is None:
        toks.append('n')
    elif isinstance(v, int):
        toks.append('i:%d' % v)
    elif isinstance(v, float):
        toks.append('f:' + repr(v))
    else:
        raise TypeError(v)
data = open(sys.argv[1], 'rb').read()
lines = data.split(b'\n')
assert lines[-1] == b''
for raw in lines[:-1]:
    text = raw.decode('utf-8')  # strict: our output must be valid UTF-8
    v = json.loads(text, object_pairs_hook=lambda pairs: ('obj', pairs))
    toks = []
    walk(v, toks)
    out += b'%d\n' % len(toks)
    for t in toks:
        b = t.encode('utf-8', 'surrogatepass')
        out += b'%d\n' % len(b) + b
open(sys.argv[2], 'wb').write(bytes(out))
)PY";

TEST(JsonWriterPythonTest, PythonReadsBackRandomDocuments) {
  std::string ndjson;
  std::vector<std::vector<std::string>> expected;
  uint64_t invalid = 0;
  std::string out;
  JsonWriter w(&out);
  for (int doc = 0; doc < 1500; ++doc) {
    DocBuilder b(doc);
    out.clear();
    b.Value(w, doc % 2 ? 0 : 3);  // odd docs nest deeper
    ASSERT_EQ(out.find('\n'), std::string::npos);
    ndjson += out;
    ndjson += '\n';
    expected.push_back(std::move(b.tokens()));
    invalid += b.invalid_strings();
  }
  EXPECT_EQ(w.utf8_repairs(), invalid);
  EXPECT_GT(invalid, 0u);

  testing::TempDir dir;
  testing::WriteFile(dir.Join("docs.ndjson"), ndjson);
  const auto run =
      testing::Run({SWERL_PYTHON, "-c", kJsonOracle, dir.Join("docs.ndjson"), dir.Join("out")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string got = testing::ReadFile(dir.Join("out"));

  size_t pos = 0;
  auto read_num = [&]() -> size_t {
    const size_t nl = got.find('\n', pos);
    if (nl == std::string::npos) throw std::runtime_error("short oracle output");
    const size_t v = std::stoul(got.substr(pos, nl - pos));
    pos = nl + 1;
    return v;
  };
  int failures = 0;
  for (size_t d = 0; d < expected.size(); ++d) {
    const size_t n = read_num();
    std::vector<std::string> toks;
    for (size_t i = 0; i < n; ++i) {
      const size_t len = read_num();
      toks.push_back(got.substr(pos, len));
      pos += len;
    }
    if (toks != expected[d] && ++failures <= 5) {
      ADD_FAILURE() << "document " << d
                    << " read back differently:\n python: " << ::testing::PrintToString(toks)
                    << "\n wanted: " << ::testing::PrintToString(expected[d]);
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(pos, got.size());
}

using JsonWriterDeathTest = ::testing::Test;

TEST_F(JsonWriterDeathTest, MisuseIsCaught) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        std::string out;
        JsonWriter w(&out);
        w.BeginObject();
        w.Key("a");
        w.EndObject();  // the key has no value
      },
      "check failed");
  EXPECT_DEATH(
      {
        std::string out;
        JsonWriter w(&out);
        w.BeginObject();
        w.Key("a");
        w.Key("b");
      },
      "check failed");
  EXPECT_DEATH(
      {
        std::string out;
        JsonWriter w(&out);
        w.EndArray();
      },
      "check failed");
}

}  // namespace
}  // namespace swerl::json

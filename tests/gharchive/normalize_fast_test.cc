// The single-pass path (normalize_fast.h) against the full path: for valid
// JSON, Normalizer's default mode (fast path first) and strict mode (DOM
// only) must append the same bytes, on the real fixtures and on random
// re-encodings of them. The fast path must also take most real lines, or
// these comparisons would prove nothing.
#include "swerl/gharchive/normalize_fast.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/gharchive/normalize.h"
#include "testing/testing.h"

namespace swerl::gharchive {
namespace {

using simdjson::dom::element;

// A line followed by the 64 readable bytes Normalize requires.
std::string Padded(std::string_view line) {
  std::string buf(line);
  buf.append(64, '\0');
  return buf;
}

std::vector<std::string> FixtureLines() {
  std::vector<std::string> lines;
  for (const char* name :
       {"2021-07-21-few-hours.json", "trimmed-era.json", "timeline-era.json", "bad-lines.json"}) {
    for (auto& line : testing::SplitLines(
             testing::ReadFile(testing::DataPath(std::string("gharchive/") + name)))) {
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

// What Normalize made of one line: the bytes appended, the spans, and the
// error message ("" when none).
struct Result1 {
  std::string out;
  std::vector<RecordSpan> spans;
  uint32_t emitted = 0, skipped_type = 0, skipped_timeline = 0;
  std::string error;
};

Result1 NormalizeOne(Normalizer& n, std::string_view line) {
  Result1 r;
  const std::string buf = Padded(line);
  auto result = n.Normalize(std::string_view(buf.data(), line.size()), &r.out, &r.spans);
  if (result) {
    r.emitted = result->emitted;
    r.skipped_type = result->skipped_type;
    r.skipped_timeline = result->skipped_timeline;
  } else {
    r.error = result.error().message();
  }
  return r;
}

void ExpectSame(const Result1& fast, const Result1& strict, std::string_view line) {
  EXPECT_EQ(fast.out, strict.out) << line;
  EXPECT_EQ(fast.error, strict.error) << line;
  EXPECT_EQ(fast.emitted, strict.emitted) << line;
  ASSERT_EQ(fast.spans.size(), strict.spans.size()) << line;
  for (size_t i = 0; i < fast.spans.size(); ++i) {
    EXPECT_EQ(fast.spans[i].id_key, strict.spans[i].id_key);
    EXPECT_EQ(fast.spans[i].begin, strict.spans[i].begin);
    EXPECT_EQ(fast.spans[i].end, strict.spans[i].end);
    EXPECT_EQ(fast.spans[i].type, strict.spans[i].type);
  }
}

class FastPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FastNormalizer::Supported()) GTEST_SKIP() << "this CPU lacks AVX2: no fast path";
  }
};

// How many of `lines` the fast path itself takes.
size_t Accepted(const std::vector<std::string>& lines, TypeSet types) {
  FastNormalizer fast(types);
  size_t n = 0;
  for (const auto& line : lines) {
    if (line.empty()) continue;
    const std::string buf = Padded(line);
    std::string out;
    RecordSpan span;
    n += fast.TryNormalize(std::string_view(buf.data(), line.size()), &out, &span);
  }
  return n;
}

TEST_F(FastPathTest, SameBytesAsTheFullPathOnTheFixtures) {
  const auto lines = FixtureLines();
  for (TypeSet types : {TypeSet::Default(), TypeSet::All()}) {
    Normalizer fast(types), strict(types, /*strict=*/true);
    size_t only_strict = 0;
    for (const auto& line : lines) {
      Result1 a = NormalizeOne(fast, line), b = NormalizeOne(strict, line);
      if (a.error.empty() && !b.error.empty()) {
        // Damage only strict mode sees: in bad-lines.json, one DeleteEvent
        // that lacks a comma after its type (skipped by its prefix).
        EXPECT_NE(line.find("\"type\":\"DeleteEvent\"\"actor\""), std::string::npos) << line;
        EXPECT_EQ(a.out, "");
        ++only_strict;
        continue;
      }
      ExpectSame(a, b, line);
      EXPECT_EQ(a.skipped_type, b.skipped_type) << line;
      EXPECT_EQ(a.skipped_timeline, b.skipped_timeline) << line;
    }
    EXPECT_EQ(only_strict, 1u);
  }
}

TEST_F(FastPathTest, TakesNearlyAllRealEventsOfTheFiveTypes) {
  const auto all = FixtureLines();
  std::vector<std::string> real;
  size_t selected = 0;
  const std::string data =
      testing::ReadFile(testing::DataPath("gharchive/2021-07-21-few-hours.json"));
  for (const auto& line : all) {
    if (data.find(line) == std::string::npos || line.empty()) continue;
    real.push_back(line);
    for (std::string_view t :
         {"\"type\":\"PullRequestEvent\"", "\"type\":\"IssuesEvent\"",
          "\"type\":\"IssueCommentEvent\"", "\"type\":\"PullRequestReviewEvent\"",
          "\"type\":\"PullRequestReviewCommentEvent\""}) {
      if (line.find(t) != std::string::npos) {
        ++selected;
        break;
      }
    }
  }
  ASSERT_GT(selected, 100u);
  const size_t taken = Accepted(real, TypeSet::Default());
  EXPECT_LE(taken, selected);
  EXPECT_GE(taken * 100, selected * 95) << taken << " of " << selected;
}

// ---------------------------------------------------------------------------
// Random re-encodings: the same JSON values written otherwise (escapes,
// spaces, key order, duplicate keys, numbers as floats, values of another
// type). Every one is valid JSON, so both modes must agree byte for byte.

class Reencoder {
 public:
  explicit Reencoder(uint32_t seed) : rng_(seed) {}

  std::string Line(element e) {
    std::string out;
    Value(e, &out, 0);
    return out;
  }

 private:
  bool Chance(int percent) { return std::uniform_int_distribution<int>(0, 99)(rng_) < percent; }

  void Space(std::string* out) {
    if (Chance(10)) out->append(Chance(50) ? " " : "\t ");
  }

  void Hex4(std::string* out, unsigned unit) {
    static constexpr char kLower[] = "0123456789abcdef", kUpper[] = "0123456789ABCDEF";
    const char* digits = Chance(50) ? kLower : kUpper;
    out->append("\\u");
    for (int shift = 12; shift >= 0; shift -= 4) out->push_back(digits[(unit >> shift) & 15]);
  }

  // Keys are escaped needlessly once in a while (the fast path then leaves
  // the line to the full path), values' characters more often.
  void String(std::string_view s, std::string* out, bool key = false) {
    const bool escape_some = !key || Chance(2);
    out->push_back('"');
    for (size_t i = 0; i < s.size();) {
      const auto c = static_cast<unsigned char>(s[i]);
      size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      len = std::min(len, s.size() - i);
      if (c < 0x80) {
        if (c == '"' || c == '\\') {
          if (Chance(20)) {
            Hex4(out, c);
          } else {
            out->push_back('\\');
            out->push_back(static_cast<char>(c));
          }
        } else if (c < 0x20) {
          const char* shorts = "\b\f\n\r\t";
          const char* names = "bfnrt";
          const char* at = c ? std::strchr(shorts, c) : nullptr;
          if (at && Chance(70)) {
            out->push_back('\\');
            out->push_back(names[at - shorts]);
          } else {
            Hex4(out, c);
          }
        } else if (escape_some && c == '/' && Chance(10)) {
          out->append("\\/");
        } else if (escape_some && Chance(1)) {
          Hex4(out, c);
        } else {
          out->push_back(static_cast<char>(c));
        }
      } else if (escape_some && Chance(20)) {
        // Decode the UTF-8 sequence, write it as \u escapes (a pair above the BMP).
        unsigned cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
        for (size_t k = 1; k < len; ++k)
          cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        if (cp >= 0x10000) {
          cp -= 0x10000;
          Hex4(out, 0xD800 + (cp >> 10));
          Hex4(out, 0xDC00 + (cp & 0x3FF));
        } else {
          Hex4(out, cp);
        }
      } else {
        out->append(s.substr(i, len));
      }
      i += len;
    }
    out->push_back('"');
  }

  // A random other value, for "wrong type" cases.
  void Other(std::string* out) {
    static constexpr const char* kOthers[] = {
        "null", "\"x/y\"", "17", "{\"login\":\"ghost\",\"name\":\"n\"}", "[1,{\"name\":\"bug\"}]",
        "true"};
    out->append(kOthers[std::uniform_int_distribution<int>(0, 5)(rng_)]);
  }

  void Value(element e, std::string* out, int depth) {
    Space(out);
    if (depth > 0 && Chance(1)) {
      Other(out);
      Space(out);
      return;
    }
    switch (e.type()) {
      case simdjson::dom::element_type::OBJECT: {
        std::vector<std::pair<std::string_view, element>> fields;
        const simdjson::dom::object object = e.get_object().value();
        for (auto field : object) fields.emplace_back(field.key, field.value);
        if (Chance(depth == 0 ? 10 : 20)) std::shuffle(fields.begin(), fields.end(), rng_);
        out->push_back('{');
        bool first = true;
        auto put = [&](std::string_view key, element v, bool other) {
          if (!first) out->push_back(',');
          first = false;
          Space(out);
          String(key, out, /*key=*/true);
          Space(out);
          out->push_back(':');
          if (other) {
            Other(out);
          } else {
            Value(v, out, depth + 1);
          }
        };
        for (const auto& [key, v] : fields) put(key, v, false);
        // A later duplicate of a key: the first one is the one that counts.
        if (!fields.empty() && Chance(10)) {
          const auto& dup =
              fields[std::uniform_int_distribution<size_t>(0, fields.size() - 1)(rng_)];
          put(dup.first, dup.second, true);
        }
        Space(out);
        out->push_back('}');
        break;
      }
      case simdjson::dom::element_type::ARRAY: {
        out->push_back('[');
        bool first = true;
        const simdjson::dom::array array = e.get_array().value();
        for (element item : array) {
          if (!first) out->push_back(',');
          first = false;
          Value(item, out, depth + 1);
        }
        out->push_back(']');
        break;
      }
      case simdjson::dom::element_type::STRING:
        String(e.get_string().value(), out);
        break;
      case simdjson::dom::element_type::INT64: {
        const int64_t v = e.get_int64().value();
        out->append(std::to_string(v));
        if (Chance(3)) out->append(Chance(50) ? ".0" : "e0");  // a double now: null as an int
        break;
      }
      case simdjson::dom::element_type::UINT64:
        out->append(std::to_string(e.get_uint64().value()));
        break;
      case simdjson::dom::element_type::DOUBLE: {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", e.get_double().value());
        out->append(buf);
        if (std::strpbrk(buf, ".eEn") == nullptr) out->append(".0");
        break;
      }
      case simdjson::dom::element_type::BOOL:
        out->append(e.get_bool().value() ? "true" : "false");
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        out->append("null");
        break;
    }
    Space(out);
  }

  std::mt19937 rng_;
};

TEST_F(FastPathTest, SameBytesAsTheFullPathOnRandomReencodings) {
  std::vector<std::string> events;
  simdjson::dom::parser parser;
  for (const auto& line : FixtureLines()) {
    element e;
    if (parser.parse(line).get(e) == simdjson::SUCCESS && e.is_object()) events.push_back(line);
  }
  ASSERT_GT(events.size(), 700u);
  Normalizer fast(TypeSet::Default()), strict(TypeSet::Default(), /*strict=*/true);
  size_t emitted = 0, cases = 0;
  std::vector<std::string> variants;
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    Reencoder reencoder(seed);
    for (const auto& line : events) {
      element e = parser.parse(line).value();
      const std::string variant = reencoder.Line(e);
      ASSERT_EQ(variant.find('\n'), std::string::npos);
      const Result1 a = NormalizeOne(fast, variant), b = NormalizeOne(strict, variant);
      ExpectSame(a, b, variant);
      emitted += b.emitted;
      ++cases;
      variants.push_back(variant);
      if (HasFatalFailure()) return;
    }
  }
  // Not vacuous: records came out, and the fast path took most of them.
  EXPECT_GT(emitted, cases / 10);
  EXPECT_GT(Accepted(variants, TypeSet::Default()), emitted / 2);
}

// ---------------------------------------------------------------------------
// Damage: where the record reads, both modes report it; where it does not
// read, only strict mode does (the documented difference).

std::string FirstOfType(std::string_view type) {
  for (const auto& line : FixtureLines()) {
    if (line.find("\"type\":\"" + std::string(type) + "\"") != std::string::npos &&
        line.find("\"locked\":false") != std::string::npos) {
      return line;
    }
  }
  return {};
}

TEST_F(FastPathTest, DamageWhereTheRecordReadsIsReportedInBothModes) {
  const std::string pr = FirstOfType("PullRequestEvent");
  ASSERT_FALSE(pr.empty());
  Normalizer fast(TypeSet::Default()), strict(TypeSet::Default(), /*strict=*/true);
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"\"merged\":", "\"merged\":x"},
                                                        {"\"additions\":", "\"additions\":--"},
                                                        {"\"title\":\"", "\"title\":\"\\x"},
                                                        {"\"number\":", "\"number\":0"}}) {
    std::string damaged = pr;
    const size_t at = damaged.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    damaged.replace(at, from.size(), to);
    const Result1 a = NormalizeOne(fast, damaged), b = NormalizeOne(strict, damaged);
    EXPECT_NE(a.error, "") << to;
    ExpectSame(a, b, damaged);
  }
}

TEST_F(FastPathTest, DamageWhereTheRecordDoesNotReadOnlyStrictModeSees) {
  const std::string pr = FirstOfType("PullRequestEvent");
  ASSERT_FALSE(pr.empty());
  std::string damaged = pr;
  damaged.replace(damaged.find("\"locked\":false"), 14, "\"locked\":fals");
  Normalizer fast(TypeSet::Default()), strict(TypeSet::Default(), /*strict=*/true);
  const Result1 a = NormalizeOne(fast, damaged), b = NormalizeOne(strict, damaged);
  EXPECT_EQ(a.error, "");
  EXPECT_EQ(a.out, NormalizeOne(strict, pr).out);  // the record of the undamaged line
  EXPECT_NE(b.error, "");
  EXPECT_TRUE(b.out.empty());
}

TEST_F(FastPathTest, DeclinesWhatTheFullPathMustJudge) {
  const std::string pr = FirstOfType("PullRequestEvent");
  ASSERT_FALSE(pr.empty());
  FastNormalizer fast(TypeSet::Default());
  auto takes = [&](const std::string& line) {
    const std::string buf = Padded(line);
    std::string out = "kept";
    RecordSpan span;
    const bool took = fast.TryNormalize(std::string_view(buf.data(), line.size()), &out, &span);
    if (!took) {
      EXPECT_EQ(out, "kept");  // nothing appended
    }
    return took;
  };
  EXPECT_TRUE(takes(pr));
  EXPECT_FALSE(takes(pr + pr));                                          // concatenated
  EXPECT_FALSE(takes(pr.substr(0, pr.size() - 1)));                      // cut off
  EXPECT_FALSE(takes("{\"i\\u0064\":\"1\"" + pr.substr(pr.find(','))));  // an escaped key
  std::string ints = pr;
  ints.replace(ints.find("\"additions\":"), 12, "\"additions\":1e3,\"x\":");
  EXPECT_FALSE(takes(ints));  // not a plain integer where an int is read
  std::string push = pr;
  push.replace(push.find("PullRequestEvent"), 16, "PushEvent");
  EXPECT_FALSE(takes(push));  // PushEvent stays with the full path
}

}  // namespace
}  // namespace swerl::gharchive

#include "swerl/json/json_writer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "swerl/core/check.h"
#include "swerl/core/utf8.h"

namespace swerl::json {
namespace {

// 1 for bytes that need an escape in a JSON string.
constexpr std::array<uint8_t, 256> MakeEscapeTable() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  t['"'] = 1;
  t['\\'] = 1;
  return t;
}
constexpr auto kNeedsEscape = MakeEscapeTable();

// Index of the first byte at or after `i` that needs an escape, or s.size().
// A byte needs one when it is < 0x20, '"' or '\\'. Bodies of PRs and
// comments are long and mostly plain, so test 16 bytes at a time.
size_t NextEscape(std::string_view s, size_t i) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\');
  const __m128i ctl_max = _mm_set1_epi8(0x1F);
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    // v <= 0x1F (unsigned) iff max(v, 0x1F) == 0x1F.
    const __m128i hits =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
                     _mm_cmpeq_epi8(_mm_max_epu8(v, ctl_max), ctl_max));
    if (const int mask = _mm_movemask_epi8(hits))
      return i + static_cast<size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < s.size(); ++i) {
    if (kNeedsEscape[static_cast<unsigned char>(s[i])]) return i;
  }
  return i;
}

void AppendEscapedValid(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;
  for (size_t i = NextEscape(s, 0); i < s.size(); i = NextEscape(s, i + 1)) {
    const auto c = static_cast<unsigned char>(s[i]);
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, 6);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
}

// True when every byte is ASCII (then it is valid UTF-8); cheap for keys and
// short strings, where a call into the UTF-8 validator costs more than this.
bool IsAscii(std::string_view s) {
  size_t i = 0;
  uint64_t acc = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    acc |= w;
  }
  for (; i < s.size(); ++i) acc |= static_cast<unsigned char>(s[i]);
  return (acc & 0x8080808080808080ull) == 0;
}

}  // namespace

void AppendPythonRepr(std::string* out, double v) {
  // Shortest round-trip digits, then Python's repr layout: positional for
  // decimal exponents in [-4, 16), scientific with a signed two-digit
  // exponent otherwise.
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, r.ptr - buf);
  if (sci.front() == '-') {
    out->push_back('-');
    sci.remove_prefix(1);
  }
  const size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp = 0;
  std::from_chars(sci.data() + e_pos + 1 + (sci[e_pos + 1] == '+'), sci.data() + sci.size(), exp);
  const int n = static_cast<int>(digits.size());
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      if (n <= exp + 1) {
        out->append(digits).append(exp + 1 - n, '0').append(".0");
      } else {
        out->append(digits, 0, exp + 1).push_back('.');
        out->append(digits, exp + 1);
      }
    } else {
      out->append("0.").append(-exp - 1, '0').append(digits);
    }
    return;
  }
  out->push_back(digits[0]);
  if (n > 1) out->append(".").append(digits, 1);
  char ebuf[16];
  std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  out->append(ebuf);
}

bool AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  const bool valid = IsAscii(s) || IsValidUtf8(s);
  if (valid) {
    AppendEscapedValid(out, s);
  } else {
    std::string repaired;
    AppendRepairedUtf8(&repaired, s);
    AppendEscapedValid(out, repaired);
  }
  out->push_back('"');
  return valid;
}

void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_->push_back(',');
    first_.back() = false;
  }
}

void JsonWriter::BeginObject() {
  Separate();
  out_->push_back('{');
  first_.push_back(true);
}

void JsonWriter::EndObject() {
  SWERL_CHECK(!first_.empty() && !after_key_);
  first_.pop_back();
  out_->push_back('}');
}

void JsonWriter::BeginArray() {
  Separate();
  out_->push_back('[');
  first_.push_back(true);
}

void JsonWriter::EndArray() {
  SWERL_CHECK(!first_.empty());
  first_.pop_back();
  out_->push_back(']');
}

void JsonWriter::Key(std::string_view key) {
  SWERL_CHECK(!after_key_);
  Separate();
  if (!AppendJsonString(out_, key)) ++utf8_repairs_;
  out_->push_back(':');
  after_key_ = true;
}

void JsonWriter::String(std::string_view s) {
  Separate();
  if (!AppendJsonString(out_, s)) ++utf8_repairs_;
}

void JsonWriter::ValidString(std::string_view s) {
  Separate();
  out_->push_back('"');
  AppendEscapedValid(out_, s);
  out_->push_back('"');
}

void JsonWriter::Int(int64_t v) {
  Separate();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, r.ptr);
}

void JsonWriter::Uint(uint64_t v) {
  Separate();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, r.ptr);
}

void JsonWriter::Double(double v) {
  Separate();
  if (!std::isfinite(v)) {
    out_->append("null");
    return;
  }
  AppendPythonRepr(out_, v);
}

void JsonWriter::Bool(bool v) {
  Separate();
  out_->append(v ? "true" : "false");
}

void JsonWriter::Null() {
  Separate();
  out_->append("null");
}

void JsonWriter::Raw(std::string_view json) {
  Separate();
  out_->append(json);
}

}  // namespace swerl::json

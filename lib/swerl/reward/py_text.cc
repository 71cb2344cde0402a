#include "swerl/reward/py_text.h"

#include <array>

namespace swerl::reward {
namespace {

// Length of the UTF-8 sequence that starts with lead byte `c` (1 for
// continuation bytes, so scanning never stalls on damaged text).
inline size_t SequenceLength(unsigned char c) {
  if (c < 0xC0) return 1;
  if (c < 0xE0) return 2;
  if (c < 0xF0) return 3;
  return 4;
}

// Decodes the code point at s[i]; *len receives its byte length, clamped to
// the end of s.
inline uint32_t DecodeAt(std::string_view s, size_t i, size_t* len) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  const size_t n = std::min(SequenceLength(p[0]), s.size() - i);
  *len = n;
  switch (n) {
    case 1:
      return p[0];
    case 2:
      return (p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu);
    case 3:
      return (p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
    default:
      return (p[0] & 0x07u) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 | (p[3] & 0x3Fu);
  }
}

// Bytes that may begin a line separator: the ASCII ones, and the lead bytes
// of U+0085 (C2 85) and U+2028/U+2029 (E2 80 A8/A9).
constexpr std::array<bool, 256> kMaybeSeparator = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : {'\n', '\r', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e'}) t[c] = true;
  t[0xC2] = t[0xE2] = true;
  return t;
}();

}  // namespace

bool IsPythonSpace(uint32_t cp) {
  if (cp <= 0x20) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
  switch (cp) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

void SplitLines(std::string_view s, std::vector<std::string_view>* lines) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t start = 0, i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (!kMaybeSeparator[c]) {
      ++i;
      continue;
    }
    size_t sep = 0;  // separator length in bytes, 0 if none here
    if (c == '\r') {
      sep = (i + 1 < n && p[i + 1] == '\n') ? 2 : 1;
    } else if (c == 0xC2) {
      sep = (i + 1 < n && p[i + 1] == 0x85) ? 2 : 0;
    } else if (c == 0xE2) {
      sep = (i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) ? 3 : 0;
    } else {
      sep = 1;
    }
    if (sep == 0) {
      ++i;
      continue;
    }
    lines->push_back(s.substr(start, i - start));
    i += sep;
    start = i;
  }
  if (start < n) lines->push_back(s.substr(start));
}

std::string_view Strip(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t len;
    if (!IsPythonSpace(DecodeAt(s, begin, &len))) break;
    begin += len;
  }
  size_t end = s.size();
  while (end > begin) {
    size_t start = end - 1;  // back to the lead byte of the last code point
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    size_t len;
    if (!IsPythonSpace(DecodeAt(s, start, &len))) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

void AppendCodePoints(std::string_view s, std::vector<uint32_t>* out) {
  out->reserve(out->size() + s.size());
  size_t i = 0;
  // ASCII runs dominate source code and diffs.
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out->push_back(c);
      ++i;
    } else {
      size_t len;
      out->push_back(DecodeAt(s, i, &len));
      i += len;
    }
  }
}

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace swerl::reward

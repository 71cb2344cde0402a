#include "swerl/link/py_re_classes.h"

#include <algorithm>
#include <iterator>

#include "swerl/link/py_re_classes_data.h"

namespace swerl::link {
namespace {

template <size_t N>
const CodePointRange* FindRange(const CodePointRange (&table)[N], uint32_t cp) {
  // The first range whose hi >= cp; it holds cp when its lo <= cp.
  const CodePointRange* it =
      std::lower_bound(std::begin(table), std::end(table), cp,
                       [](const CodePointRange& r, uint32_t c) { return r.hi < c; });
  return (it != std::end(table) && it->lo <= cp) ? it : nullptr;
}

}  // namespace

bool IsPyReWord(uint32_t cp) {
  if (cp < 0x80) {
    return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
           cp == '_';
  }
  return FindRange(internal::kPyReWord, cp) != nullptr;
}

bool IsPyReSpace(uint32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
  return FindRange(internal::kPyReSpace, cp) != nullptr;
}

int PyReDigitValue(uint32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') ? static_cast<int>(cp - '0') : -1;
  // Each range is a whole number of runs of ten digits starting at a zero
  // (asserted by the generator), so the value is the distance mod 10.
  const CodePointRange* r = FindRange(internal::kPyReDigit, cp);
  return r ? static_cast<int>((cp - r->lo) % 10) : -1;
}

std::string_view PyReUnicodeVersion() { return internal::kPyReUnicodeVersion; }

uint32_t DecodeUtf8At(std::string_view s, size_t* pos) {
  const size_t i = *pos;
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  }
  size_t need;
  uint32_t cp;
  unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    *pos = i + 1;
    return 0xFFFD;
  }
  if (i + need > s.size()) {
    *pos = i + 1;
    return 0xFFFD;
  }
  for (size_t k = 1; k < need; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) {
      *pos = i + 1;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *pos = i + need;
  return cp;
}

}  // namespace swerl::link

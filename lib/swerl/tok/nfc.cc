#include "swerl/tok/nfc.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "swerl/core/utf8.h"
#include "swerl/tok/unicode_data.h"

namespace swerl::tok {
namespace {

// Hangul syllables compose and decompose algorithmically (Unicode §3.12).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount;
constexpr uint32_t kSCount = kLCount * kNCount;

// Per code point: the combining class in the low byte, and flags.
constexpr uint16_t kQcNo = 1 << 8;     // NFC never keeps it (singletons, exclusions, ...)
constexpr uint16_t kQcMaybe = 1 << 9;  // may compose with the code point before it

class Tables {
 public:
  Tables() {
    pages_.fill(0);
    blocks_.emplace_back();  // block 0: all zero
    blocks_[0].fill(0);
    for (const auto& [cp, ccc] : internal::kCombiningClass) Set(cp, static_cast<uint16_t>(ccc));
    for (const auto& c : internal::kComposition) {
      compose_.emplace(Key(c[0], c[1]), c[2]);
      composites_.push_back(c[2]);
      Set(c[1], Get(c[1]) | kQcMaybe);
    }
    std::sort(composites_.begin(), composites_.end());
    for (const auto& [cp, where] : internal::kDecomposition) {
      if (!std::binary_search(composites_.begin(), composites_.end(), cp)) {
        Set(cp, Get(cp) | kQcNo);
      }
    }
    for (uint32_t cp = kVBase; cp < kVBase + kVCount; ++cp) Set(cp, Get(cp) | kQcMaybe);
    for (uint32_t cp = kTBase + 1; cp < kTBase + kTCount; ++cp) Set(cp, Get(cp) | kQcMaybe);
  }

  uint16_t Get(uint32_t cp) const { return blocks_[pages_[cp >> 8]][cp & 0xFF]; }
  uint8_t Ccc(uint32_t cp) const { return static_cast<uint8_t>(Get(cp) & 0xFF); }

  // Appends the full canonical decomposition of cp (or cp itself).
  void Decompose(uint32_t cp, std::vector<uint32_t>* out) const {
    if (cp >= kSBase && cp < kSBase + kSCount) {
      const uint32_t s = cp - kSBase;
      out->push_back(kLBase + s / kNCount);
      out->push_back(kVBase + (s % kNCount) / kTCount);
      if (s % kTCount) out->push_back(kTBase + s % kTCount);
      return;
    }
    const auto* begin = std::begin(internal::kDecomposition);
    const auto* end = std::end(internal::kDecomposition);
    const auto* it = std::lower_bound(begin, end, cp,
                                      [](const uint32_t(&e)[2], uint32_t v) { return e[0] < v; });
    if (it == end || (*it)[0] != cp) {
      out->push_back(cp);
      return;
    }
    const uint32_t offset = (*it)[1] >> 8, length = (*it)[1] & 0xFF;
    out->insert(out->end(), internal::kDecompositionPool + offset,
                internal::kDecompositionPool + offset + length);
  }

  // The primary composite of <first, second>, or 0.
  uint32_t Compose(uint32_t first, uint32_t second) const {
    if (first >= kLBase && first < kLBase + kLCount && second >= kVBase &&
        second < kVBase + kVCount) {
      return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
    }
    if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 &&
        second > kTBase && second < kTBase + kTCount) {
      return first + (second - kTBase);
    }
    const auto it = compose_.find(Key(first, second));
    return it == compose_.end() ? 0 : it->second;
  }

 private:
  static uint64_t Key(uint32_t a, uint32_t b) { return uint64_t{a} << 32 | b; }

  void Set(uint32_t cp, uint16_t value) {
    uint16_t& page = pages_[cp >> 8];
    if (page == 0) {
      if (value == 0) return;
      page = static_cast<uint16_t>(blocks_.size());
      blocks_.emplace_back();
      blocks_.back().fill(0);
    }
    blocks_[page][cp & 0xFF] = value;
  }

  std::array<uint16_t, 0x1100> pages_;
  std::vector<std::array<uint16_t, 256>> blocks_;
  std::unordered_map<uint64_t, uint32_t> compose_;
  std::vector<uint32_t> composites_;
};

const Tables& GetTables() {
  static const Tables* tables = new Tables();  // never destroyed: used at exit by other statics
  return *tables;
}

// Decodes the code point at s[i] (valid UTF-8) and returns its length.
inline size_t Decode(std::string_view s, size_t i, uint32_t* cp) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  if (b0 < 0xE0) {
    *cp = (b0 & 0x1Fu) << 6 | (static_cast<uint8_t>(s[i + 1]) & 0x3Fu);
    return 2;
  }
  if (b0 < 0xF0) {
    *cp = (b0 & 0x0Fu) << 12 | (static_cast<uint8_t>(s[i + 1]) & 0x3Fu) << 6 |
          (static_cast<uint8_t>(s[i + 2]) & 0x3Fu);
    return 3;
  }
  *cp = (b0 & 0x07u) << 18 | (static_cast<uint8_t>(s[i + 1]) & 0x3Fu) << 12 |
        (static_cast<uint8_t>(s[i + 2]) & 0x3Fu) << 6 | (static_cast<uint8_t>(s[i + 3]) & 0x3Fu);
  return 4;
}

// A code point NFC leaves alone whatever surrounds it: text can be cut
// before it and each side normalized on its own.
inline bool IsBoundary(const Tables& t, uint32_t cp) { return t.Get(cp) == 0; }

// Start of the code point that ends just before s[i] (i > 0).
inline size_t PreviousStart(std::string_view s, size_t i) {
  do {
    --i;
  } while (i > 0 && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80);
  return i;
}

// Normalizes s[begin, end), which starts at a boundary (or the text start)
// and ends at one, into *out.
void NormalizeSpan(const Tables& t, std::string_view s, std::string* out) {
  std::vector<uint32_t> d;
  d.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    i += Decode(s, i, &cp);
    t.Decompose(cp, &d);
  }
  // Canonical ordering: a stable sort of each run of non-starters by class.
  for (size_t i = 0; i < d.size();) {
    if (t.Ccc(d[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < d.size() && t.Ccc(d[j]) != 0) ++j;
    std::stable_sort(d.begin() + static_cast<ptrdiff_t>(i), d.begin() + static_cast<ptrdiff_t>(j),
                     [&](uint32_t a, uint32_t b) { return t.Ccc(a) < t.Ccc(b); });
    i = j;
  }
  // Canonical composition: a character composes with the last starter
  // unless a character between them blocks it (class 0, or a class not
  // below its own).
  std::vector<uint32_t> c;
  c.reserve(d.size());
  size_t starter = SIZE_MAX;
  int last_ccc = -1;  // class of the last character kept after the starter; -1 = none
  for (uint32_t cp : d) {
    const int ccc = t.Ccc(cp);
    if (starter != SIZE_MAX && (last_ccc == -1 || (last_ccc != 0 && last_ccc < ccc))) {
      if (const uint32_t composite = t.Compose(c[starter], cp)) {
        c[starter] = composite;
        continue;
      }
    }
    if (ccc == 0) {
      starter = c.size();
      last_ccc = -1;
    } else {
      last_ccc = ccc;
    }
    c.push_back(cp);
  }
  for (uint32_t cp : c) AppendUtf8(out, cp);
}

}  // namespace

void AppendNfc(std::string_view text, std::string* out) {
  const Tables& t = GetTables();
  size_t emitted = 0;  // text[0, emitted) is in *out
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    // Every code point below U+0300 (lead byte < 0xCC) is a boundary.
    if (static_cast<uint8_t>(text[i]) < 0xCC) {
      ++i;
      continue;
    }
    uint32_t cp;
    const size_t len = Decode(text, i, &cp);
    if (IsBoundary(t, cp)) {
      i += len;
      continue;
    }
    // Back up to the last boundary before cp, then run to the next one.
    size_t begin = i;
    while (begin > emitted) {
      const size_t prev = PreviousStart(text, begin);
      uint32_t pcp;
      Decode(text, prev, &pcp);
      begin = prev;
      if (IsBoundary(t, pcp)) break;
    }
    size_t end = i + len;
    while (end < n) {
      uint32_t ncp;
      const size_t nlen = Decode(text, end, &ncp);
      if (IsBoundary(t, ncp)) break;
      end += nlen;
    }
    out->append(text.data() + emitted, begin - emitted);
    NormalizeSpan(t, text.substr(begin, end - begin), out);
    emitted = end;
    i = end;
  }
  out->append(text.data() + emitted, n - emitted);
}

std::string Nfc(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendNfc(text, &out);
  return out;
}

bool IsNfcQuickYes(std::string_view text) {
  const Tables& t = GetTables();
  for (size_t i = 0; i < text.size();) {
    if (static_cast<uint8_t>(text[i]) < 0xCC) {
      ++i;
      continue;
    }
    uint32_t cp;
    i += Decode(text, i, &cp);
    if (!IsBoundary(t, cp)) return false;
  }
  return true;
}

}  // namespace swerl::tok

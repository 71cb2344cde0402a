#include "swerl/tok/added_tokens.h"

#include <algorithm>
#include <cstring>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "swerl/core/check.h"
#include "swerl/core/utf8.h"
#include "swerl/tok/unicode_data.h"

namespace swerl::tok {
namespace {

// Decodes the code point ending at s[end - 1] (valid UTF-8, end > 0).
uint32_t LastCodePoint(std::string_view s, size_t end) {
  size_t i = end - 1;
  while (i > 0 && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80) --i;
  const auto b0 = static_cast<uint8_t>(s[i]);
  const int len = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
  uint32_t cp = len == 1 ? b0 : b0 & (0x7Fu >> len);
  for (int k = 1; k < len; ++k) cp = cp << 6 | (static_cast<uint8_t>(s[i + k]) & 0x3Fu);
  return cp;
}

uint32_t FirstCodePoint(std::string_view s, size_t begin, size_t* length) {
  const auto b0 = static_cast<uint8_t>(s[begin]);
  const int len = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
  uint32_t cp = len == 1 ? b0 : b0 & (0x7Fu >> len);
  for (int k = 1; k < len; ++k) cp = cp << 6 | (static_cast<uint8_t>(s[begin + k]) & 0x3Fu);
  *length = static_cast<size_t>(len);
  return cp;
}

bool InRanges(const uint32_t (&ranges)[][2], size_t count, uint32_t cp) {
  for (size_t k = 0; k < count; ++k) {
    if (cp >= ranges[k][0] && cp <= ranges[k][1]) return true;
  }
  return false;
}

bool IsSpace(uint32_t cp) { return InRanges(internal::kSpaces, std::size(internal::kSpaces), cp); }

// tokenizers tests single_word with Rust's regex \w: Alphabetic, marks,
// decimal digits, connector punctuation and the joiners. Alphabetic is
// approximated by \p{L} plus \p{Nl} (it also holds a few hundred Other_Alphabetic
// marks, which \p{M} covers). Neither fixture has a single_word token.
bool IsWordChar(uint32_t cp) {
  if (cp < 0x80) {
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           cp == '_';
  }
  static const pcre2_code* word = [] {
    const char kPattern[] = "^[\\p{L}\\p{Nl}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}]";
    int error_code;
    PCRE2_SIZE error_offset;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kPattern), PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
    SWERL_CHECK(code != nullptr);
    return code;
  }();
  std::string utf8;
  AppendUtf8(&utf8, cp);
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  const int rc = pcre2_match(word, reinterpret_cast<PCRE2_SPTR>(utf8.data()), utf8.size(), 0, 0,
                             data, nullptr);
  pcre2_match_data_free(data);
  return rc >= 0;
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(const std::vector<const AddedToken*>& tokens) {
  nodes_.emplace_back();
  for (const AddedToken* t : tokens) {
    if (t->content.empty()) continue;
    const auto index = static_cast<int32_t>(tokens_.size());
    tokens_.push_back(t);
    const auto first = static_cast<uint8_t>(t->content[0]);
    if (tokens_.size() == 1) single_first_byte_ = first;
    if (single_first_byte_ != first) single_first_byte_ = -1;
    first_byte_[first] = true;
    int32_t node = 0;
    for (char c : t->content) {
      const auto b = static_cast<uint8_t>(c);
      auto& next = nodes_[static_cast<size_t>(node)].next;
      auto it = std::lower_bound(next.begin(), next.end(), std::make_pair(b, int32_t{-1}));
      if (it != next.end() && it->first == b) {
        node = it->second;
      } else {
        const auto child = static_cast<int32_t>(nodes_.size());
        next.insert(it, {b, child});
        nodes_.emplace_back();
        node = child;
      }
    }
    // The first of equal contents wins, as the first pattern does in tokenizers.
    if (nodes_[static_cast<size_t>(node)].token < 0)
      nodes_[static_cast<size_t>(node)].token = index;
  }
}

size_t AddedTokenMatcher::LongestAt(std::string_view text, size_t pos, int32_t* token) const {
  size_t best = 0;
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto& next = nodes_[static_cast<size_t>(node)].next;
    const auto b = static_cast<uint8_t>(text[i]);
    auto it = std::lower_bound(next.begin(), next.end(), std::make_pair(b, int32_t{-1}));
    if (it == next.end() || it->first != b) break;
    node = it->second;
    if (nodes_[static_cast<size_t>(node)].token >= 0) {
      best = i + 1 - pos;
      *token = nodes_[static_cast<size_t>(node)].token;
    }
  }
  return best;
}

void AddedTokenMatcher::Cut(std::string_view text, bool allow_special,
                            std::vector<Segment>* out) const {
  size_t start_offset = 0;  // end of the last segment written
  size_t pos = 0;           // where the next match may start (matches never overlap)
  const size_t n = text.size();
  if (tokens_.empty()) pos = n;
  while (pos < n) {
    if (single_first_byte_ >= 0) {  // all tokens start alike ('<'): jump with memchr
      const void* hit = std::memchr(text.data() + pos, single_first_byte_, n - pos);
      if (!hit) break;
      pos = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
    } else if (!first_byte_[static_cast<uint8_t>(text[pos])]) {
      ++pos;
      continue;
    }
    int32_t index = -1;
    const size_t len = LongestAt(text, pos, &index);
    if (len == 0) {
      ++pos;
      continue;
    }
    size_t start = pos, stop = pos + len;
    pos = stop;
    const AddedToken& t = *tokens_[static_cast<size_t>(index)];
    if (t.special && !allow_special) continue;
    if (t.single_word) {
      const bool start_ok = start == 0 || !IsWordChar(LastCodePoint(text, start));
      size_t unused;
      const bool stop_ok = stop == n || !IsWordChar(FirstCodePoint(text, stop, &unused));
      if (!start_ok || !stop_ok) continue;
    }
    if (t.lstrip) {
      size_t s = start;
      while (s > 0) {
        size_t p = s - 1;
        while (p > 0 && (static_cast<uint8_t>(text[p]) & 0xC0) == 0x80) --p;
        if (!IsSpace(LastCodePoint(text, s))) break;
        s = p;
      }
      start = std::max(s, start_offset);
    }
    if (t.rstrip) {
      while (stop < n) {
        size_t clen;
        if (!IsSpace(FirstCodePoint(text, stop, &clen))) break;
        stop += clen;
      }
    }
    if (start_offset < start) out->push_back(Segment{start_offset, start, -1});
    out->push_back(Segment{start, stop, t.id});
    start_offset = stop;
  }
  if (start_offset < n) out->push_back(Segment{start_offset, n, -1});
}

}  // namespace swerl::tok

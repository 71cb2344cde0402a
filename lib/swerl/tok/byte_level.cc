#include "swerl/tok/byte_level.h"

#include <array>

#include "swerl/core/utf8.h"

namespace swerl::tok {
namespace {

struct Tables {
  std::array<uint32_t, 256> to_cp{};
  std::array<int16_t, 0x144> to_byte{};  // all alphabet code points are < U+0144
  std::array<char, 512> utf8{};          // the 1-2 byte UTF-8 of each byte's code point
  std::array<uint8_t, 256> utf8_len{};
};

const Tables& GetTables() {
  static const Tables tables = [] {
    Tables t;
    t.to_byte.fill(-1);
    uint32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool self = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      const uint32_t cp = self ? static_cast<uint32_t>(b) : next++;
      t.to_cp[b] = cp;
      t.to_byte[cp] = static_cast<int16_t>(b);
      std::string s;
      AppendUtf8(&s, cp);
      t.utf8_len[b] = static_cast<uint8_t>(s.size());
      for (size_t k = 0; k < s.size(); ++k) t.utf8[2 * b + k] = s[k];
    }
    return t;
  }();
  return tables;
}

}  // namespace

uint32_t ByteToCodePoint(uint8_t byte) { return GetTables().to_cp[byte]; }

int CodePointToByte(uint32_t cp) {
  return cp < GetTables().to_byte.size() ? GetTables().to_byte[cp] : -1;
}

void AppendByteLevel(std::string_view bytes, std::string* out) {
  const Tables& t = GetTables();
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out->append(&t.utf8[2 * b], t.utf8_len[b]);
  }
}

std::optional<std::string> DecodeByteLevel(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  size_t i = 0;
  while (i < token.size()) {
    const auto b0 = static_cast<uint8_t>(token[i]);
    uint32_t cp;
    if (b0 < 0x80) {
      cp = b0;
      i += 1;
    } else if ((b0 & 0xE0) == 0xC0 && i + 1 < token.size() &&
               (static_cast<uint8_t>(token[i + 1]) & 0xC0) == 0x80) {
      cp = (b0 & 0x1Fu) << 6 | (static_cast<uint8_t>(token[i + 1]) & 0x3Fu);
      if (cp < 0x80) return std::nullopt;  // overlong
      i += 2;
    } else {
      return std::nullopt;  // 3- and 4-byte code points are all outside the alphabet
    }
    const int byte = CodePointToByte(cp);
    if (byte < 0) return std::nullopt;
    out.push_back(static_cast<char>(byte));
  }
  return out;
}

}  // namespace swerl::tok

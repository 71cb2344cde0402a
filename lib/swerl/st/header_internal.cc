#include "swerl/st/header_internal.h"

#include "swerl/core/check.h"

namespace swerl::st::internal {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendU16Escape(uint32_t unit, std::string* out) {
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(unit >> shift) & 0xF]);
}

// The escapes both writers share for ASCII; returns false for bytes written
// verbatim.
bool AppendAsciiEscape(unsigned char c, std::string* out) {
  switch (c) {
    case '"':
      out->append("\\\"");
      return true;
    case '\\':
      out->append("\\\\");
      return true;
    case '\b':
      out->append("\\b");
      return true;
    case '\t':
      out->append("\\t");
      return true;
    case '\n':
      out->append("\\n");
      return true;
    case '\f':
      out->append("\\f");
      return true;
    case '\r':
      out->append("\\r");
      return true;
    default:
      break;
  }
  if (c < 0x20) {
    AppendU16Escape(c, out);
    return true;
  }
  return false;
}

}  // namespace

uint64_t LoadLe64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void AppendLe64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

bool HasNegativeZeroInteger(std::string_view json) {
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '-' && i + 1 < json.size() && json[i + 1] == '0') {
      const char next = i + 2 < json.size() ? json[i + 2] : ' ';
      if (next != '.' && next != 'e' && next != 'E') return true;
    }
  }
  return false;
}

void AppendSerdeJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char ch : s) {
    if (!AppendAsciiEscape(static_cast<unsigned char>(ch), out)) out->push_back(ch);
  }
  out->push_back('"');
}

void AppendPythonJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == 0x7F) {
        AppendU16Escape(c, out);
      } else if (!AppendAsciiEscape(c, out)) {
        out->push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence (valid by precondition).
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    SWERL_CHECK(i + extra < s.size());
    uint32_t cp = c & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += 1 + extra;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      AppendU16Escape(0xD800 + (cp >> 10), out);
      AppendU16Escape(0xDC00 + (cp & 0x3FF), out);
    } else {
      AppendU16Escape(cp, out);
    }
  }
  out->push_back('"');
}

}  // namespace swerl::st::internal

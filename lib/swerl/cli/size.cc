#include "swerl/cli/size.h"

#include <cctype>

namespace swerl::cli {
namespace {

Error Bad(std::string_view text, std::string_view why) {
  return Error(Code::kInvalidInput, "invalid size '" + std::string(text) +
                                        "': " + std::string(why) +
                                        " (a number of bytes, or with a suffix K, M, G or T: "
                                        "64K, 1.5M, 2G; K = 1024)");
}

}  // namespace

Result<uint64_t> ParseSize(std::string_view text) {
  size_t pos = 0;
  if (pos < text.size() && text[pos] == '-') return Bad(text, "negative");
  if (pos < text.size() && text[pos] == '+') ++pos;
  // Integer part, then an optional fraction; digits only (no exponents, no
  // hexadecimal), accumulated exactly.
  uint64_t whole = 0;
  size_t digits = 0;
  for (; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); ++pos) {
    const uint64_t d = static_cast<uint64_t>(text[pos] - '0');
    if (whole > (UINT64_MAX - d) / 10) return Bad(text, "too large");
    whole = whole * 10 + d;
    ++digits;
  }
  // The fraction as numerator / denominator, at most 18 digits kept.
  uint64_t frac_num = 0, frac_den = 1;
  size_t frac_digits = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    for (; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); ++pos) {
      if (frac_digits < 18) {
        frac_num = frac_num * 10 + static_cast<uint64_t>(text[pos] - '0');
        frac_den *= 10;
      }
      ++frac_digits;
    }
    if (frac_digits == 0) return Bad(text, "no digits after '.'");
  }
  if (digits == 0 && frac_digits == 0) return Bad(text, "no number");
  int shift = 0;
  if (pos < text.size()) {
    switch (std::tolower(static_cast<unsigned char>(text[pos]))) {
      case 'k':
        shift = 10;
        break;
      case 'm':
        shift = 20;
        break;
      case 'g':
        shift = 30;
        break;
      case 't':
        shift = 40;
        break;
      case 'b':
        shift = 0;
        --pos;  // "B" alone: bytes, read as the unit below
        break;
      default:
        return Bad(text, "unknown suffix '" + std::string(text.substr(pos)) + "'");
    }
    ++pos;
    std::string rest(text.substr(pos));
    for (char& c : rest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool unit_ok = rest.empty() || rest == "b" || (shift && rest == "ib");
    if (!unit_ok) return Bad(text, "unknown suffix '" + std::string(text.substr(pos)) + "'");
  }
  if (shift == 0 && frac_num != 0) return Bad(text, "a fraction of a byte");
  if (shift && whole > (UINT64_MAX >> shift)) return Bad(text, "too large");
  uint64_t bytes = whole << shift;
  if (frac_num) {
    // (frac_num << shift) / frac_den without overflow: frac_num < 10^18 <
    // 2^60, so split the shift.
    const unsigned __int128 part = (static_cast<unsigned __int128>(frac_num) << shift) / frac_den;
    if (bytes > UINT64_MAX - static_cast<uint64_t>(part)) return Bad(text, "too large");
    bytes += static_cast<uint64_t>(part);
  }
  return bytes;
}

std::string FormatSize(uint64_t bytes) {
  static constexpr struct {
    int shift;
    char suffix;
  } kUnits[] = {{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}};
  if (bytes == 0) return "0";
  for (const auto& u : kUnits) {
    const uint64_t unit = uint64_t{1} << u.shift;
    if (bytes % unit == 0) return std::to_string(bytes / unit) + u.suffix;
  }
  return std::to_string(bytes);
}

}  // namespace swerl::cli

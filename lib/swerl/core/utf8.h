// UTF-8 validation and repair. Repair follows the Unicode "maximal subpart"
// practice (the same output as Python's bytes.decode('utf-8', 'replace')):
// each maximal ill-formed subsequence becomes one U+FFFD.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace swerl {

// Returns true when `bytes` is well-formed UTF-8 (no surrogates, no overlongs,
// nothing above U+10FFFF).
bool IsValidUtf8(std::string_view bytes);

// Appends `bytes` to *out with every maximal ill-formed subsequence replaced
// by U+FFFD. Returns the number of replacements made.
size_t AppendRepairedUtf8(std::string* out, std::string_view bytes);

// Appends the UTF-8 encoding of code point `cp` (1-4 bytes).
// REQUIRES: cp <= 0x10FFFF (surrogates are encoded as-is, for tests).
void AppendUtf8(std::string* out, uint32_t cp);

}  // namespace swerl

// Python str primitives over UTF-8 text, as the reward needs them (SPEC
// §5.4): str.splitlines() and str.strip() with CPython 3.11's exact sets of
// line separators and whitespace, and the code points of a string.
//
// All functions take valid UTF-8 (callers repair input first, see
// reward.h); on invalid UTF-8 the results are unspecified but memory-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace swerl::reward {

// Appends to *lines the lines of `s` as str.splitlines() (keepends=False)
// yields them: separators LF, CR, CR LF (one break), U+000B, U+000C,
// U+001C, U+001D, U+001E, U+0085, U+2028, U+2029; no empty element after a
// final separator. The views point into `s`.
void SplitLines(std::string_view s, std::vector<std::string_view>* lines);

// Returns `s` without the leading and trailing code points that
// str.strip() removes: U+0009-U+000D, U+001C-U+001F, U+0020, U+0085,
// U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
std::string_view Strip(std::string_view s);

// True for the code points Strip() removes (Python's str.isspace()).
bool IsPythonSpace(uint32_t cp);

// Appends the code points of `s` to *out.
void AppendCodePoints(std::string_view s, std::vector<uint32_t>* out);

// Number of code points in `s` (Python's len()).
size_t CodePointCount(std::string_view s);

}  // namespace swerl::reward

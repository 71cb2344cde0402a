// The reward's normalized patch of one file (SPEC §5 step 4): CPython's
// difflib.unified_diff(old.splitlines(), new.splitlines(), fromfile="old",
// tofile="new", lineterm="", n=context) with its first two lines ("--- old",
// "+++ new") dropped and the rest joined with "\n" (no trailing newline).
// Lines are compared whole (interned to ids) with autojunk on, as difflib's
// default. Identical line lists give "": final-newline-only and CRLF-vs-LF
// differences vanish.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "swerl/core/result.h"

namespace swerl::reward {

// REQUIRES: old_text and new_text are valid UTF-8.
std::string NormalizedDiff(std::string_view old_text, std::string_view new_text,
                           size_t context = 3);

// NormalizedDiff, unless matching the lines would take more than max_work
// steps (MatchWork of the old lines against the new; 0 = no limit): then
// kInvalidInput, saying so. When `work` is given it receives that estimate
// (0 for equal line lists), also on that error.
Result<std::string> BoundedNormalizedDiff(std::string_view old_text, std::string_view new_text,
                                          uint64_t max_work, size_t context = 3,
                                          uint64_t* work = nullptr);

}  // namespace swerl::reward

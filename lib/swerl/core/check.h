// SWERL_CHECK: programmer-error assertions that stay on in release builds
// (git's BUG(), DuckDB's D_ASSERT). Data errors use Result, never CHECK.
#pragma once

namespace swerl::internal {
[[noreturn]] void CheckFailed(const char* expr, const char* file, int line);
}  // namespace swerl::internal

// Evaluates to void; aborts with file:line and the expression when false.
#define SWERL_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::swerl::internal::CheckFailed(#cond, __FILE__, __LINE__))

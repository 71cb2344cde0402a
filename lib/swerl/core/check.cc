#include "swerl/core/check.h"

#include <cstdio>
#include <cstdlib>

namespace swerl::internal {

// The one place lib/ writes to stderr: the process is about to abort on a bug.
void CheckFailed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "swerl: BUG: %s:%d: check failed: %s\n", file, line, expr);
  std::abort();
}

}  // namespace swerl::internal

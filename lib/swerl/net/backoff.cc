#include "swerl/net/backoff.h"

#include <algorithm>

#include "swerl/core/check.h"

namespace swerl::net {

std::chrono::milliseconds Backoff::Delay(int retry) {
  SWERL_CHECK(retry >= 1);
  const int64_t cap = std::max<int64_t>(policy_.cap_ms, 0);
  int64_t d = std::clamp<int64_t>(policy_.base_ms, 0, cap);
  // Doubling stops at the cap, so large retry numbers cannot overflow.
  for (int i = 1; i < retry && d < cap; ++i) d = std::min(cap, d * 2);
  if (d <= 1) return std::chrono::milliseconds(d);
  std::uniform_int_distribution<int64_t> jitter(d / 2, d);
  return std::chrono::milliseconds(jitter(rng_));
}

}  // namespace swerl::net

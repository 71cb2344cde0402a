// Backoff: exponential retry delays with jitter. The random source is
// seedable, so tests and reruns can reproduce a schedule.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace swerl::net {

struct BackoffPolicy {
  int64_t base_ms = 1000;  // the delay before the first retry, before jitter
  int64_t cap_ms = 60000;  // no delay exceeds this
};

// Not thread-safe.
class Backoff {
 public:
  Backoff(BackoffPolicy policy, uint64_t seed) : policy_(policy), rng_(seed) {}

  // The delay before retry number `retry` (1 = the first retry): d =
  // min(cap, base * 2^(retry-1)), then "equal jitter", uniform in [d/2, d],
  // so parallel clients spread out yet the delay still grows.
  // REQUIRES: retry >= 1.
  std::chrono::milliseconds Delay(int retry);

 private:
  BackoffPolicy policy_;
  std::mt19937_64 rng_;
};

}  // namespace swerl::net

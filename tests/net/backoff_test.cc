#include "swerl/net/backoff.h"

#include <gtest/gtest.h>

namespace swerl::net {
namespace {

TEST(NetBackoffTest, SameSeedSameSchedule) {
  Backoff a({1000, 60000}, 42), b({1000, 60000}, 42), c({1000, 60000}, 43);
  bool any_differs = false;
  for (int retry = 1; retry <= 10; ++retry) {
    const auto da = a.Delay(retry);
    EXPECT_EQ(da, b.Delay(retry));
    any_differs |= da != c.Delay(retry);
  }
  EXPECT_TRUE(any_differs);
}

TEST(NetBackoffTest, DoublesWithEqualJitterUpToTheCap) {
  Backoff backoff({1000, 60000}, 1);
  for (int trial = 0; trial < 200; ++trial) {
    for (int retry = 1; retry <= 12; ++retry) {
      const int64_t full = std::min<int64_t>(60000, int64_t{1000} << (retry - 1));
      const int64_t d = backoff.Delay(retry).count();
      ASSERT_GE(d, full / 2) << retry;
      ASSERT_LE(d, full) << retry;
    }
  }
  EXPECT_LE(backoff.Delay(1000).count(), 60000);  // no overflow for huge retry numbers
}

TEST(NetBackoffTest, ZeroBaseMeansNoWait) {
  Backoff backoff({0, 60000}, 1);
  EXPECT_EQ(backoff.Delay(1).count(), 0);
  EXPECT_EQ(backoff.Delay(30).count(), 0);
  Backoff capped({5000, 100}, 1);
  EXPECT_LE(capped.Delay(1).count(), 100);
}

}  // namespace
}  // namespace swerl::net

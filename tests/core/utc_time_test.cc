#include "swerl/core/utc_time.h"

#include <gtest/gtest.h>

namespace swerl {
namespace {

TEST(FormatUtc, GithubFormToTheSecond) {
  EXPECT_EQ(FormatUtc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtc(1700000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatUtc(951782400), "2000-02-29T00:00:00Z");  // a leap day
  EXPECT_EQ(FormatUtc(253402300799), "9999-12-31T23:59:59Z");
}

}  // namespace
}  // namespace swerl

// Byte sizes on the command line (swerl/cli/size.h): binary suffixes, the
// refusals a size option relies on (negative, unknown suffix, overflow),
// and FormatSize as the inverse of ParseSize.
#include "swerl/cli/size.h"

#include <gtest/gtest.h>

#include <random>

namespace swerl::cli {
namespace {

TEST(ParseSizeTest, BinarySuffixes) {
  const std::pair<const char*, uint64_t> cases[] = {
      {"0", 0},
      {"4096", 4096},
      {"1K", 1024},
      {"1k", 1024},
      {"64KiB", 64 << 10},
      {"64kb", 64 << 10},
      {"1M", 1 << 20},
      {"8MB", 8 << 20},
      {"1.5M", 3 << 19},
      {"2G", uint64_t{2} << 30},
      {"0.5g", uint64_t{1} << 29},
      {"1T", uint64_t{1} << 40},
      {"100B", 100},
      {"+7", 7},
      {"1.0009765625K", 1025},
      {"0.3K", 307},  // rounded down to whole bytes
      {"18446744073709551615", UINT64_MAX},
      {"16777215T", uint64_t{16777215} << 40},
  };
  for (const auto& [text, bytes] : cases) {
    auto parsed = ParseSize(text);
    ASSERT_TRUE(parsed) << text << ": " << parsed.error().message();
    EXPECT_EQ(*parsed, bytes) << text;
  }
}

TEST(ParseSizeTest, RefusesWhatIsNotASize) {
  for (const char* text : {"",
                           "-1",
                           "-0",
                           "-1K",
                           "K",
                           "1X",
                           "1KX",
                           "1iB",
                           "1.5",
                           "1.",
                           ".K",
                           "1e6",
                           "0x10",
                           "1 K",
                           " 1",
                           "1K ",
                           "18446744073709551616",
                           "16777216T",
                           "99999999999999999999G",
                           "nan",
                           "inf"}) {
    auto parsed = ParseSize(text);
    EXPECT_FALSE(parsed) << "'" << text << "' gave " << (parsed ? *parsed : 0);
    if (!parsed) {
      EXPECT_NE(parsed.error().message().find("'" + std::string(text) + "'"), std::string::npos)
          << parsed.error().message();
    }
  }
  EXPECT_NE(ParseSize("-1").error().message().find("negative"), std::string::npos);
}

TEST(FormatSizeTest, IsTheShortestExactSpellingAndParsesBack) {
  EXPECT_EQ(FormatSize(0), "0");
  EXPECT_EQ(FormatSize(1000), "1000");
  EXPECT_EQ(FormatSize(1024), "1K");
  EXPECT_EQ(FormatSize(8 << 20), "8M");
  EXPECT_EQ(FormatSize(3 << 19), "1536K");
  EXPECT_EQ(FormatSize(uint64_t{1} << 30), "1G");
  EXPECT_EQ(FormatSize(uint64_t{3} << 40), "3T");
  std::mt19937_64 rng(16);
  for (int k = 0; k < 20000; ++k) {
    const int shift = static_cast<int>(rng() % 64);
    const uint64_t v = rng() >> shift;
    auto back = ParseSize(FormatSize(v));
    ASSERT_TRUE(back) << v;
    EXPECT_EQ(*back, v) << FormatSize(v);
    // Every suffix scales exactly, or refuses to overflow.
    const uint64_t small = v >> 44;
    for (const auto& [suffix, bits] : {std::pair{"K", 10}, {"M", 20}, {"G", 30}, {"T", 40}}) {
      auto scaled = ParseSize(std::to_string(small) + suffix);
      ASSERT_TRUE(scaled);
      EXPECT_EQ(*scaled, small << bits);
    }
  }
}

}  // namespace
}  // namespace swerl::cli

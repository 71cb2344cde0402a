#include "swerl/gharchive/hour.h"

#include <gtest/gtest.h>

#include <vector>

namespace swerl::gharchive {
namespace {

Hour MustParse(std::string_view text) {
  auto h = Hour::Parse(text);
  EXPECT_TRUE(h.has_value()) << text << ": " << (h ? "" : h.error().message());
  return h ? *h : Hour();
}

TEST(HourTest, ParsesEveryAcceptedForm) {
  const Hour want = *Hour::FromCivil(2024, 1, 1, 0);
  for (const char* text :
       {"2024-01-01T00", "2024-01-01T0", "2024-01-01-0", "2024-01-01-00", "2024-01-01-0.json.gz"}) {
    EXPECT_EQ(MustParse(text), want) << text;
  }
  const Hour h = MustParse("2015-01-01T15");
  EXPECT_EQ(h.year(), 2015);
  EXPECT_EQ(h.month(), 1);
  EXPECT_EQ(h.day(), 1);
  EXPECT_EQ(h.hour(), 15);
  EXPECT_EQ(MustParse("2015-01-01-15"), h);
  EXPECT_EQ(MustParse("2015-01-01-15.json.gz"), h);
}

TEST(HourTest, FileNamesAreNotZeroPadded) {
  EXPECT_EQ(MustParse("2024-01-01T00").FileName(), "2024-01-01-0.json.gz");
  EXPECT_EQ(MustParse("2024-01-01T05").FileName(), "2024-01-01-5.json.gz");
  EXPECT_EQ(MustParse("2015-01-01T15").FileName(), "2015-01-01-15.json.gz");
  EXPECT_EQ(MustParse("2019-09-12T08").Name(), "2019-09-12-8");
  EXPECT_EQ(MustParse("2024-03-07-5").Iso(), "2024-03-07T05");
}

TEST(HourTest, RejectsMalformedText) {
  for (const char* text :
       {"", "2024", "2024-01-01", "2024-01-01T", "2024-01-01T000", "2024-01-01 00", "2024-1-01T00",
        "2024-01-1T00", "24-01-01T00", "2024/01/01T00", "2024-01-01Tx", "2024-01-01T-1",
        "2024-01-01T0 ", " 2024-01-01T0", "2024-01-01t00", "2024-01-01T1.json", ".json.gz"}) {
    auto h = Hour::Parse(text);
    ASSERT_FALSE(h.has_value()) << "'" << text << "'";
    EXPECT_EQ(h.error().code(), Code::kInvalidInput);
    EXPECT_NE(h.error().message().find("invalid hour '" + std::string(text) + "'"),
              std::string::npos)
        << h.error().message();
  }
}

TEST(HourTest, ValidatesTheCalendar) {
  EXPECT_TRUE(Hour::Parse("2024-02-29T00").has_value());  // divisible by 4
  EXPECT_TRUE(Hour::Parse("2000-02-29T23").has_value());  // divisible by 400
  struct Case {
    const char* text;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{{"2023-02-29T00", "2023-02 has no day 29"},
                                         {"1900-02-29T00", "1900-02 has no day 29"},
                                         {"2024-02-30T00", "2024-02 has no day 30"},
                                         {"2024-04-31T00", "2024-04 has no day 31"},
                                         {"2024-01-00T00", "has no day 0"},
                                         {"2024-13-01T00", "month must be 01..12"},
                                         {"2024-00-01T00", "month must be 01..12"},
                                         {"2024-01-01T24", "hour must be 0..23"},
                                         {"2024-01-01-99", "hour must be 0..23"},
                                         {"0000-01-01T00", "year must be 0001..9999"}}) {
    auto h = Hour::Parse(c.text);
    ASSERT_FALSE(h.has_value()) << c.text;
    EXPECT_NE(h.error().message().find(c.why), std::string::npos) << h.error().message();
  }
  EXPECT_FALSE(Hour::FromCivil(2024, 6, 31, 0).has_value());
  EXPECT_FALSE(Hour::FromCivil(10000, 1, 1, 0).has_value());
}

TEST(HourTest, IndexCountsHoursSinceTheEpoch) {
  EXPECT_EQ(MustParse("1970-01-01T00").index(), 0);
  EXPECT_EQ(MustParse("1970-01-02T01").index(), 25);
  // 2024-01-01 is day 19723 of the Unix epoch.
  EXPECT_EQ(MustParse("2024-01-01T00").index(), 19723 * 24);
  EXPECT_EQ(MustParse("1969-12-31T23").index(), -1);
  EXPECT_EQ(Hour::FromIndex(-1).Iso(), "1969-12-31T23");
  EXPECT_EQ(Hour::FromIndex(-1).hour(), 23);
}

TEST(HourTest, NextCrossesDayMonthYearAndLeapDay) {
  EXPECT_EQ(MustParse("2024-12-31T23").Next().Iso(), "2025-01-01T00");
  EXPECT_EQ(MustParse("2024-02-28T23").Next().Iso(), "2024-02-29T00");
  EXPECT_EQ(MustParse("2023-02-28T23").Next().Iso(), "2023-03-01T00");
  EXPECT_EQ(MustParse("2024-01-31T23").Next().Iso(), "2024-02-01T00");
}

TEST(HourTest, NamesRoundTripForEveryHourOfFourYears) {
  Hour h = MustParse("1999-12-31T00");
  const Hour end = MustParse("2004-01-01T23");
  int64_t count = 0;
  for (; h <= end; h = h.Next(), ++count) {
    auto from_file = Hour::Parse(h.FileName());
    auto from_iso = Hour::Parse(h.Iso());
    ASSERT_TRUE(from_file && from_iso) << h.Iso();
    ASSERT_EQ(*from_file, h);
    ASSERT_EQ(*from_iso, h);
    auto civil = Hour::FromCivil(h.year(), h.month(), h.day(), h.hour());
    ASSERT_TRUE(civil.has_value());
    ASSERT_EQ(*civil, h);
  }
  EXPECT_EQ(count, (1 + 366 + 365 + 365 + 365 + 1) * 24);  // 1999-12-31 .. 2004-01-01
}

TEST(HourTest, OrdersByTime) {
  EXPECT_LT(MustParse("2024-01-01T09"), MustParse("2024-01-01T10"));
  EXPECT_LT(MustParse("2023-12-31T23"), MustParse("2024-01-01T00"));
  EXPECT_EQ(MustParse("2024-01-01T09"), MustParse("2024-01-01-9"));
}

TEST(HourRangeTest, IteratesInclusively) {
  auto range = HourRange::Parse("2024-01-01T22", "2024-01-02T01");
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->size(), 4u);
  std::vector<std::string> names;
  for (Hour h : *range) names.push_back(h.FileName());
  EXPECT_EQ(names, (std::vector<std::string>{"2024-01-01-22.json.gz", "2024-01-01-23.json.gz",
                                             "2024-01-02-0.json.gz", "2024-01-02-1.json.gz"}));
  std::vector<Hour> hours(range->begin(), range->end());
  EXPECT_EQ(hours.size(), 4u);
  EXPECT_TRUE(range->Contains(MustParse("2024-01-02T00")));
  EXPECT_FALSE(range->Contains(MustParse("2024-01-02T02")));
}

TEST(HourRangeTest, SingleHourAndWholeDay) {
  auto one = HourRange::Parse("2024-01-01T05", "2024-01-01-5");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->size(), 1u);
  EXPECT_EQ((*one->begin()).FileName(), "2024-01-01-5.json.gz");
  auto day = HourRange::Parse("2024-02-29T00", "2024-02-29T23");
  ASSERT_TRUE(day.has_value());
  EXPECT_EQ(day->size(), 24u);
}

TEST(HourRangeTest, RejectsBackwardsRangesAndBadEnds) {
  auto back = HourRange::Parse("2024-01-02T00", "2024-01-01T23");
  ASSERT_FALSE(back.has_value());
  EXPECT_EQ(back.error().code(), Code::kInvalidInput);
  EXPECT_NE(back.error().message().find("2024-01-01T23 is before --from 2024-01-02T00"),
            std::string::npos)
      << back.error().message();
  auto bad = HourRange::Parse("2024-01-01T00", "2024-02-30T00");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("'2024-02-30T00'"), std::string::npos);
}

}  // namespace
}  // namespace swerl::gharchive

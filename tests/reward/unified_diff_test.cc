#include "swerl/reward/unified_diff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace swerl::reward {
namespace {

std::string Repeat(std::string_view line, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.append(line);
  return s;
}

TEST(NormalizedDiff, Spec52Cases) {
  EXPECT_EQ(NormalizedDiff("a\nb\nc\n", "a\nB\nc\n"), "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c");
  EXPECT_EQ(NormalizedDiff("", "x\n"), "@@ -0,0 +1 @@\n+x");
  EXPECT_EQ(NormalizedDiff("x\ny\n", ""), "@@ -1,2 +0,0 @@\n-x\n-y");
  EXPECT_EQ(NormalizedDiff("a\nb", "a\nb\n"), "");
  EXPECT_EQ(NormalizedDiff("a\r\nb\r\n", "a\nb\n"), "");
  EXPECT_EQ(NormalizedDiff("", ""), "");
}

TEST(NormalizedDiff, AutojunkInsideUnifiedDiff) {
  // 301 lines: x is popular, so the change swallows the right half.
  const std::string old301 = Repeat("x\n", 150) + "y\n" + Repeat("x\n", 150);
  const std::string new301 = Repeat("x\n", 150) + "z\n" + Repeat("x\n", 150);
  const std::string d = NormalizedDiff(old301, new301);
  EXPECT_EQ(d.substr(0, d.find('\n')), "@@ -148,154 +148,154 @@");
  EXPECT_EQ(std::count(d.begin(), d.end(), '\n') + 1, 306);
  // Below 200 lines there is no autojunk: a normal 7-line hunk.
  const std::string old199 = Repeat("x\n", 99) + "y\n" + Repeat("x\n", 99);
  const std::string new199 = Repeat("x\n", 99) + "z\n" + Repeat("x\n", 99);
  EXPECT_EQ(NormalizedDiff(old199, new199), "@@ -97,7 +97,7 @@\n x\n x\n x\n-y\n+z\n x\n x\n x");
}

TEST(NormalizedDiff, HunksSplitOnLongUnchangedRuns) {
  std::string old_text, new_text;
  for (int i = 1; i <= 20; ++i) {
    old_text += std::to_string(i) + "\n";
    new_text += (i == 2 || i == 18 ? "X" : std::to_string(i)) + "\n";
  }
  EXPECT_EQ(NormalizedDiff(old_text, new_text),
            "@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n"
            "@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+X\n 19\n 20");
}

TEST(NormalizedDiff, UnicodeLineBreaksSplitLines) {
  // U+2028 is a line break for splitlines: "a<LS>b" is two lines.
  EXPECT_EQ(NormalizedDiff("a\xE2\x80\xA8"
                           "b\n",
                           "a\nb\n"),
            "");
  EXPECT_EQ(NormalizedDiff("a\x0b"
                           "b",
                           "a\nc"),
            "@@ -1,2 +1,2 @@\n a\n-b\n+c");
}

}  // namespace
}  // namespace swerl::reward

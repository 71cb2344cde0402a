#include "swerl/reward/py_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "swerl/core/utf8.h"

namespace swerl::reward {
namespace {

std::vector<std::string> Lines(std::string_view s) {
  std::vector<std::string_view> v;
  SplitLines(s, &v);
  return {v.begin(), v.end()};
}

std::string Cp(uint32_t cp) {
  std::string s;
  AppendUtf8(&s, cp);
  return s;
}

using V = std::vector<std::string>;

TEST(SplitLines, PythonEdgeCases) {
  EXPECT_EQ(Lines(""), V{});
  EXPECT_EQ(Lines("\n"), V{""});
  EXPECT_EQ(Lines("a"), V{"a"});
  EXPECT_EQ(Lines("a\n"), V{"a"});
  EXPECT_EQ(Lines("a\n\n"), (V{"a", ""}));
  EXPECT_EQ(Lines("a\r\nb\rc\n"), (V{"a", "b", "c"}));
  EXPECT_EQ(Lines("a\r\r\nb"), (V{"a", "", "b"}));
  EXPECT_EQ(Lines("\r"), V{""});
  EXPECT_EQ(Lines("\n\r"), (V{"", ""}));  // LF then CR: two breaks
}

TEST(SplitLines, EverySeparator) {
  for (uint32_t sep : {0x0Au, 0x0Bu, 0x0Cu, 0x0Du, 0x1Cu, 0x1Du, 0x1Eu, 0x85u, 0x2028u, 0x2029u}) {
    SCOPED_TRACE(sep);
    EXPECT_EQ(Lines("x" + Cp(sep) + "y"), (V{"x", "y"}));
    EXPECT_EQ(Lines("x" + Cp(sep)), V{"x"});
  }
}

TEST(SplitLines, NearMissesAreNotSeparators) {
  // U+001F, U+00A0 and the code points that share a lead byte with the
  // multi-byte separators stay inside the line.
  for (uint32_t cp : {0x09u, 0x1Fu, 0x84u, 0x86u, 0xA0u, 0x2027u, 0x202Au, 0x200Bu, 0x2060u}) {
    SCOPED_TRACE(cp);
    const std::string s = "x" + Cp(cp) + "y";
    EXPECT_EQ(Lines(s), V{s});
  }
}

TEST(Strip, EveryWhitespaceCodePoint) {
  const std::vector<uint32_t> spaces = {0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x1C,   0x1D,
                                        0x1E,   0x1F,   0x20,   0x85,   0xA0,   0x1680, 0x2000,
                                        0x2005, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
  for (uint32_t cp : spaces) {
    SCOPED_TRACE(cp);
    EXPECT_TRUE(IsPythonSpace(cp));
    EXPECT_EQ(Strip(Cp(cp) + "a b" + Cp(cp) + Cp(cp)), "a b");
  }
  // Not whitespace for str.strip(): zero-width space, Mongolian vowel
  // separator (whitespace before Unicode 6.3), BOM, U+200B.
  for (uint32_t cp : {0x00u, 0x08u, 0x0Eu, 0x21u, 0x180Eu, 0x200Bu, 0x2060u, 0xFEFFu}) {
    SCOPED_TRACE(cp);
    EXPECT_FALSE(IsPythonSpace(cp));
    EXPECT_EQ(Strip(Cp(cp) + "a" + Cp(cp)), Cp(cp) + "a" + Cp(cp));
  }
  EXPECT_EQ(Strip(""), "");
  EXPECT_EQ(Strip(" \n\t "), "");
  EXPECT_EQ(Strip("\xC3\xA9"), "\xC3\xA9");  // é: a multi-byte non-space at both ends
}

TEST(CodePoints, DecodeAndCount) {
  std::vector<uint32_t> cps;
  const std::string s = "a" + Cp(0xE9) + Cp(0x20AC) + Cp(0x1F600) + Cp(0x301);
  AppendCodePoints(s, &cps);
  EXPECT_EQ(cps, (std::vector<uint32_t>{'a', 0xE9, 0x20AC, 0x1F600, 0x301}));
  EXPECT_EQ(CodePointCount(s), 5u);
}

}  // namespace
}  // namespace swerl::reward

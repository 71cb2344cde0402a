// NFC as Hugging Face tokenizers applies it, on hand-checked cases
// (tok_parity sweeps every code point with a decomposition or a class).
#include "swerl/tok/nfc.h"

#include <gtest/gtest.h>

namespace swerl::tok {
namespace {

TEST(NfcTest, LeavesNfcTextAlone) {
  EXPECT_EQ(Nfc(""), "");
  EXPECT_EQ(Nfc("plain ASCII\n\t~"), "plain ASCII\n\t~");
  EXPECT_EQ(Nfc("caf\u00e9 \u4e2d\u6587 \U0001F600"), "caf\u00e9 \u4e2d\u6587 \U0001F600");
  EXPECT_TRUE(IsNfcQuickYes("caf\u00e9 \u4e2d\u6587"));
  EXPECT_FALSE(IsNfcQuickYes("cafe\u0301"));
  EXPECT_FALSE(IsNfcQuickYes("\u212b"));
}

TEST(NfcTest, ComposesAndReorders) {
  EXPECT_EQ(Nfc("cafe\u0301"), "caf\u00e9");
  EXPECT_EQ(Nfc("\u1e0b\u0323"), "\u1e0d\u0307");     // ḋ + dot below -> ḍ + dot above
  EXPECT_EQ(Nfc("a\u0301\u0316"), "\u00e1\u0316");    // 220 sorts before 230, then a+acute
  EXPECT_EQ(Nfc("a\u0345\u0301"), "\u00e1\u0345");    // 240 after 230
  EXPECT_EQ(Nfc("e\u0301\u0301"), "\u00e9\u0301");    // the second acute is blocked
  EXPECT_EQ(Nfc("x\u0301y\u0301"), "x\u0301\u00fd");  // no composite for x
}

TEST(NfcTest, SingletonsAndExclusions) {
  EXPECT_EQ(Nfc("\u212b"), "\u00c5");        // ANGSTROM SIGN
  EXPECT_EQ(Nfc("\u212a"), "K");             // KELVIN SIGN
  EXPECT_EQ(Nfc("\u0958"), "\u0915\u093c");  // excluded from composition
  EXPECT_EQ(Nfc("\u0344"), "\u0308\u0301");  // non-starter decomposition
}

TEST(NfcTest, Hangul) {
  EXPECT_EQ(Nfc("\u1100\u1161\u11a8"), "\uac01");  // L V T -> LVT
  EXPECT_EQ(Nfc("\uac00\u11a8"), "\uac01");        // LV + T
  EXPECT_EQ(Nfc("\uac01\u11a8"), "\uac01\u11a8");  // LVT + T: no composite
}

TEST(NfcTest, FollowsTheReferencesOlderTables) {
  // U+11938 decomposes since Unicode 13 and U+1AC1 is a class-230 mark since
  // Unicode 14; the reference knows neither, so neither changes.
  EXPECT_EQ(Nfc("\U00011938"), "\U00011938");
  EXPECT_EQ(Nfc("a\u1ac1\u0316"), "a\u1ac1\u0316");
}

TEST(NfcTest, LongRunsOfMarks) {
  std::string text = "o";
  for (int k = 0; k < 500; ++k) text += k % 2 ? "\u0301" : "\u0323";
  // Sorted by class (220 before 230); only the first dot below composes.
  std::string expected = "\u1ecd";
  for (int k = 0; k < 249; ++k) expected += "\u0323";
  for (int k = 0; k < 250; ++k) expected += "\u0301";
  EXPECT_EQ(Nfc(text), expected);
  EXPECT_EQ(Nfc("x" + text + "y"), "x" + expected + "y");
}

}  // namespace
}  // namespace swerl::tok

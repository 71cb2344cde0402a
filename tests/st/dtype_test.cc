#include "swerl/st/dtype.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace swerl::st {
namespace {

TEST(DtypeTest, NamesRoundTripAndAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < kDtypeCount; ++i) {
    const auto d = static_cast<Dtype>(i);
    const std::string name(DtypeName(d));
    EXPECT_TRUE(seen.insert(name).second) << name;
    ASSERT_TRUE(ParseDtype(name).has_value()) << name;
    EXPECT_EQ(*ParseDtype(name), d);
  }
  EXPECT_EQ(seen.size(), 22u);
}

TEST(DtypeTest, NamesAndBitsMatchTheFormat) {
  EXPECT_EQ(DtypeName(Dtype::kBF16), "BF16");
  EXPECT_EQ(DtypeName(Dtype::kF8E4M3), "F8_E4M3");
  EXPECT_EQ(DtypeName(Dtype::kF6E2M3), "F6_E2M3");
  EXPECT_EQ(DtypeName(Dtype::kBool), "BOOL");
  EXPECT_EQ(DtypeBits(Dtype::kF4), 4);
  EXPECT_EQ(DtypeBits(Dtype::kF6E3M2), 6);
  EXPECT_EQ(DtypeBits(Dtype::kBool), 8);
  EXPECT_EQ(DtypeBits(Dtype::kF8E8M0), 8);
  EXPECT_EQ(DtypeBits(Dtype::kBF16), 16);
  EXPECT_EQ(DtypeBits(Dtype::kU32), 32);
  EXPECT_EQ(DtypeBits(Dtype::kC64), 64);
  EXPECT_EQ(DtypeBits(Dtype::kI64), 64);
}

TEST(DtypeTest, ParseIsExact) {
  EXPECT_FALSE(ParseDtype("f32"));
  EXPECT_FALSE(ParseDtype("F32 "));
  EXPECT_FALSE(ParseDtype("F8_E4M3FN"));
  EXPECT_FALSE(ParseDtype("C128"));
  EXPECT_FALSE(ParseDtype(""));
}

TEST(DtypeTest, EnumOrderIsTheWritersAlignmentOrder) {
  // safetensors sorts tensors by this order, descending (Rust enum order).
  const char* order[] = {"BOOL",    "F4",      "F6_E2M3", "F6_E3M2",     "U8",          "I8",
                         "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16",
                         "U16",     "F16",     "BF16",    "I32",         "U32",         "F32",
                         "C64",     "F64",     "I64",     "U64"};
  for (int i = 0; i < kDtypeCount; ++i) EXPECT_EQ(DtypeName(static_cast<Dtype>(i)), order[i]);
}

}  // namespace
}  // namespace swerl::st

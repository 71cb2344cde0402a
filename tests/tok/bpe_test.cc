// BpeModel: building from vocabulary and merges, and its lookups.
#include "swerl/tok/bpe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "swerl/tok/byte_level.h"

namespace swerl::tok {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::pair<std::string, int32_t>> ByteVocab() {
  std::vector<std::pair<std::string, int32_t>> v;
  for (int b = 0; b < 256; ++b) {
    std::string s;
    AppendByteLevel(std::string(1, static_cast<char>(b)), &s);
    v.emplace_back(s, b);
  }
  return v;
}

TEST(ByteLevelTest, AlphabetIsGpt2s) {
  EXPECT_EQ(ByteToCodePoint(' '), 0x120u);
  EXPECT_EQ(ByteToCodePoint('\n'), 0x10Au);
  EXPECT_EQ(ByteToCodePoint('A'), static_cast<uint32_t>('A'));
  EXPECT_EQ(ByteToCodePoint(0xAD), 0x143u);  // the last of the 68 remapped bytes
  EXPECT_EQ(CodePointToByte(0x120), ' ');
  EXPECT_EQ(CodePointToByte(0x20), -1);  // a space is not in the alphabet
  EXPECT_EQ(DecodeByteLevel("\u0120hi\u010a"), " hi\n");
  EXPECT_EQ(DecodeByteLevel("a b"), std::nullopt);
  EXPECT_EQ(DecodeByteLevel("\u4e2d"), std::nullopt);
}

TEST(BpeModelTest, TokenizesAndFindsWholePieces) {
  auto v = ByteVocab();
  v.emplace_back("ab", 256);
  auto m = BpeModel::Build(v, {{"a", "b"}}, {});
  ASSERT_TRUE(m) << m.error().message();
  std::vector<int32_t> ids;
  m->Tokenize("abcab", &ids);
  EXPECT_THAT(ids, ElementsAre(256, 'c', 256));
  EXPECT_EQ(m->WholeId("ab"), 256);
  EXPECT_EQ(m->WholeId("abc"), std::nullopt);
  EXPECT_EQ(m->vocab_size(), 257u);
  EXPECT_EQ(m->merge_count(), 1u);
}

TEST(BpeModelTest, MissingBytesAreDroppedOrUnknown) {
  std::vector<std::pair<std::string, int32_t>> v = {{"a", 0}, {"<unk>", 1}};
  auto dropped = BpeModel::Build(v, {}, {});
  ASSERT_TRUE(dropped);
  std::vector<int32_t> ids;
  dropped->Tokenize("xax", &ids);
  EXPECT_THAT(ids, ElementsAre(0));
  BpeModel::Options options;
  options.unk_id = 1;
  options.fuse_unk = true;
  auto unk = BpeModel::Build(v, {}, options);
  ASSERT_TRUE(unk);
  ids.clear();
  unk->Tokenize("xxaxa", &ids);
  EXPECT_THAT(ids, ElementsAre(1, 0, 1, 0));
}

TEST(BpeModelTest, BuildErrors) {
  auto dup_token = BpeModel::Build({{"a", 0}, {"a", 1}}, {}, {});
  ASSERT_FALSE(dup_token);
  EXPECT_THAT(dup_token.error().message(), HasSubstr("appears twice"));
  auto dup_id = BpeModel::Build({{"a", 0}, {"b", 0}}, {}, {});
  ASSERT_FALSE(dup_id);
  EXPECT_THAT(dup_id.error().message(), HasSubstr("id 0 appears twice"));
  auto missing = BpeModel::Build({{"a", 0}, {"b", 1}}, {{"a", "c"}}, {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kInvalidInput);
  EXPECT_THAT(missing.error().message(), HasSubstr("'c' is not in the vocabulary"));
}

}  // namespace
}  // namespace swerl::tok

#include "swerl/reward/sequence_matcher.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "swerl/reward/py_text.h"

namespace swerl::reward {
namespace {

std::vector<uint32_t> Cps(std::string_view s) {
  std::vector<uint32_t> v;
  AppendCodePoints(s, &v);
  return v;
}

double R(std::string_view a, std::string_view b, bool autojunk = false) {
  const std::vector<uint32_t> av = Cps(a), bv = Cps(b);
  return Ratio(av, IndexedSequence(bv, autojunk));
}

TEST(Ratio, Spec52Cases) {
  EXPECT_EQ(R("tide", "diet"), 0.25);
  EXPECT_EQ(R("diet", "tide"), 0.5);  // not symmetric
  EXPECT_EQ(R("abxcd", "abcd"), 0.8888888888888888);
  EXPECT_EQ(R("qabxcd", "abycdf"), 0.6666666666666666);
  EXPECT_EQ(R("", ""), 1.0);
  EXPECT_EQ(R("a", ""), 0.0);
  const std::string x = std::string(150, 'a') + std::string(100, 'b');
  const std::string y = std::string(100, 'b') + std::string(150, 'a');
  EXPECT_EQ(R(x, y, /*autojunk=*/false), 0.6);
  EXPECT_EQ(R(x, y, /*autojunk=*/true), 0.0);
  EXPECT_EQ(R("\xC3\xA9", "\xC3\xA8"), 0.0);  // é vs è: code points, not bytes
}

TEST(MatchingBlocks, CPythonDocExamples) {
  const auto a = Cps("abxcd"), b = Cps("abcd");
  EXPECT_EQ(MatchingBlocks(a, IndexedSequence(b, false)),
            (std::vector<MatchingBlock>{{0, 0, 2}, {3, 2, 2}, {5, 4, 0}}));
  const auto q = Cps("qabxcd"), r = Cps("abycdf");
  EXPECT_EQ(Opcodes(MatchingBlocks(q, IndexedSequence(r, false))),
            (std::vector<Opcode>{{OpTag::kDelete, 0, 1, 0, 0},
                                 {OpTag::kEqual, 1, 3, 0, 2},
                                 {OpTag::kReplace, 3, 4, 2, 3},
                                 {OpTag::kEqual, 4, 6, 3, 5},
                                 {OpTag::kInsert, 6, 6, 5, 6}}));
}

TEST(MatchingBlocks, TiesGoToTheEarliestStart) {
  // "ab" occurs twice in b: CPython picks the smallest j for the first i.
  const auto a = Cps("ab"), b = Cps("xabyab");
  EXPECT_EQ(MatchingBlocks(a, IndexedSequence(b, false)),
            (std::vector<MatchingBlock>{{0, 1, 2}, {2, 6, 0}}));
}

TEST(MatchingBlocks, PopularSymbolsAreMatchedOnlyByExtension) {
  // 200+ symbols: 'x' is popular; the 'y'/'z' difference in the middle
  // leaves the right half unmatched (CPython gives the same).
  std::vector<uint32_t> a(150, 'x'), b(150, 'x');
  a.push_back('y');
  b.push_back('z');
  a.insert(a.end(), 150, 'x');
  b.insert(b.end(), 150, 'x');
  EXPECT_EQ(MatchingBlocks(a, IndexedSequence(b, true)),
            (std::vector<MatchingBlock>{{0, 0, 150}, {301, 301, 0}}));
  EXPECT_EQ(MatchingBlocks(a, IndexedSequence(b, false)),
            (std::vector<MatchingBlock>{{0, 0, 150}, {151, 151, 150}, {301, 301, 0}}));
}

TEST(Ratio, PopularityThresholdIsCountAboveLenDiv100PlusOne) {
  // len(b) = 200: a symbol is popular when it occurs more than 3 times.
  // "p" can only match by starting a match, so popularity decides.
  auto b_with = [](int p_count) {
    std::vector<uint32_t> b(100, 'x');
    b.insert(b.end(), p_count, 'p');
    b.insert(b.end(), 100 - p_count, 'x');
    return b;
  };
  const std::vector<uint32_t> a = {'p'};
  EXPECT_EQ(Ratio(a, IndexedSequence(b_with(3), true)), 2.0 / 201.0);
  EXPECT_EQ(Ratio(a, IndexedSequence(b_with(4), true)), 0.0);
  EXPECT_EQ(Ratio(a, IndexedSequence(b_with(4), false)), 2.0 / 201.0);
  // 199 elements: no autojunk at all.
  std::vector<uint32_t> short_b = b_with(4);
  short_b.pop_back();
  EXPECT_EQ(Ratio(a, IndexedSequence(short_b, true)), 2.0 / 200.0);
}

// Invariants on random sequences over small alphabets (many ties and
// repeats), with and without autojunk, lengths around the 200 threshold.
TEST(MatchingBlocks, InvariantsOnRandomSequences) {
  std::mt19937 rng(42);
  for (int iter = 0; iter < 400; ++iter) {
    const int alphabet = 1 + static_cast<int>(rng() % 6);
    auto gen = [&] {
      std::vector<uint32_t> v(rng() % 260);
      for (auto& x : v) x = 'a' + rng() % alphabet;
      return v;
    };
    const auto a = gen(), b = gen();
    const bool autojunk = iter % 2;
    const IndexedSequence ib(b, autojunk);
    const auto blocks = MatchingBlocks(a, ib);
    ASSERT_FALSE(blocks.empty());
    EXPECT_EQ(blocks.back(), (MatchingBlock{a.size(), b.size(), 0}));
    size_t matched = 0, ai = 0, bj = 0;
    for (size_t k = 0; k + 1 < blocks.size(); ++k) {
      const MatchingBlock& m = blocks[k];
      ASSERT_GT(m.size, 0u);
      ASSERT_GE(m.a, ai);
      ASSERT_GE(m.b, bj);
      ASSERT_LE(m.a + m.size, a.size());
      ASSERT_LE(m.b + m.size, b.size());
      for (size_t t = 0; t < m.size; ++t) ASSERT_EQ(a[m.a + t], b[m.b + t]);
      if (k > 0) {
        ASSERT_FALSE(m.a == ai && m.b == bj) << "adjacent blocks not merged";
      }
      ai = m.a + m.size;
      bj = m.b + m.size;
      matched += m.size;
    }
    const double r = Ratio(a, ib);
    EXPECT_GE(r, 0.0);
    EXPECT_LE(r, 1.0);
    if (!a.empty() || !b.empty()) {
      EXPECT_EQ(r, 2.0 * static_cast<double>(matched) / static_cast<double>(a.size() + b.size()));
    }
    EXPECT_EQ(Ratio(a, IndexedSequence(a, autojunk)), 1.0);
  }
}

TEST(GroupedOpcodes, EmptyInputsGiveNoGroup) { EXPECT_TRUE(GroupedOpcodes({}, 3).empty()); }

}  // namespace
}  // namespace swerl::reward

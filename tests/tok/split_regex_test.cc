// SplitRegex: the rewrite of tokenizers' (Oniguruma) split regexes for
// PCRE2 and the Isolated splitting.
#include "swerl/tok/split_regex.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "swerl/core/utf8.h"

namespace swerl::tok {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kQwen =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kLlama =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

std::vector<std::string> Pieces(const SplitRegex& re, std::string_view text) {
  std::vector<Span> spans;
  re.Split(text, 0, static_cast<uint32_t>(text.size()), &spans);
  std::vector<std::string> out;
  for (const Span& s : spans) out.emplace_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

SplitRegex Compiled(std::string_view pattern) {
  auto re = SplitRegex::Compile(pattern);
  EXPECT_TRUE(re) << re.error().message();
  return std::move(re).value();
}

TEST(SplitRegexTest, TranslatesClassesForPcre2) {
  auto t = TranslateSplitRegex(R"(\s+|\S|[^\s\p{L}]|\p{N}|\pL|\p{Lu}|\d)");
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_THAT(*t, HasSubstr("[\\x{9}-\\x{D}\\x{20}\\x{85}"));  // \s spelled out
  EXPECT_THAT(*t, HasSubstr("[^\\x{9}-\\x{D}\\x{20}"));        // \S
  EXPECT_THAT(*t, HasSubstr("[^\\x{9}-\\x{D}"));               // \s inside a negated class
  EXPECT_THAT(*t, HasSubstr("[\\p{N}\\x{10D40}-\\x{10D49}"));  // \p{N} plus Unicode 15/16
  EXPECT_THAT(*t, HasSubstr("[\\p{L}\\x{"));                   // \pL
  EXPECT_THAT(*t, HasSubstr("|\\p{Lu}|\\d"));                  // others pass through
  EXPECT_EQ(t->find("180E"), std::string::npos);
}

TEST(SplitRegexTest, RefusesConstructsThatDiffer) {
  for (std::string_view bad : {R"(\h)", R"([\S])", R"([\P{L}])", "[[:alpha:]]", "[a-z&&[^b]]"}) {
    auto t = TranslateSplitRegex(bad);
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.error().code(), Code::kUnsupported) << bad;
  }
  auto bad = SplitRegex::Compile("(a");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kInvalidInput);
}

TEST(SplitRegexTest, QwenPieces) {
  const SplitRegex re = Compiled(kQwen);
  EXPECT_THAT(Pieces(re, "Hello world"), ElementsAre("Hello", " world"));
  EXPECT_THAT(Pieces(re, "I'm 42!!\n\n  x"),
              ElementsAre("I", "'m", " ", "4", "2", "!!\n\n", " ", " x"));
  EXPECT_THAT(Pieces(re, "x'SX"), ElementsAre("x", "'S", "X"));
  EXPECT_THAT(Pieces(re, "a \t\r\n b"), ElementsAre("a", " \t\r\n", " b"));
  EXPECT_THAT(Pieces(re, "x   "), ElementsAre("x", "   "));
}

TEST(SplitRegexTest, ClassesFollowOniguruma) {
  const SplitRegex re = Compiled(kQwen);
  EXPECT_THAT(Pieces(re, "a\u1c89"), ElementsAre("a\u1c89"));  // Unicode 16 letter
  EXPECT_THAT(Pieces(re, "\U00010D40\U00010D41"),
              ElementsAre("\U00010D40", "\U00010D41"));            // digits
  EXPECT_THAT(Pieces(re, "!\u180e"), ElementsAre("!\u180e"));      // not a space
  EXPECT_THAT(Pieces(re, "!\u0085"), ElementsAre("!", "\u0085"));  // a space
  EXPECT_THAT(Pieces(re, "!\x1c"), ElementsAre("!\x1c"));          // not a space
  EXPECT_THAT(Pieces(re, "a\u3000 b"), ElementsAre("a", "\u3000", " b"));
}

TEST(SplitRegexTest, IsolatedKeepsGapsAndSkipsEmptyMatches) {
  EXPECT_THAT(Pieces(Compiled("a"), "xaay"), ElementsAre("x", "a", "a", "y"));
  EXPECT_THAT(Pieces(Compiled("b*"), "abbc"), ElementsAre("a", "bb", "c"));
  EXPECT_THAT(Pieces(Compiled("z"), "abc"), ElementsAre("abc"));
  auto plus = SplitRegex::Literal("+.");
  ASSERT_TRUE(plus);
  EXPECT_THAT(Pieces(*plus, "a+.b+c"), ElementsAre("a", "+.", "b+c"));
}

TEST(SplitRegexTest, SubrangesSeeOnlyThemselves) {
  const SplitRegex re = Compiled(R"(\s+(?!\S)|\s+)");
  const std::string text = "ab  cd";
  std::vector<Span> spans;
  re.Split(text, 2, 4, &spans);  // "  " alone: the lookahead sees its end
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].begin, 2u);
  EXPECT_EQ(spans[0].end, 4u);
}

TEST(SplitRegexTest, HugeWhitespaceRuns) {
  const SplitRegex re = Compiled(kQwen);
  const std::string text = std::string(1 << 20, ' ') + "x";
  EXPECT_THAT(Pieces(re, text), ElementsAre(std::string((1 << 20) - 1, ' '), " x"));
}

// The hand-coded matchers against PCRE2 (itself checked against the
// reference by tok_parity): every code point in a few contexts, then random
// strings over a palette that exercises every alternative.
std::vector<Span> SplitBoth(const SplitRegex& re, std::string_view text, std::vector<Span>* pcre2) {
  std::vector<Span> hand;
  pcre2->clear();
  re.Split(text, 0, static_cast<uint32_t>(text.size()), &hand);
  re.SplitWithPcre2(text, 0, static_cast<uint32_t>(text.size()), pcre2);
  return hand;
}

bool SameSpans(const std::vector<Span>& a, const std::vector<Span>& b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k].begin != b[k].begin || a[k].end != b[k].end) return false;
  }
  return true;
}

TEST(SplitRegexTest, HandCodedMatchersEqualPcre2OnEveryCodePoint) {
  for (std::string_view pattern : {kQwen, kLlama}) {
    const SplitRegex re = Compiled(pattern);
    ASSERT_TRUE(re.hand_coded());
    std::vector<Span> pcre2;
    int failures = 0;
    for (uint32_t base = 0; base < 0x110000; base += 64) {
      std::string text;
      for (uint32_t cp = base; cp < base + 64; ++cp) {
        if (cp >= 0xD800 && cp < 0xE000) continue;
        std::string c;
        AppendUtf8(&c, cp);
        text += "a" + c + "b " + c + "1 !" + c + " '" + c + "x " + c + c + "\n" + c + "  " + c;
      }
      if (!SameSpans(SplitBoth(re, text, &pcre2), pcre2) && ++failures < 5) {
        ADD_FAILURE() << "code points from U+" << std::hex << base;
      }
    }
    EXPECT_EQ(failures, 0);
  }
  EXPECT_FALSE(Compiled(R"(\s+|\S+)").hand_coded());
}

TEST(SplitRegexTest, HandCodedMatchersEqualPcre2OnRandomText) {
  const std::vector<std::string> palette = {
      "a",      "Z",      "\u00e9", "\u4e2d",     "1",      "\u0661",     "\u2167",  " ",
      "  ",     "\t",     "\n",     "\r",         "\r\n",   "\u00a0",     "\u3000",  "\u0085",
      "\u2028", "\u180e", "\x1c",   "'",          "'s",     "'S",         "'\u017f", "'re",
      "'Ve",    "'LL",    "'d",     "'m",         "'t",     "'x",         "!",       "?!",
      "_",      "-",      "\u0301", "\U0001F600", "\u200d", "\U00010D40", "\u1c89",  "\x0b",
      "\x0c",   "/",      "\""};
  std::mt19937 rng(7);
  for (std::string_view pattern : {kQwen, kLlama}) {
    const SplitRegex re = Compiled(pattern);
    std::vector<Span> pcre2;
    int failures = 0;
    for (int round = 0; round < 20000; ++round) {
      std::string text;
      const int len = static_cast<int>(rng() % 24);
      for (int k = 0; k < len; ++k) text += palette[rng() % palette.size()];
      if (!SameSpans(SplitBoth(re, text, &pcre2), pcre2) && ++failures < 5) {
        ADD_FAILURE() << "text: " << text;
      }
    }
    EXPECT_EQ(failures, 0);
  }
}

}  // namespace
}  // namespace swerl::tok

// Tokenizer on the two fixtures (ids checked by hand against Hugging Face
// tokenizers 0.23.3) and on tiny hand-made tokenizer.json texts, one rule at
// a time; then the load errors. tok_parity (tests/oracles/tok_oracle.py)
// covers the same ground on megabytes of text.
#include "swerl/tok/tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "testing/testing.h"
#include "tok/tiny_tokenizer.h"

namespace swerl::tok {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_tok = swerl::tok::testing::TinySpec;
using Ids = std::vector<int32_t>;

const Tokenizer& Qwen() {
  static const Tokenizer* t = [] {
    auto r = Tokenizer::Load(swerl::testing::DataPath("tokenizers/qwen3"));
    EXPECT_TRUE(r) << r.error().message();
    return new Tokenizer(std::move(r).value());
  }();
  return *t;
}

const Tokenizer& Llama() {
  static const Tokenizer* t = [] {
    auto r = Tokenizer::Load(swerl::testing::DataPath("tokenizers/llama3"));
    EXPECT_TRUE(r) << r.error().message();
    return new Tokenizer(std::move(r).value());
  }();
  return *t;
}

Tokenizer Tiny(const testing_tok& spec) {
  auto r = Tokenizer::FromJson(spec.Json(), "", "tiny");
  EXPECT_TRUE(r) << r.error().message();
  return std::move(r).value();
}

Error TinyError(const testing_tok& spec) {
  auto r = Tokenizer::FromJson(spec.Json(), "", "tiny");
  EXPECT_FALSE(r);
  return r ? Error(Code::kIo, "loaded") : r.error();
}

std::string DecodeOk(const Tokenizer& t, const Ids& ids, bool skip = false) {
  auto r = t.Decode(ids, skip);
  EXPECT_TRUE(r) << r.error().message();
  return r ? *r : "";
}

// ---- the fixtures -------------------------------------------------------------

TEST(TokenizerFixtureTest, SizesSpecialTokensAndLookups) {
  EXPECT_EQ(Qwen().vocab_size(), 151669);
  EXPECT_EQ(Llama().vocab_size(), 128256);
  EXPECT_EQ(Qwen().bos_id(), std::nullopt);
  EXPECT_EQ(Qwen().eos_id(), 151645);  // <|im_end|>
  EXPECT_EQ(Qwen().pad_id(), 151643);  // <|endoftext|>
  EXPECT_EQ(Llama().bos_id(), 128000);
  EXPECT_EQ(Llama().eos_id(), 128001);
  EXPECT_EQ(Llama().pad_id(), std::nullopt);
  EXPECT_EQ(Llama().bos_token(), "<|begin_of_text|>");
  EXPECT_EQ(Qwen().TokenId("<think>"), 151667);
  EXPECT_EQ(Qwen().Token(151668), "</think>");
  EXPECT_EQ(Qwen().TokenId("Ġworld"), 1879);
  EXPECT_EQ(Qwen().Token(1879), "Ġworld");
  EXPECT_EQ(Qwen().TokenId("no such token"), std::nullopt);
  EXPECT_EQ(Qwen().Token(-1), std::nullopt);
  EXPECT_EQ(Qwen().Token(151669), std::nullopt);
  EXPECT_TRUE(Qwen().IsSpecial(151645));
  EXPECT_FALSE(Qwen().IsSpecial(151667));  // <think> is added but not special
  EXPECT_FALSE(Qwen().IsSpecial(9707));
  EXPECT_THAT(Qwen().chat_template(), HasSubstr("<|im_start|>"));
  EXPECT_THAT(Llama().chat_template(), HasSubstr("<|start_header_id|>"));
}

TEST(TokenizerFixtureTest, LoadsFileDirectoryAndCompressedForms) {
  auto file = Tokenizer::Load(swerl::testing::DataPath("tokenizers/qwen3/tokenizer.json.zst"));
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(file->Encode("Hello world"), Qwen().Encode("Hello world"));
  EXPECT_EQ(file->eos_id(), std::nullopt);  // no tokenizer_config.json for a bare file
}

TEST(TokenizerFixtureTest, PlainText) {
  EXPECT_THAT(Qwen().Encode("Hello world"), ElementsAre(9707, 1879));
  EXPECT_THAT(Llama().Encode("Hello world"), ElementsAre(9906, 1917));
  EXPECT_THAT(Qwen().Encode("中"), ElementsAre(15946));
  EXPECT_THAT(Llama().Encode("😀"), ElementsAre(76460, 222));
  EXPECT_THAT(Qwen().Encode("it's"), ElementsAre(275, 594));
  EXPECT_TRUE(Qwen().Encode("").empty());
}

TEST(TokenizerFixtureTest, ByteLevelMapsSpaceAndNewline) {
  EXPECT_THAT(Qwen().Encode(" "), ElementsAre(220));   // Ġ
  EXPECT_THAT(Qwen().Encode("\n"), ElementsAre(198));  // Ċ
  EXPECT_THAT(Qwen().Encode("Hi  \n\n there"), ElementsAre(13048, 18611, 1052));
  EXPECT_THAT(Llama().Encode("Hi  \n\n there"), ElementsAre(13347, 19124, 1070));
}

TEST(TokenizerFixtureTest, DigitRuleDiffers) {
  EXPECT_THAT(Qwen().Encode("12345"), ElementsAre(16, 17, 18, 19, 20));  // \p{N}
  EXPECT_THAT(Llama().Encode("12345"), ElementsAre(4513, 1774));         // \p{N}{1,3}
}

TEST(TokenizerFixtureTest, NfcOnlyForQwen) {
  EXPECT_THAT(Qwen().Encode("e\u0301"), ElementsAre(963));
  EXPECT_THAT(Qwen().Encode("\u00e9"), ElementsAre(963));
  EXPECT_THAT(Llama().Encode("e\u0301"), ElementsAre(68, 54939));
  EXPECT_THAT(Llama().Encode("\u00e9"), ElementsAre(978));
  EXPECT_EQ(Qwen().Normalize("e\u0301<|im_end|>e\u0301"), "\u00e9<|im_end|>\u00e9");
  EXPECT_EQ(Llama().Normalize("e\u0301"), "e\u0301");
}

TEST(TokenizerFixtureTest, WhitespaceClassMatchesOniguruma) {
  // U+001C and U+0085 are not \s to the reference (nor to PCRE2); U+180E is
  // \s to PCRE2 only: the rewritten regex must keep it out of \s.
  EXPECT_THAT(Qwen().Encode("a\x1c"
                            "b"),
              ElementsAre(64, 216, 65));
  EXPECT_THAT(Qwen().Encode("a\u0085b"), ElementsAre(64, 126, 227, 65));
  EXPECT_THAT(Llama().Encode("a\u0085b"), ElementsAre(64, 116360, 65));
  EXPECT_THAT(Qwen().Encode("a\u180eb"), ElementsAre(64, 123970, 236, 65));
  EXPECT_THAT(Llama().Encode("a\u180eb"), ElementsAre(64, 157, 254, 236, 65));
  EXPECT_THAT(Qwen().Encode("x \u3000y"), ElementsAre(87, 220, 22441, 88));
  EXPECT_THAT(Qwen().Encode("\u00a0\u00a0x"), ElementsAre(4102, 4102, 87));
}

TEST(TokenizerFixtureTest, UnicodeSixteenLettersJoinWords) {
  EXPECT_THAT(Qwen().Encode("\u1c89"
                            "a"),
              ElementsAre(128233, 231, 64));
  EXPECT_THAT(Llama().Encode("\u1c89"
                             "a"),
              ElementsAre(157, 110, 231, 64));
}

TEST(TokenizerFixtureTest, AddedTokensBeforePreTokenization) {
  EXPECT_THAT(Qwen().Encode("a<|im_start|>b"), ElementsAre(64, 151644, 65));
  EXPECT_THAT(Qwen().Encode("<think>x</think>"), ElementsAre(151667, 87, 151668));
  EXPECT_THAT(Llama().Encode("<|begin_of_text|>hi<|eot_id|>"), ElementsAre(128000, 6151, 128009));
  // Another model's special tokens are text.
  EXPECT_THAT(Llama().Encode("a<|im_start|>b"), ElementsAre(64, 27, 91, 318, 5011, 91, 29, 65));
}

TEST(TokenizerFixtureTest, NoSpecialEncodesSpecialTokensAsText) {
  EXPECT_THAT(Qwen().Encode("a<|im_start|>b<think>", /*allow_special=*/false),
              ElementsAre(64, 27, 91, 318, 4906, 91, 29, 65, 151667));  // <think> is not special
  EXPECT_THAT(Llama().Encode("<|begin_of_text|>hi", false),
              ElementsAre(27, 91, 7413, 3659, 4424, 91, 29, 6151));
}

TEST(TokenizerFixtureTest, LlamaByteLevelPostProcessorAddsNoBos) {
  EXPECT_THAT(Llama().Encode("Hello world", EncodeOptions{true, true}), ElementsAre(9906, 1917));
}

TEST(TokenizerFixtureTest, InvalidUtf8IsRepairedFirst) {
  EXPECT_THAT(Qwen().Encode("\xef\xbf\xbd"), ElementsAre(5691));
  EXPECT_EQ(Qwen().Encode("\xff"), Qwen().Encode("\xef\xbf\xbd"));
  EXPECT_EQ(Llama().Encode("a\xe4\xb8"
                           "b"),
            Llama().Encode("a\xef\xbf\xbd"
                           "b"));  // one U+FFFD
}

TEST(TokenizerFixtureTest, DecodeRoundTripsAndSkipsSpecialTokens) {
  const std::string text = "<|im_start|>user\nCafé 123 😀\t\r\n<think>x</think><|im_end|>";
  EXPECT_EQ(DecodeOk(Qwen(), Qwen().Encode(text)), text);
  EXPECT_EQ(DecodeOk(Qwen(), Qwen().Encode(text), /*skip=*/true),
            "user\nCafé 123 😀\t\r\n<think>x</think>");
  EXPECT_EQ(DecodeOk(Llama(), Llama().Encode(text)), text);
  EXPECT_EQ(DecodeOk(Qwen(), Qwen().Encode("e\u0301")), "\u00e9");  // the normalized text
}

TEST(TokenizerFixtureTest, DecodeReplacesBrokenUtf8) {
  const Ids emoji = Llama().Encode("😀");  // two tokens, each half of the bytes
  ASSERT_EQ(emoji.size(), 2u);
  EXPECT_EQ(DecodeOk(Llama(), {emoji[0]}), "\xef\xbf\xbd");
  EXPECT_EQ(DecodeOk(Llama(), {emoji[0], emoji[1]}), "😀");
}

TEST(TokenizerFixtureTest, DecodeRejectsUnknownIds) {
  for (int32_t bad : {-1, 151669, 1 << 30}) {
    auto r = Qwen().Decode(Ids{9707, bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), Code::kInvalidInput);
    EXPECT_THAT(r.error().message(), HasSubstr(std::to_string(bad)));
    EXPECT_THAT(r.error().message(), HasSubstr("position 1"));
  }
}

TEST(TokenizerFixtureTest, ConcurrentEncodesAgree) {
  std::vector<std::string> texts;
  for (int k = 0; k < 200; ++k)
    texts.push_back("line " + std::to_string(k * 7919) + " ünïcödé\tword" +
                    std::string(k % 13, ' '));
  std::vector<Ids> expected;
  for (const auto& t : texts) expected.push_back(Qwen().Encode(t));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int round = 0; round < 5; ++round) {
        for (size_t k = 0; k < texts.size(); ++k) {
          if (Qwen().Encode(texts[(k + static_cast<size_t>(w)) % texts.size()]) !=
              expected[(k + static_cast<size_t>(w)) % texts.size()]) {
            ++mismatches[static_cast<size_t>(w)];
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_THAT(mismatches, ElementsAre(0, 0, 0, 0));
}

// ---- one rule at a time, on tiny tokenizers -------------------------------------

testing_tok AbcSpec() {
  testing_tok s;
  s.tokens = {"ab", "bc", "abc"};                    // 256, 257, 258
  s.merges = {{"b", "c"}, {"a", "b"}, {"a", "bc"}};  // bc before ab
  return s;
}

TEST(TokenizerRuleTest, MergesLowestRankFirstInBothFormats) {
  testing_tok s = AbcSpec();
  EXPECT_THAT(Tiny(s).Encode("abc"), ElementsAre(258));  // (b,c) then (a,bc)
  EXPECT_THAT(Tiny(s).Encode("abab"), ElementsAre(256, 256));
  s.string_merges = true;
  EXPECT_THAT(Tiny(s).Encode("abc"), ElementsAre(258));
  EXPECT_THAT(Tiny(s).Encode("abab"), ElementsAre(256, 256));
  s.merges = {{"a", "b"}, {"b", "c"}, {"a", "bc"}};  // now (a,b) first: "abc" ends as ab + c
  EXPECT_THAT(Tiny(s).Encode("abc"), ElementsAre(256, 'c'));
}

TEST(TokenizerRuleTest, LeftmostMergeWinsTies) {
  testing_tok s;
  s.tokens = {"aa"};
  s.merges = {{"a", "a"}};
  EXPECT_THAT(Tiny(s).Encode("aaa"), ElementsAre(256, 'a'));
}

TEST(TokenizerRuleTest, LongPiecesMergeLikeShortOnes) {
  // Over 48 symbols the heap-based loop runs; its result must match.
  testing_tok s;
  s.tokens = {"aa", "aaaa"};
  s.merges = {{"a", "a"}, {"aa", "aa"}};
  const Tokenizer t = Tiny(s);
  Ids expected;
  for (int k = 0; k < 25; ++k) expected.push_back(257);
  expected.push_back(256);
  expected.push_back('a');
  EXPECT_EQ(t.Encode(std::string(103, 'a')), expected);
}

TEST(TokenizerRuleTest, IgnoreMergesEmitsWholeVocabularyEntries) {
  testing_tok s;
  s.tokens = {"ab", "abc"};
  s.merges = {{"a", "b"}};  // no merge reaches "abc"
  EXPECT_THAT(Tiny(s).Encode("abc"), ElementsAre(256, 'c'));
  s.model_extra = ",\"ignore_merges\":true";
  EXPECT_THAT(Tiny(s).Encode("abc"), ElementsAre(257));
  EXPECT_THAT(Tiny(s).Encode("abcd"), ElementsAre(256, 'c', 'd'));
}

TEST(TokenizerRuleTest, AddedTokensMatchLeftmostLongest) {
  testing_tok s;
  s.tokens = {"<a>", "<a><b>"};
  s.added_tokens =
      R"([{"id":256,"content":"<a>","special":true,"lstrip":false,"rstrip":false,"normalized":false,"single_word":false},)"
      R"({"id":257,"content":"<a><b>","special":false,"lstrip":false,"rstrip":false,"normalized":false,"single_word":false}])";
  const Tokenizer t = Tiny(s);
  EXPECT_THAT(t.Encode("x<a><b>y<a>"), ElementsAre('x', 257, 'y', 256));
  EXPECT_THAT(t.Encode("<a><b>", /*allow_special=*/false), ElementsAre(257));
  EXPECT_THAT(t.Encode("<a>", false), ElementsAre('<', 'a', '>'));
  EXPECT_TRUE(t.IsSpecial(256));
  EXPECT_FALSE(t.IsSpecial(257));
  EXPECT_EQ(DecodeOk(t, {'x', 256, 257}, /*skip=*/true), "x<a><b>");
}

TEST(TokenizerRuleTest, AddedTokenStripFlags) {
  testing_tok s;
  s.tokens = {"<m>"};
  s.added_tokens =
      R"([{"id":256,"content":"<m>","special":true,"lstrip":true,"rstrip":true,"normalized":false,"single_word":false}])";
  // The spaces on both sides become part of the token's match.
  EXPECT_THAT(Tiny(s).Encode("a \t<m>  b"), ElementsAre('a', 256, 'b'));
}

TEST(TokenizerRuleTest, AddedTokenSingleWord) {
  testing_tok s;
  s.tokens = {"mask"};
  s.added_tokens =
      R"([{"id":256,"content":"mask","special":false,"lstrip":false,"rstrip":false,"normalized":false,"single_word":true}])";
  const Tokenizer t = Tiny(s);
  EXPECT_THAT(t.Encode("a mask b"), ElementsAre('a', ' ', 256, ' ', 'b'));
  EXPECT_THAT(t.Encode("amask"), ElementsAre('a', 'm', 'a', 's', 'k'));  // touches a word
}

TEST(TokenizerRuleTest, NormalizedAddedTokensMatchAfterNfc) {
  testing_tok s;
  s.tokens = {"\u00e9t\u00e9"};
  s.normalizer = R"({"type":"NFC"})";
  s.added_tokens =
      R"([{"id":256,"content":"e\u0301te\u0301","special":false,"lstrip":false,"rstrip":false,"normalized":true,"single_word":false}])";
  const Tokenizer t = Tiny(s);
  EXPECT_THAT(t.Encode("x\u00e9t\u00e9"), ElementsAre('x', 256));
  EXPECT_THAT(t.Encode("xe\u0301te\u0301"), ElementsAre('x', 256));
}

TEST(TokenizerRuleTest, TemplateProcessingAddsBos) {
  testing_tok s;
  s.tokens = {"<s>"};
  s.added_tokens =
      R"([{"id":256,"content":"<s>","special":true,"lstrip":false,"rstrip":false,"normalized":false,"single_word":false}])";
  s.post_processor =
      R"({"type":"Sequence","processors":[{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":true},)"
      R"({"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],)"
      R"("pair":[],"special_tokens":{"<s>":{"id":"<s>","ids":[256],"tokens":["<s>"]}}}]})";
  const Tokenizer t = Tiny(s);
  EXPECT_THAT(t.Encode("hi"), ElementsAre(256, 'h', 'i'));
  EXPECT_THAT(t.Encode("hi", EncodeOptions{true, false}), ElementsAre('h', 'i'));
}

TEST(TokenizerRuleTest, ByteLevelPreTokenizerWithItsOwnRegex) {
  testing_tok s;
  s.tokens = {" w"};
  s.merges = {{" ", "w"}};
  s.pre_tokenizer =
      R"({"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true})";
  EXPECT_THAT(Tiny(s).Encode("a w"), ElementsAre('a', 256));  // GPT-2 regex: " w" is one piece
}

TEST(TokenizerRuleTest, DecodePassesNonAlphabetTokensThroughAsUtf8) {
  testing_tok s;
  s.added_tokens =
      R"([{"id":256,"content":"héllo wörld","special":false,"lstrip":false,"rstrip":false,"normalized":false,"single_word":false},)"
      R"({"id":257,"content":"\u0120\u0120x","special":false,"lstrip":false,"rstrip":false,"normalized":false,"single_word":false}])";
  const Tokenizer t = Tiny(s);
  EXPECT_EQ(DecodeOk(t, {256, 257}), "héllo wörld  x");  // Ġ is in the alphabet: unmapped
}

// ---- load errors ------------------------------------------------------------------

TEST(TokenizerErrorTest, MalformedJson) {
  auto r = Tokenizer::FromJson("{\"model\": ", "", "broken.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidInput);
  EXPECT_THAT(r.error().message(), HasSubstr("broken.json"));
  EXPECT_THAT(r.error().message(), HasSubstr("invalid JSON"));
  auto config = Tokenizer::FromJson(testing_tok().Json(), "{oops", "t");
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message(), HasSubstr("tokenizer_config.json"));
}

TEST(TokenizerErrorTest, UnsupportedModelAndOptions) {
  testing_tok s;
  s.model_type = "Unigram";
  Error e = TinyError(s);
  EXPECT_EQ(e.code(), Code::kUnsupported);
  EXPECT_THAT(e.message(), HasSubstr("Unigram"));

  s = testing_tok();
  s.model_extra = ",\"byte_fallback\":true";
  e = TinyError(s);
  EXPECT_EQ(e.code(), Code::kUnsupported);
  EXPECT_THAT(e.message(), HasSubstr("byte_fallback"));

  s.model_extra = ",\"dropout\":0.1";
  EXPECT_EQ(TinyError(s).code(), Code::kUnsupported);
  s.model_extra = ",\"continuing_subword_prefix\":\"##\"";
  EXPECT_EQ(TinyError(s).code(), Code::kUnsupported);

  s = testing_tok();
  s.normalizer = R"({"type":"NFKC"})";
  EXPECT_EQ(TinyError(s).code(), Code::kUnsupported);
  s = testing_tok();
  s.pre_tokenizer = R"({"type":"Metaspace"})";
  EXPECT_EQ(TinyError(s).code(), Code::kUnsupported);
  s.pre_tokenizer =
      R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"a"},"behavior":"Removed","invert":false},{"type":"ByteLevel"}]})";
  EXPECT_EQ(TinyError(s).code(), Code::kUnsupported);
  s.pre_tokenizer =
      R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"a"},"behavior":"Isolated","invert":false}]})";
  EXPECT_EQ(TinyError(s).code(), Code::kUnsupported);  // no ByteLevel
  s = testing_tok();
  s.decoder = "null";
  EXPECT_EQ(TinyError(s).code(), Code::kUnsupported);
  s = testing_tok();
  s.truncation = R"({"max_length":8})";
  EXPECT_EQ(TinyError(s).code(), Code::kUnsupported);
  s = testing_tok();
  s.post_processor = R"({"type":"RobertaProcessing"})";
  EXPECT_EQ(TinyError(s).code(), Code::kUnsupported);
}

TEST(TokenizerErrorTest, BadMerges) {
  testing_tok s;
  s.with_merges = false;
  Error e = TinyError(s);
  EXPECT_EQ(e.code(), Code::kInvalidInput);
  EXPECT_THAT(e.message(), HasSubstr("merges"));

  s = testing_tok();
  s.merges = {{"a", "b"}};  // "ab" is not in the vocabulary
  e = TinyError(s);
  EXPECT_EQ(e.code(), Code::kInvalidInput);
  EXPECT_THAT(e.message(), HasSubstr("'ab' is not in the vocabulary"));

  s = AbcSpec();
  s.string_merges = true;
  std::string json = s.Json();
  const size_t at = json.find("\"b c\"");
  ASSERT_NE(at, std::string::npos);
  json.replace(at, 5, "\"bc\"");
  auto r = Tokenizer::FromJson(json, "", "t");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(), HasSubstr("not two tokens separated by one space"));
}

TEST(TokenizerErrorTest, BadSplitRegex) {
  testing_tok s;
  s.pre_tokenizer =
      R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"(unclosed"},"behavior":"Isolated","invert":false},{"type":"ByteLevel","use_regex":false}]})";
  Error e = TinyError(s);
  EXPECT_EQ(e.code(), Code::kInvalidInput);
  EXPECT_THAT(e.message(), HasSubstr("split regex"));
}

TEST(TokenizerErrorTest, MissingFiles) {
  auto missing = Tokenizer::Load("/nonexistent/tokenizer.json");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  swerl::testing::TempDir dir;
  auto empty = Tokenizer::Load(dir.path());
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), Code::kNotFound);
  EXPECT_THAT(empty.error().message(), HasSubstr("tokenizer.json"));
  swerl::testing::WriteFile(dir.Join("tokenizer.json.zst"), "not zstd at all");
  auto corrupt = Tokenizer::Load(dir.path());
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().code(), Code::kCorrupt);
}

}  // namespace
}  // namespace swerl::tok

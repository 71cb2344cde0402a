// ChatTemplate on the fixtures' templates (SPEC §7.4 strings) and its
// errors. tok_chat_templates compares every family with transformers.
#include "swerl/tok/chat_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "swerl/tok/tokenizer.h"
#include "testing/testing.h"

namespace swerl::tok {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ChatTemplate FixtureTemplate(const std::string& name) {
  auto tok = Tokenizer::Load(swerl::testing::DataPath("tokenizers/" + name));
  EXPECT_TRUE(tok) << tok.error().message();
  auto t = ChatTemplate::Detect(tok->chat_template(), tok->bos_token());
  EXPECT_TRUE(t) << t.error().message();
  return std::move(t).value();
}

std::string RenderOk(const ChatTemplate& t, const std::vector<ChatMessage>& messages, bool gen,
                     bool thinking = true) {
  auto r = t.Render(messages, gen, thinking);
  EXPECT_TRUE(r) << r.error().message();
  return r ? *r : "";
}

TEST(ChatTemplateTest, Llama3Fixture) {
  const ChatTemplate t = FixtureTemplate("llama3");
  EXPECT_EQ(t.kind(), ChatTemplate::Kind::kLlama3);
  EXPECT_THAT(t.stop_tokens(), ElementsAre("<|eot_id|>", "<|end_of_text|>"));
  const std::vector<ChatMessage> messages = {{"system", " Be brief.\n", {}},
                                             {"user", "\tHi\u3000", {}}};
  const std::string expected =
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
      "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
      "<|start_header_id|>assistant<|end_header_id|>\n\n";
  EXPECT_EQ(RenderOk(t, messages, true), expected);
  // This template prints the generation prompt unconditionally.
  EXPECT_EQ(RenderOk(t, messages, false), expected);
}

TEST(ChatTemplateTest, Qwen3Fixture) {
  const ChatTemplate t = FixtureTemplate("qwen3");
  EXPECT_EQ(t.kind(), ChatTemplate::Kind::kQwen3);
  EXPECT_THAT(t.stop_tokens(), ElementsAre("<|im_end|>", "<|endoftext|>"));
  const std::vector<ChatMessage> messages = {{"system", "S", {}}, {"user", "Q", {}}};
  EXPECT_EQ(
      RenderOk(t, messages, true),
      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(
      RenderOk(t, messages, true, /*thinking=*/false),
      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n"
      "<think>\n\n</think>\n\n");
  EXPECT_EQ(RenderOk(t, messages, false),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n");
}

TEST(ChatTemplateTest, Qwen3ThinkingInHistory) {
  const ChatTemplate t = FixtureTemplate("qwen3");
  // Before the last user query the reasoning is dropped; after it, kept.
  const std::vector<ChatMessage> messages = {
      {"user", "Q1", {}},
      {"assistant", "<think>\nr1\n</think>\n\nA1", {}},
      {"user", "Q2", {}},
      {"assistant", "<think>r2</think>A2", {}},
  };
  EXPECT_EQ(RenderOk(t, messages, false),
            "<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n"
            "<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n<think>\nr2\n</"
            "think>\n\nA2<|im_end|>\n");
  const std::vector<ChatMessage> separate = {{"user", "Q", {}},
                                             {"assistant", "A", std::string("why")}};
  EXPECT_EQ(RenderOk(t, separate, false),
            "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\nwhy\n</"
            "think>\n\nA<|im_end|>\n");
}

TEST(ChatTemplateTest, DetectsFamiliesAndRefusesOthers) {
  auto chatml = ChatTemplate::Detect(
      "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
      "message['content'] + "
      "'<|im_end|>' + '\\n'}}{% endfor %}",
      "");
  ASSERT_TRUE(chatml);
  EXPECT_EQ(chatml->kind(), ChatTemplate::Kind::kChatMl);
  auto empty = ChatTemplate::Detect("", "");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), Code::kNotFound);
  auto other = ChatTemplate::Detect(
      "{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}", "<s>");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code(), Code::kUnsupported);
  EXPECT_THAT(other.error().message(), HasSubstr("[INST]"));
}

TEST(ChatTemplateTest, RenderErrors) {
  const ChatTemplate llama = FixtureTemplate("llama3");
  auto none = llama.Render({}, true);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), Code::kInvalidInput);
  const std::vector<ChatMessage> tool = {{"user", "Q", {}}, {"tool", "42", {}}};
  auto refused = llama.Render(tool, true);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), Code::kUnsupported);
  EXPECT_THAT(refused.error().message(), HasSubstr("tool"));
  // A ChatML template with a tool branch (Qwen2.5's) is not rendered for tools.
  auto qwen25 = ChatTemplate::Detect(
      "{%- for message in messages %}{%- if message.role == \"tool\" %}{{- '\\n<tool_response>\\n' "
      "}}"
      "{%- else %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
      "{%- endif %}{%- endfor %}",
      "");
  ASSERT_TRUE(qwen25);
  EXPECT_EQ(qwen25->kind(), ChatTemplate::Kind::kChatMl);
  auto chatml_tool = qwen25->Render(tool, true);
  ASSERT_FALSE(chatml_tool);
  EXPECT_EQ(chatml_tool.error().code(), Code::kUnsupported);
  const std::vector<ChatMessage> user = {{"user", "Q", {}}};
  auto plain = qwen25->Render(user, true);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n");
}

}  // namespace
}  // namespace swerl::tok

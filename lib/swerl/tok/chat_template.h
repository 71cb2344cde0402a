// ChatTemplate: renders a conversation to the prompt text a model was
// trained on, exactly as transformers' apply_chat_template(...,
// tokenize=False) renders the tokenizer_config.json `chat_template` (SPEC
// §7.4). The Jinja template is not interpreted: it is recognized as one of
// the families below and rendered by code written for that family.
//
//   kLlama3   Llama-3: BOS, then <|start_header_id|>{role}<|end_header_id|>\n\n
//             {content|trim}<|eot_id|> per message; the generation prompt
//             always (the fixture's template) or when asked (Meta's own).
//   kLlama31  Llama-3.1/3.2/3.3 without tools: BOS, a system turn carrying the
//             "Cutting Knowledge Date" and "Today Date" lines and the trimmed
//             system message, then the turns as kLlama3.
//   kQwen3    Qwen3 (ChatML): <think> blocks taken out of past assistant turns,
//             kept after the last user query, and the empty block the
//             generation prompt gets when enable_thinking is false.
//   kChatMl   Plain ChatML (Qwen2, Qwen2.5 without tools):
//             <|im_start|>{role}\n{content}<|im_end|>\n, with the template's
//             default system message when the first message is not one; a
//             "tool" message is refused when the template has a tool branch.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::tok {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant", "tool" (kQwen3, kChatMl)
  std::string content;
  // Qwen3: the assistant's reasoning, when given apart from the content
  // (transformers' `reasoning_content`); else read from <think>...</think>.
  std::optional<std::string> reasoning_content;
};

// Immutable; Render is const and thread-safe. Copyable.
class ChatTemplate {
 public:
  enum class Kind { kLlama3, kLlama31, kQwen3, kChatMl };

  // Recognizes `chat_template` (the Jinja text). `bos_token` is the config's
  // bos_token string (Llama templates print it). Errors: kNotFound for an
  // empty template; kUnsupported for a template of no family above (named
  // in the message).
  static Result<ChatTemplate> Detect(std::string_view chat_template, std::string bos_token);

  // The prompt text of `messages`. add_generation_prompt appends the
  // assistant header (kLlama3 templates without the switch always do, as
  // transformers does); enable_thinking = false is transformers'
  // enable_thinking=False (kQwen3 only; others ignore it). kLlama31 dates
  // its system turn with `date_string` when given, else with the
  // template's own default (or, for templates that call strftime_now,
  // today's local date as "%d %b %Y", as transformers does).
  // Errors: kInvalidInput for no messages; kUnsupported for a role the
  // family renders through tool machinery this class does not implement
  // (kLlama3*: "tool", "ipython"; kChatMl: "tool" when the template has a
  // tool branch).
  Result<std::string> Render(std::span<const ChatMessage> messages, bool add_generation_prompt,
                             bool enable_thinking = true,
                             std::optional<std::string> date_string = std::nullopt) const;

  Kind kind() const { return kind_; }
  // The family's name ("llama3", "llama3.1", "qwen3", "chatml").
  std::string_view name() const;
  // Strings that end an assistant turn: <|eot_id|> and <|end_of_text|>, or
  // <|im_end|> and <|endoftext|>.
  std::vector<std::string> stop_tokens() const;

 private:
  Result<std::string> RenderLlama(std::span<const ChatMessage> messages, bool add_generation_prompt,
                                  std::optional<std::string> date_string) const;
  std::string RenderQwen3(std::span<const ChatMessage> messages, bool add_generation_prompt,
                          bool enable_thinking) const;
  Result<std::string> RenderChatMl(std::span<const ChatMessage> messages,
                                   bool add_generation_prompt) const;

  Kind kind_ = Kind::kChatMl;
  std::string bos_token_;
  bool trim_ = true;                           // Llama: content | trim
  bool generation_switch_ = true;              // the template tests add_generation_prompt
  std::string knowledge_date_;                 // kLlama31: "December 2023"
  std::string default_date_;                   // kLlama31: the template's date_string default
  bool date_from_clock_ = false;               // kLlama31: the template calls strftime_now
  std::optional<std::string> default_system_;  // kChatMl
  bool tool_branch_ = false;                   // kChatMl: the template renders "tool" apart
};

}  // namespace swerl::tok

// ChatPrompt: a seed's SWE-RL prompt (SPEC §4: the system text and the user
// message) as the token ids a chat model is trained and sampled on, and an
// answer as the ids of the assistant turn that follows.
//
// Text that comes from repositories, issues or model output is always
// encoded as text, never as special tokens: only the chat format's own
// markers (<|im_start|>, <|eot_id|>, ...) become control ids, so a context
// file containing "<|im_end|>" cannot end the turn. Apart from that the ids
// equal tokenizers' encoding of the rendered prompt text (transformers'
// apply_chat_template(..., tokenize=True) for the ChatML families).
//
// Formats, by the tokenizer's chat template (tok/chat_template.h):
//   Llama-3 and 3.1+   SPEC §4's raw Llama-3 string, built by hand: BOS, the
//                      system and user turns, the assistant header; never
//                      3.1's date preamble.
//   Qwen3              ChatML with thinking enabled: the generation prompt
//                      is "<|im_start|>assistant\n" and the model writes its
//                      own "<think>" (the reward needs exactly one in the
//                      output), never the empty think block transformers
//                      inserts with enable_thinking=False.
//   ChatML (Qwen2/2.5) <|im_start|>{role}\n{content}<|im_end|>\n turns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/tok/tokenizer.h"

namespace swerl::train {

// Immutable after Create; Encode* are const and thread-safe. Holds a copy of
// the tokenizer (shared state).
class ChatPrompt {
 public:
  // `system` is the system turn's text (the shard's system_prompt). Errors:
  // kUnsupported (no chat template, or one of no known family), kNotFound
  // (the format's markers are not tokens of this tokenizer).
  static Result<ChatPrompt> Create(const tok::Tokenizer& tokenizer, std::string system);

  // The prompt text (markers and contents) for `user`, ending with the
  // assistant's generation prompt.
  std::string Render(std::string_view user) const;

  // The ids of Render(user), with special tokens recognised only in the
  // format's markers.
  std::vector<int32_t> Encode(std::string_view user) const;

  // The ids of an assistant answer as text (no special tokens), followed by
  // the format's end-of-turn id: what SFT trains on after Encode(user).
  std::vector<int32_t> EncodeAnswer(std::string_view answer) const;

  // Ids that end an assistant turn (end of turn, end of text), for sampling.
  const std::vector<int64_t>& stop_ids() const { return stop_ids_; }
  // The format's name: "llama3", "qwen3", "chatml".
  const std::string& format() const { return format_; }

 private:
  explicit ChatPrompt(tok::Tokenizer tokenizer) : tokenizer_(std::move(tokenizer)) {}

  tok::Tokenizer tokenizer_;
  std::string format_;
  // Template text before and after the user message, the system text
  // already in place; each a list of (text, special id or -1).
  struct Piece {
    std::string text;
    int32_t id = -1;  // >= 0: a marker, encoded as this id
  };
  std::vector<Piece> before_, after_;
  int32_t end_of_turn_ = -1;
  std::vector<int64_t> stop_ids_;
};

}  // namespace swerl::train

#include "trainer/data/chat_prompt.h"

#include <utility>

#include "swerl/tok/chat_template.h"

namespace swerl::train {
namespace {

// Stand-ins for the message texts while the template renders: letters only,
// so no family trims, strips or splits them.
constexpr std::string_view kSystemMark = "SWERLxSYSTEMxMESSAGExQ7";
constexpr std::string_view kUserMark = "SWERLxUSERxMESSAGExQ7";

struct Special {
  std::string_view text;
  int32_t id;
};

std::vector<Special> SpecialTokens(const tok::Tokenizer& tokenizer) {
  std::vector<Special> out;
  for (const tok::AddedToken& t : tokenizer.added_tokens()) {
    if (t.special && !t.content.empty()) out.push_back({t.content, t.id});
  }
  return out;
}

}  // namespace

Result<ChatPrompt> ChatPrompt::Create(const tok::Tokenizer& tokenizer, std::string system) {
  const std::string& tmpl = tokenizer.chat_template();
  if (tmpl.empty()) {
    return Error(Code::kUnsupported, "tokenizer '" + tokenizer.label() +
                                         "' has no chat template (tokenizer_config.json)");
  }
  SWERL_ASSIGN_OR_RETURN(tok::ChatTemplate chat,
                         tok::ChatTemplate::Detect(tmpl, tokenizer.bos_token()));
  ChatPrompt p(tokenizer);

  std::string rendered;
  std::vector<std::string> end_tokens;
  if (chat.kind() == tok::ChatTemplate::Kind::kLlama3 ||
      chat.kind() == tok::ChatTemplate::Kind::kLlama31) {
    // SPEC §4: the raw Llama-3 format, by hand (no 3.1 date preamble).
    p.format_ = "llama3";
    rendered = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" +
               std::string(kSystemMark) + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" +
               std::string(kUserMark) +
               "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    end_tokens = {"<|eot_id|>", "<|end_of_text|>"};
  } else {
    p.format_ = chat.kind() == tok::ChatTemplate::Kind::kQwen3 ? "qwen3" : "chatml";
    const tok::ChatMessage messages[] = {{"system", std::string(kSystemMark), std::nullopt},
                                         {"user", std::string(kUserMark), std::nullopt}};
    SWERL_ASSIGN_OR_RETURN(rendered, chat.Render(messages, /*add_generation_prompt=*/true,
                                                 /*enable_thinking=*/true));
    end_tokens = {"<|im_end|>", "<|endoftext|>"};
  }
  const size_t sys = rendered.find(kSystemMark), user = rendered.find(kUserMark);
  if (sys == std::string::npos || user == std::string::npos || user < sys) {
    return Error(Code::kUnsupported, "chat template of '" + tokenizer.label() +
                                         "' does not render a system and a user turn in order");
  }
  // Cut the template text into markers (special tokens, leftmost-longest)
  // and plain text; the message texts are always plain text.
  const std::vector<Special> specials = SpecialTokens(tokenizer);
  auto cut = [&](std::string_view text, std::vector<Piece>* out) {
    size_t plain = 0;
    for (size_t i = 0; i < text.size();) {
      const Special* best = nullptr;
      for (const Special& s : specials) {
        if (text.substr(i).starts_with(s.text) && (!best || s.text.size() > best->text.size())) {
          best = &s;
        }
      }
      if (!best) {
        ++i;
        continue;
      }
      if (i > plain) out->push_back({std::string(text.substr(plain, i - plain)), -1});
      out->push_back({std::string(best->text), best->id});
      i += best->text.size();
      plain = i;
    }
    if (plain < text.size()) out->push_back({std::string(text.substr(plain)), -1});
  };
  const std::string_view all = rendered;
  cut(all.substr(0, sys), &p.before_);
  p.before_.push_back({std::move(system), -1});
  cut(all.substr(sys + kSystemMark.size(), user - sys - kSystemMark.size()), &p.before_);
  cut(all.substr(user + kUserMark.size()), &p.after_);

  for (const std::string& t : end_tokens) {
    auto id = tokenizer.TokenId(t);
    if (!id) {
      return Error(Code::kNotFound, "tokenizer '" + tokenizer.label() + "' has no token '" + t +
                                        "' (chat format " + p.format_ + ")");
    }
    p.stop_ids_.push_back(*id);
  }
  p.end_of_turn_ = static_cast<int32_t>(p.stop_ids_.front());
  return p;
}

std::string ChatPrompt::Render(std::string_view user) const {
  std::string text;
  for (const Piece& piece : before_) text += piece.text;
  text += user;
  for (const Piece& piece : after_) text += piece.text;
  return text;
}

std::vector<int32_t> ChatPrompt::Encode(std::string_view user) const {
  // Adjacent plain pieces are encoded together, as tokenizers would encode
  // the text between two markers; markers become their ids.
  std::vector<int32_t> ids;
  std::string plain;
  const tok::EncodeOptions as_text{.allow_special = false, .add_special_tokens = false};
  auto flush = [&] {
    if (!plain.empty()) tokenizer_.EncodeInto(plain, as_text, &ids);
    plain.clear();
  };
  auto add = [&](const Piece& piece) {
    if (piece.id < 0) {
      plain += piece.text;
    } else {
      flush();
      ids.push_back(piece.id);
    }
  };
  for (const Piece& piece : before_) add(piece);
  plain += user;
  for (const Piece& piece : after_) add(piece);
  flush();
  return ids;
}

std::vector<int32_t> ChatPrompt::EncodeAnswer(std::string_view answer) const {
  std::vector<int32_t> ids = tokenizer_.Encode(
      answer, tok::EncodeOptions{.allow_special = false, .add_special_tokens = false});
  ids.push_back(end_of_turn_);
  return ids;
}

}  // namespace swerl::train

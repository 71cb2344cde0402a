#include "swerl/tok/chat_template.h"

#include <ctime>

#include "swerl/reward/py_text.h"

namespace swerl::tok {
namespace {

bool Contains(std::string_view s, std::string_view what) {
  return s.find(what) != std::string_view::npos;
}

// Python's str.lstrip/rstrip/strip with an explicit character set ("\n").
std::string_view LStrip(std::string_view s, char c) {
  while (!s.empty() && s.front() == c) s.remove_prefix(1);
  return s;
}
std::string_view RStrip(std::string_view s, char c) {
  while (!s.empty() && s.back() == c) s.remove_suffix(1);
  return s;
}
std::string_view StripChar(std::string_view s, char c) { return LStrip(RStrip(s, c), c); }

// Python's s.split(sep)[0] and s.split(sep)[-1].
std::string_view BeforeFirst(std::string_view s, std::string_view sep) {
  const size_t at = s.find(sep);
  return at == std::string_view::npos ? s : s.substr(0, at);
}
std::string_view AfterLast(std::string_view s, std::string_view sep) {
  const size_t at = s.rfind(sep);
  return at == std::string_view::npos ? s : s.substr(at + sep.size());
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Undoes the escapes of a Jinja string literal (\n, \t, \\, \', \").
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char e = s[++i];
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The text after `marker` in `tmpl` up to (not including) the first of
// `stops`, or nullopt when the marker is absent.
std::optional<std::string_view> TextAfter(std::string_view tmpl, std::string_view marker,
                                          std::string_view stops) {
  const size_t at = tmpl.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view rest = tmpl.substr(at + marker.size());
  return rest.substr(0, rest.find_first_of(stops));
}

std::string Preview(std::string_view tmpl) {
  std::string s(tmpl.substr(0, 60));
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

}  // namespace

Result<ChatTemplate> ChatTemplate::Detect(std::string_view tmpl, std::string bos_token) {
  if (tmpl.empty()) return Error(Code::kNotFound, "the tokenizer has no chat template");
  ChatTemplate t;
  t.bos_token_ = std::move(bos_token);
  if (Contains(tmpl, "<|start_header_id|>") && Contains(tmpl, "<|end_header_id|>") &&
      Contains(tmpl, "<|eot_id|>")) {
    t.trim_ = Contains(tmpl, "| trim") || Contains(tmpl, "|trim");
    t.generation_switch_ = Contains(tmpl, "add_generation_prompt");
    if (!Contains(tmpl, "Cutting Knowledge Date")) {
      t.kind_ = Kind::kLlama3;
      return t;
    }
    t.kind_ = Kind::kLlama31;
    const auto knowledge = TextAfter(tmpl, "Cutting Knowledge Date: ", "\\\"'");
    const auto date = TextAfter(tmpl, "set date_string = \"", "\"");
    if (!knowledge || !date) {
      return Error(Code::kUnsupported,
                   "Llama-3.1-style chat template without a readable knowledge date or date_string "
                   "default");
    }
    t.knowledge_date_ = std::string(*knowledge);
    t.default_date_ = std::string(*date);
    t.date_from_clock_ = Contains(tmpl, "strftime_now");
    return t;
  }
  if (Contains(tmpl, "<|im_start|>") && Contains(tmpl, "<|im_end|>")) {
    if (Contains(tmpl, "reasoning_content") && Contains(tmpl, "</think>")) {
      t.kind_ = Kind::kQwen3;
      return t;
    }
    t.kind_ = Kind::kChatMl;
    t.tool_branch_ =
        Contains(tmpl, "tool_response") || Contains(tmpl, "\"tool\"") || Contains(tmpl, "'tool'");
    // Qwen2/2.5 print a literal system turn when the first message is not one.
    constexpr std::string_view kOpen = "<|im_start|>system\\n", kClose = "<|im_end|>\\n";
    for (size_t at = tmpl.find(kOpen); at != std::string_view::npos;
         at = tmpl.find(kOpen, at + 1)) {
      const std::string_view rest = tmpl.substr(at + kOpen.size());
      const std::string_view text = rest.substr(0, rest.find_first_of("'\"+{"));
      if (EndsWith(text, kClose)) {
        t.default_system_ = Unescape(text.substr(0, text.size() - kClose.size()));
        break;
      }
    }
    return t;
  }
  return Error(Code::kUnsupported,
               "chat template is neither Llama-3 nor ChatML ('" + Preview(tmpl) + "...')");
}

std::string_view ChatTemplate::name() const {
  switch (kind_) {
    case Kind::kLlama3:
      return "llama3";
    case Kind::kLlama31:
      return "llama3.1";
    case Kind::kQwen3:
      return "qwen3";
    case Kind::kChatMl:
      return "chatml";
  }
  return "?";
}

std::vector<std::string> ChatTemplate::stop_tokens() const {
  if (kind_ == Kind::kLlama3 || kind_ == Kind::kLlama31) return {"<|eot_id|>", "<|end_of_text|>"};
  return {"<|im_end|>", "<|endoftext|>"};
}

Result<std::string> ChatTemplate::Render(std::span<const ChatMessage> messages,
                                         bool add_generation_prompt, bool enable_thinking,
                                         std::optional<std::string> date_string) const {
  if (messages.empty()) return Error(Code::kInvalidInput, "chat template: no messages");
  switch (kind_) {
    case Kind::kLlama3:
    case Kind::kLlama31:
      return RenderLlama(messages, add_generation_prompt, std::move(date_string));
    case Kind::kQwen3:
      return RenderQwen3(messages, add_generation_prompt, enable_thinking);
    case Kind::kChatMl:
      return RenderChatMl(messages, add_generation_prompt);
  }
  return Error(Code::kUnsupported, "chat template: unknown kind");
}

Result<std::string> ChatTemplate::RenderLlama(std::span<const ChatMessage> messages,
                                              bool add_generation_prompt,
                                              std::optional<std::string> date_string) const {
  std::string out;
  auto content = [&](const ChatMessage& m) -> std::string_view {
    return trim_ ? reward::Strip(m.content) : std::string_view(m.content);
  };
  for (const ChatMessage& m : messages) {
    if (m.role == "tool" || m.role == "ipython") {
      return Error(Code::kUnsupported, "chat template " + std::string(name()) + ": role '" +
                                           m.role +
                                           "' goes through tool machinery that is not implemented");
    }
  }
  if (kind_ == Kind::kLlama31) {
    std::string date;
    if (date_string) {
      date = *date_string;
    } else if (date_from_clock_) {
      char buf[32];
      const std::time_t now = std::time(nullptr);
      std::tm local;
      localtime_r(&now, &local);
      std::strftime(buf, sizeof buf, "%d %b %Y", &local);
      date = buf;
    } else {
      date = default_date_;
    }
    out += bos_token_;
    out += "<|start_header_id|>system<|end_header_id|>\n\n";
    out += "Cutting Knowledge Date: " + knowledge_date_ + "\n";
    out += "Today Date: " + date + "\n\n";
    if (messages.front().role == "system") {
      out += reward::Strip(messages.front().content);  // |trim regardless of the turns' filter
      messages = messages.subspan(1);
    }
    out += "<|eot_id|>";
  }
  for (size_t k = 0; k < messages.size(); ++k) {
    if (k == 0 && kind_ == Kind::kLlama3) out += bos_token_;
    out += "<|start_header_id|>";
    out += messages[k].role;
    out += "<|end_header_id|>\n\n";
    out += content(messages[k]);
    out += "<|eot_id|>";
  }
  if (add_generation_prompt || !generation_switch_)
    out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

std::string ChatTemplate::RenderQwen3(std::span<const ChatMessage> messages,
                                      bool add_generation_prompt, bool enable_thinking) const {
  std::string out;
  const size_t n = messages.size();
  if (messages[0].role == "system") {
    out += "<|im_start|>system\n" + messages[0].content + "<|im_end|>\n";
  }
  // The last user message that is not a wrapped tool response.
  size_t last_query = n - 1;
  for (size_t k = n; k-- > 0;) {
    const ChatMessage& m = messages[k];
    if (m.role == "user" &&
        !(StartsWith(m.content, "<tool_response>") && EndsWith(m.content, "</tool_response>"))) {
      last_query = k;
      break;
    }
  }
  for (size_t k = 0; k < n; ++k) {
    const ChatMessage& m = messages[k];
    const bool last = k + 1 == n;
    if (m.role == "user" || (m.role == "system" && k != 0)) {
      out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
    } else if (m.role == "assistant") {
      std::string_view content = m.content;
      std::string_view reasoning;
      if (m.reasoning_content) {
        reasoning = *m.reasoning_content;
      } else if (Contains(m.content, "</think>")) {
        content = LStrip(AfterLast(m.content, "</think>"), '\n');
        reasoning =
            LStrip(AfterLast(RStrip(BeforeFirst(m.content, "</think>"), '\n'), "<think>"), '\n');
      }
      out += "<|im_start|>assistant\n";
      if (k > last_query && (last || !reasoning.empty())) {
        out += "<think>\n";
        out += StripChar(reasoning, '\n');
        out += "\n</think>\n\n";
        out += LStrip(content, '\n');
      } else {
        out += content;
      }
      out += "<|im_end|>\n";
    } else if (m.role == "tool") {
      if (k == 0 || messages[k - 1].role != "tool") out += "<|im_start|>user";
      out += "\n<tool_response>\n" + m.content + "\n</tool_response>";
      if (last || messages[k + 1].role != "tool") out += "<|im_end|>\n";
    }
  }
  if (add_generation_prompt) {
    out += "<|im_start|>assistant\n";
    if (!enable_thinking) out += "<think>\n\n</think>\n\n";
  }
  return out;
}

Result<std::string> ChatTemplate::RenderChatMl(std::span<const ChatMessage> messages,
                                               bool add_generation_prompt) const {
  for (const ChatMessage& m : messages) {
    if (m.role == "tool" && tool_branch_) {
      return Error(Code::kUnsupported,
                   "chat template chatml: this template renders role 'tool' through tool "
                   "machinery that is not implemented");
    }
  }
  std::string out;
  if (default_system_ && messages[0].role != "system") {
    out += "<|im_start|>system\n" + *default_system_ + "<|im_end|>\n";
  }
  for (const ChatMessage& m : messages)
    out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

}  // namespace swerl::tok

#include "swerl/tok/split_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>
#include <cstdio>
#include <span>

#include "swerl/tok/unicode_data.h"

namespace swerl::tok {
namespace {

void AppendRanges(std::span<const uint32_t[2]> ranges, std::string* out) {
  char buf[40];
  for (const auto& r : ranges) {
    if (r[0] == r[1]) {
      std::snprintf(buf, sizeof buf, "\\x{%X}", r[0]);
    } else {
      std::snprintf(buf, sizeof buf, "\\x{%X}-\\x{%X}", r[0], r[1]);
    }
    out->append(buf);
  }
}

Error Unsupported(std::string_view pattern, size_t at, std::string_view what) {
  return Error(Code::kUnsupported, "split regex: " + std::string(what) + " at offset " +
                                       std::to_string(at) + " of '" + std::string(pattern) +
                                       "' is not supported");
}

// Per-thread PCRE2 state: match data and a JIT stack large enough for long
// runs of whitespace.
struct ThreadState {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  pcre2_jit_stack* stack = pcre2_jit_stack_create(64 << 10, 64 << 20, nullptr);
  ThreadState() { pcre2_jit_stack_assign(context, nullptr, stack); }
  ~ThreadState() {
    pcre2_jit_stack_free(stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
  ThreadState(const ThreadState&) = delete;
  ThreadState& operator=(const ThreadState&) = delete;
};

ThreadState& GetThreadState() {
  thread_local ThreadState state;
  return state;
}

// The two split regexes the hand-coded matcher implements, byte for byte as
// tokenizer.json spells them; they differ in the digit rule only.
constexpr std::string_view kQwenRegex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kLlamaRegex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Code point classes of those regexes, as Oniguruma sees them.
enum CharClass : uint8_t { kOther = 0, kLetter, kNumber, kSpace, kCrLf };

class ClassTable {
 public:
  ClassTable() {
    pages_.fill(0);
    blocks_.emplace_back();
    blocks_[0].fill(kOther);
    for (const auto& r : internal::kLetters) SetRange(r[0], r[1], kLetter);
    for (const auto& r : internal::kNumbers) SetRange(r[0], r[1], kNumber);
    for (const auto& r : internal::kSpaces) SetRange(r[0], r[1], kSpace);
    SetRange('\r', '\r', kCrLf);
    SetRange('\n', '\n', kCrLf);
  }
  uint8_t Get(uint32_t cp) const { return blocks_[pages_[cp >> 8]][cp & 0xFF]; }

 private:
  void SetRange(uint32_t lo, uint32_t hi, uint8_t cls) {
    for (uint32_t cp = lo; cp <= hi; ++cp) {
      uint16_t& page = pages_[cp >> 8];
      if (page == 0) {
        page = static_cast<uint16_t>(blocks_.size());
        blocks_.emplace_back();
        blocks_.back().fill(kOther);
      }
      blocks_[page][cp & 0xFF] = cls;
    }
  }
  std::array<uint16_t, 0x1100> pages_;
  std::vector<std::array<uint8_t, 256>> blocks_;
};

const ClassTable& Classes() {
  static const ClassTable* table = new ClassTable();
  return *table;
}

// The letter a contraction code point stands for under (?i): ASCII folded
// to lower case, U+017F LONG S to 's'; 0 for anything else.
inline char FoldContraction(uint32_t cp) {
  if (cp < 0x80) return static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
  return cp == 0x17F ? 's' : 0;
}

// The hand-coded matcher: splits text[begin, end) as the regex would, with
// leftmost-first alternation and the regex's backtracking spelled out per
// alternative.
void HandSplit(std::string_view text, uint32_t begin, uint32_t end, int max_digits,
               std::vector<Span>* pieces) {
  const ClassTable& table = Classes();
  thread_local std::vector<uint32_t> offset, cps;
  thread_local std::vector<uint8_t> cls;
  offset.clear();
  cps.clear();
  cls.clear();
  for (uint32_t i = begin; i < end;) {
    const auto b0 = static_cast<uint8_t>(text[i]);
    uint32_t cp;
    uint32_t len;
    if (b0 < 0x80) {
      cp = b0;
      len = 1;
    } else if (b0 < 0xE0) {
      cp = (b0 & 0x1Fu) << 6 | (static_cast<uint8_t>(text[i + 1]) & 0x3Fu);
      len = 2;
    } else if (b0 < 0xF0) {
      cp = (b0 & 0x0Fu) << 12 | (static_cast<uint8_t>(text[i + 1]) & 0x3Fu) << 6 |
           (static_cast<uint8_t>(text[i + 2]) & 0x3Fu);
      len = 3;
    } else {
      cp = (b0 & 0x07u) << 18 | (static_cast<uint8_t>(text[i + 1]) & 0x3Fu) << 12 |
           (static_cast<uint8_t>(text[i + 2]) & 0x3Fu) << 6 |
           (static_cast<uint8_t>(text[i + 3]) & 0x3Fu);
      len = 4;
    }
    offset.push_back(i);
    cps.push_back(cp);
    cls.push_back(table.Get(cp));
    i += len;
  }
  offset.push_back(end);
  const size_t n = cps.size();
  auto emit = [&](size_t from, size_t to) { pieces->push_back(Span{offset[from], offset[to]}); };
  auto is_space = [&](size_t k) { return cls[k] == kSpace || cls[k] == kCrLf; };
  size_t i = 0;
  while (i < n) {
    const uint8_t c0 = cls[i];
    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (cps[i] == '\'' && i + 1 < n) {
      const char f1 = FoldContraction(cps[i + 1]);
      if (f1 == 's' || f1 == 't' || f1 == 'm' || f1 == 'd') {
        emit(i, i + 2);
        i += 2;
        continue;
      }
      if (i + 2 < n) {
        const char f2 = FoldContraction(cps[i + 2]);
        if ((f1 == 'r' && f2 == 'e') || (f1 == 'v' && f2 == 'e') || (f1 == 'l' && f2 == 'l')) {
          emit(i, i + 3);
          i += 3;
          continue;
        }
      }
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (c0 == kLetter || (c0 != kCrLf && c0 != kNumber && i + 1 < n && cls[i + 1] == kLetter)) {
      size_t j = i + 1;
      while (j < n && cls[j] == kLetter) ++j;
      emit(i, j);
      i = j;
      continue;
    }
    // \p{N} or \p{N}{1,3}
    if (c0 == kNumber) {
      size_t j = i + 1;
      while (j < n && cls[j] == kNumber && j - i < static_cast<size_t>(max_digits)) ++j;
      emit(i, j);
      i = j;
      continue;
    }
    // " ?[^\s\p{L}\p{N}]+[\r\n]*"
    const size_t k = (cps[i] == ' ' && i + 1 < n && cls[i + 1] == kOther) ? i + 1 : i;
    if (cls[k] == kOther) {
      size_t j = k + 1;
      while (j < n && cls[j] == kOther) ++j;
      while (j < n && cls[j] == kCrLf) ++j;
      emit(i, j);
      i = j;
      continue;
    }
    // A run of \s: \s*[\r\n]+ ends after its last CR/LF; else \s+(?!\S)
    // leaves the space before a non-space out; else \s+ takes one.
    size_t run = i;
    size_t last_crlf = SIZE_MAX;
    while (run < n && is_space(run)) {
      if (cls[run] == kCrLf) last_crlf = run;
      ++run;
    }
    size_t j;
    if (last_crlf != SIZE_MAX) {
      j = last_crlf + 1;
    } else if (run == n) {
      j = run;
    } else if (run - i >= 2) {
      j = run - 1;
    } else {
      j = i + 1;
    }
    emit(i, j);
    i = j;
  }
}

}  // namespace

void SplitRegex::CodeDeleter::operator()(pcre2_real_code_8* code) const noexcept {
  pcre2_code_free(code);
}

Result<std::string> TranslateSplitRegex(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() * 2);
  std::string spaces;
  AppendRanges(internal::kSpaces, &spaces);
  bool in_class = false;
  for (size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[i + 1];
      if (e == 'p' || e == 'P') {
        std::string_view name;
        size_t after;
        if (i + 2 < pattern.size() && pattern[i + 2] == '{') {
          const size_t close = pattern.find('}', i + 3);
          if (close == std::string_view::npos) return Unsupported(pattern, i, "an unclosed \\p{");
          name = pattern.substr(i + 3, close - i - 3);
          after = close + 1;
        } else {
          name = pattern.substr(i + 2, 1);
          after = i + 3;
        }
        if (name == "L" || name == "N") {
          std::span<const uint32_t[2]> extra =
              name == "L" ? std::span<const uint32_t[2]>(internal::kExtraLetters)
                          : std::span<const uint32_t[2]>(internal::kExtraNumbers);
          if (e == 'P' && in_class) return Unsupported(pattern, i, "\\P inside a class");
          if (!in_class) out += e == 'p' ? "[" : "[^";
          out += "\\p{";
          out += name;
          out += "}";
          AppendRanges(extra, &out);
          if (!in_class) out += "]";
        } else {
          out.append(pattern.substr(i, after - i));  // other properties pass through
        }
        i = after;
        continue;
      }
      if (e == 's') {
        out += in_class ? spaces : "[" + spaces + "]";
      } else if (e == 'S') {
        if (in_class) return Unsupported(pattern, i, "\\S inside a class");
        out += "[^" + spaces + "]";
      } else if (e == 'h' || e == 'H') {
        return Unsupported(pattern, i, "\\h (a hex digit to Oniguruma, a space to PCRE2)");
      } else {
        out += c;
        out += e;
      }
      i += 2;
      continue;
    }
    if (c == '[') {
      if (in_class) return Unsupported(pattern, i, "a nested or POSIX class");
      in_class = true;
      out += c;
      ++i;
      if (i < pattern.size() && pattern[i] == '^') out += pattern[i++];
      if (i < pattern.size() && pattern[i] == ']') {  // a leading ']' is literal
        out += "\\]";
        ++i;
      }
      continue;
    }
    if (in_class && c == '&' && i + 1 < pattern.size() && pattern[i + 1] == '&') {
      return Unsupported(pattern, i, "class intersection (&&)");
    }
    if (c == ']' && in_class) in_class = false;
    out += c;
    ++i;
  }
  return out;
}

Result<SplitRegex> SplitRegex::Compile(std::string_view pattern) {
  SWERL_ASSIGN_OR_RETURN(std::string translated, TranslateSplitRegex(pattern));
  return CompileTranslated(std::move(translated));
}

Result<SplitRegex> SplitRegex::Literal(std::string_view literal) {
  if (literal.empty()) return Error(Code::kInvalidInput, "split pattern: empty string");
  std::string quoted;
  for (char c : literal) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) quoted += '\\';
    quoted += c;
  }
  return CompileTranslated(std::move(quoted));
}

Result<SplitRegex> SplitRegex::CompileTranslated(std::string translated) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                    PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    return Error(Code::kInvalidInput,
                 "split regex: " + std::string(reinterpret_cast<char*>(message)) + " at offset " +
                     std::to_string(error_offset) + " of '" + translated + "'");
  }
  SplitRegex re;
  re.translated_ = std::move(translated);
  if (auto qwen = TranslateSplitRegex(kQwenRegex); qwen && *qwen == re.translated_)
    re.max_digits_ = 1;
  if (auto llama = TranslateSplitRegex(kLlamaRegex); llama && *llama == re.translated_)
    re.max_digits_ = 3;
  re.code_.reset(code);
  re.jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  return re;
}

void SplitRegex::Split(std::string_view text, uint32_t begin, uint32_t end,
                       std::vector<Span>* pieces) const {
  if (max_digits_ > 0) {
    HandSplit(text, begin, end, max_digits_, pieces);
    return;
  }
  SplitWithPcre2(text, begin, end, pieces);
}

void SplitRegex::SplitWithPcre2(std::string_view text, uint32_t begin, uint32_t end,
                                std::vector<Span>* pieces) const {
  ThreadState& ts = GetThreadState();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data() + begin);
  const PCRE2_SIZE length = end - begin;
  PCRE2_SIZE pos = 0;
  PCRE2_SIZE gap = 0;  // start of the text not yet in a piece
  while (pos < length) {
    int rc = jit_ ? pcre2_jit_match(code_.get(), subject, length, pos, 0, ts.data, ts.context)
                  : PCRE2_ERROR_JIT_BADOPTION;
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
      // JIT unavailable or out of stack: the interpreter keeps its frames on the heap.
      rc = pcre2_match(code_.get(), subject, length, pos, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT,
                       ts.data, ts.context);
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) break;  // resource limits exceeded: the rest stays one piece
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(ts.data);
    const PCRE2_SIZE m_begin = ov[0], m_end = ov[1];
    if (m_end == m_begin) {  // an empty match: step over one code point
      pos = m_end + 1;
      while (pos < length && (subject[pos] & 0xC0) == 0x80) ++pos;
      continue;
    }
    if (m_begin > gap)
      pieces->push_back(
          Span{begin + static_cast<uint32_t>(gap), begin + static_cast<uint32_t>(m_begin)});
    pieces->push_back(
        Span{begin + static_cast<uint32_t>(m_begin), begin + static_cast<uint32_t>(m_end)});
    gap = pos = m_end;
  }
  if (gap < length) pieces->push_back(Span{begin + static_cast<uint32_t>(gap), end});
}

}  // namespace swerl::tok

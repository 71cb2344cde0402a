// SplitRegex: the regex of a tokenizer.json `Split` pre-tokenizer, compiled
// with PCRE2 (UTF, UCP, JIT) after rewriting it so that it matches what
// Oniguruma matches inside Hugging Face `tokenizers` 0.23.3: \p{L} and \p{N}
// gain the Unicode 15/16 code points PCRE2 10.42 lacks, and \s / \S become
// Oniguruma's White_Space set (PCRE2's \s also holds U+180E). See
// unicode_data.h for how those sets were measured.
//
// The two regexes of SPEC §7.3 (Qwen2/2.5/3 and Llama-3) are also
// recognized by their exact text and split by hand-coded matchers over a
// code point class table (as llama.cpp does), several times faster than the
// JIT; tests check them against the PCRE2 path on every code point.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"

struct pcre2_real_code_8;  // pcre2.h stays out of this header

namespace swerl::tok {

// Returns `pattern` rewritten for PCRE2 as described above. Errors:
// kUnsupported for constructs whose meaning differs between the engines and
// that the rewrite does not handle (\h, \H, \S or \P{..} inside a class,
// nested or POSIX classes).
Result<std::string> TranslateSplitRegex(std::string_view pattern);

// A half-open byte range of the text.
struct Span {
  uint32_t begin;
  uint32_t end;
};

// Immutable after Compile; Split is const and thread-safe. Movable.
class SplitRegex {
 public:
  // `pattern` in tokenizers' (Oniguruma) syntax. Errors: as
  // TranslateSplitRegex, and kInvalidInput when PCRE2 rejects the pattern
  // (the message has PCRE2's text and offset).
  static Result<SplitRegex> Compile(std::string_view pattern);
  // A Split whose pattern is the literal string `literal` (tokenizers'
  // {"String": ...} form). Errors: kInvalidInput for an empty literal.
  static Result<SplitRegex> Literal(std::string_view literal);

  // Appends to *pieces the pieces of text[begin, end) under the Isolated
  // behaviour: each match, and each stretch between matches, in order; never
  // an empty piece. Offsets are into `text`.
  // REQUIRES: text is valid UTF-8, begin/end on code point boundaries,
  // text.size() < 4 GiB.
  void Split(std::string_view text, uint32_t begin, uint32_t end, std::vector<Span>* pieces) const;
  // Split() always through PCRE2 (for tests of the hand-coded matchers).
  void SplitWithPcre2(std::string_view text, uint32_t begin, uint32_t end,
                      std::vector<Span>* pieces) const;
  // True when Split() uses a hand-coded matcher for this pattern.
  bool hand_coded() const { return max_digits_ > 0; }

  const std::string& pcre2_pattern() const { return translated_; }

 private:
  struct CodeDeleter {
    void operator()(pcre2_real_code_8* code) const noexcept;
  };
  using CodeHandle = std::unique_ptr<pcre2_real_code_8, CodeDeleter>;
  static Result<SplitRegex> CompileTranslated(std::string translated);

  std::string translated_;
  CodeHandle code_;
  bool jit_ = false;
  int max_digits_ = 0;  // hand-coded matcher: digits per piece (1 Qwen, 3 Llama); 0 = none
};

}  // namespace swerl::tok

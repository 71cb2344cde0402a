// Tokenizer: a Hugging Face tokenizer.json for byte-level BPE (Llama-3,
// Qwen2/2.5/3; SPEC §7.3) with the same ids as `tokenizers` 0.23.3.
//
// Encoding, in tokenizers' order: (1) added tokens are cut out of the raw
// text (leftmost-longest; they become their ids); (2) the normalizer (NFC
// or none) runs on the rest, and added tokens marked `normalized` are cut
// out of that; (3) the pre-tokenizer: Split regexes (Isolated), then the
// ByteLevel mapping; (4) BPE per piece; (5) the post-processor (ByteLevel:
// nothing; TemplateProcessing: its special tokens around the ids).
//
// Supported: model BPE without byte_fallback, dropout or subword affixes
// (ignore_merges, unk_token and fuse_unk honoured; merges as "a b" strings
// or ["a", "b"] pairs); normalizer null / NFC / Sequence of NFC;
// pre_tokenizer ByteLevel (use_regex: GPT-2's regex; add_prefix_space
// false) or a Sequence of Split (Regex or String, Isolated, not inverted)
// ending in it; decoder ByteLevel; post_processor null / ByteLevel /
// TemplateProcessing (single sequence) / a Sequence of those; truncation and
// padding null. Anything else is refused with kUnsupported when loading, so
// a loaded tokenizer never guesses. Split regexes run on PCRE2 with the
// reference's Unicode classes (split_regex.h); the Qwen and Llama-3 ones on
// hand-coded matchers. Unicode facts (NFC tables, \p{L}, \p{N}, \s) are
// measured on the reference (unicode_data.h), so they match it, not a
// Unicode version.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/tok/added_tokens.h"

namespace swerl::tok {

struct EncodeOptions {
  // Added tokens written in the text become their ids (tokenizers' default).
  // When false, tokens marked special are encoded as plain text, like
  // tokenizers' `encode_special_tokens = True`; non-special added tokens
  // (Qwen3's <think>) still match.
  bool allow_special = true;
  // Apply the post-processor's template (tokenizers' add_special_tokens).
  // Neither fixture's post-processor adds ids.
  bool add_special_tokens = true;
};

// Immutable after Load; Encode/Decode are const and thread-safe (each
// thread keeps its own piece cache, 1.5 MB for each of the last four
// tokenizers it used). Cheap to move and to copy (shared state).
class Tokenizer {
 public:
  // `path`: a tokenizer.json (or tokenizer.json.zst) file, or a directory
  // holding tokenizer.json (or .zst) and optionally tokenizer_config.json
  // (bos/eos/pad tokens, chat template). Errors: kNotFound, kIo, kCorrupt
  // (bad zstd), kInvalidInput (malformed JSON or tokenizer), kUnsupported.
  static Result<Tokenizer> Load(const std::string& path);
  // The same from the texts; `config_json` may be empty; `label` names the
  // tokenizer in error messages.
  static Result<Tokenizer> FromJson(std::string_view tokenizer_json, std::string_view config_json,
                                    std::string label);

  // The ids of `text`. Invalid UTF-8 is first repaired the way Python's
  // bytes.decode("utf-8", "replace") does (each maximal ill-formed
  // subsequence becomes U+FFFD), so the ids are those tokenizers gives for
  // that decoded string. REQUIRES: no stretch of text between two added
  // tokens is 4 GiB or longer.
  std::vector<int32_t> Encode(std::string_view text, bool allow_special = true) const;
  std::vector<int32_t> Encode(std::string_view text, const EncodeOptions& options) const;
  // Appends the ids to *ids (reusing its storage).
  void EncodeInto(std::string_view text, const EncodeOptions& options,
                  std::vector<int32_t>* ids) const;

  // The text of `ids`, as tokenizers' decode: each token's bytes (byte-level
  // tokens unmapped; an added token whose content is not spelled in the
  // byte-level alphabet as its UTF-8), concatenated, then invalid UTF-8
  // replaced by U+FFFD. skip_special drops special added tokens. Errors:
  // kInvalidInput naming the first id that is negative, >= vocab_size() or
  // unassigned (tokenizers silently drops those).
  Result<std::string> Decode(std::span<const int32_t> ids, bool skip_special = false) const;

  // The text the model sees for `text`: repaired, normalized outside the
  // added tokens. Decode(Encode(text, allow_special), false) equals it for
  // every text when the post-processor adds no ids and the added tokens
  // are in NFC (both fixtures; tokenizer_fuzz checks it).
  std::string Normalize(std::string_view text, bool allow_special = true) const;

  // Max id + 1 over the BPE vocabulary and the added tokens.
  int32_t vocab_size() const;
  // The id of a vocabulary or added token given in its tokenizer.json
  // spelling (byte-level for BPE entries: "Ġthe").
  std::optional<int32_t> TokenId(std::string_view token) const;
  // The tokenizer.json spelling of an id.
  std::optional<std::string> Token(int32_t id) const;
  // True for ids of added tokens marked special.
  bool IsSpecial(int32_t id) const;
  const std::vector<AddedToken>& added_tokens() const;

  // From tokenizer_config.json (nullopt when absent or not a known token).
  std::optional<int32_t> bos_id() const;
  std::optional<int32_t> eos_id() const;
  std::optional<int32_t> pad_id() const;
  // The bos_token string of tokenizer_config.json ("" when absent).
  const std::string& bos_token() const;
  // tokenizer_config.json's chat_template ("" when absent; for a list of
  // named templates, the one named "default").
  const std::string& chat_template() const;

  const std::string& label() const;

 private:
  class Impl;
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// Reads a file, decompressing it when its name ends in ".zst". Errors:
// kNotFound, kIo, kCorrupt.
Result<std::string> ReadMaybeZstd(const std::string& path);

}  // namespace swerl::tok

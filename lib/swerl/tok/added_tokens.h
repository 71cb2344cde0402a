// AddedTokens: the `added_tokens` of a tokenizer.json and how they cut text
// before normalization and pre-tokenization, as Hugging Face `tokenizers`
// does: leftmost-longest matches (its Aho-Corasick LeftmostLongest), then
// each token's single_word, lstrip and rstrip rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace swerl::tok {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false;
  bool lstrip = false;       // the match takes the whitespace before it
  bool rstrip = false;       // ... and after it
  bool normalized = false;   // matched in normalized text (else in the raw text)
  bool single_word = false;  // only where no word character touches it
};

// One cut of the text: an added token's id over text[begin, end), or plain
// text (id -1).
struct Segment {
  size_t begin;
  size_t end;
  int32_t id;
};

// The tokens of one matching pass (raw or normalized). Immutable after
// construction; thread-safe.
class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // `tokens` must outlive the matcher; those with an empty content are ignored.
  explicit AddedTokenMatcher(const std::vector<const AddedToken*>& tokens);

  bool empty() const { return tokens_.empty(); }

  // Appends the segments of text[0, text.size()) to *out, offsets relative
  // to `text`, covering it in order (an empty text gives no segment).
  // Tokens with special = true are left in the text when !allow_special
  // (tokenizers' encode_special_tokens).
  void Cut(std::string_view text, bool allow_special, std::vector<Segment>* out) const;

 private:
  struct Node {
    int32_t token = -1;  // index into tokens_ of the token ending here, -1 = none
    std::vector<std::pair<uint8_t, int32_t>> next;  // sorted by byte
  };
  // Longest token starting at text[pos]: returns its length and sets *token.
  size_t LongestAt(std::string_view text, size_t pos, int32_t* token) const;

  std::vector<const AddedToken*> tokens_;
  std::vector<Node> nodes_;
  bool first_byte_[256] = {};
  int single_first_byte_ = -1;  // the first byte of every token, when they share one
};

}  // namespace swerl::tok

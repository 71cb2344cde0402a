// BM25 over source files (swerl relevant): a code-aware tokenizer, documents
// as sorted term-frequency vectors over a shared vocabulary, and an Okapi
// BM25 ranker. No git, no database: the pass (relevant.h) feeds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace swerl::curate {

// Appends the tokens of `text` to *out, in text order:
//  - words are maximal runs of ASCII letters, digits and '_'; every other
//    byte (punctuation, whitespace, non-ASCII) separates words;
//  - a word is lowercased and kept whole, and when it has several parts (or
//    surrounding underscores, "__init__") also split into them: at '_'
//    (snake_case), at a lower-to-upper change
//    (camelCase: "parseURL" -> "parse", "url") and before the last capital of
//    an upper-case run followed by a lower-case letter ("HTTPServer" ->
//    "http", "server"); letters and digits are not split ("utf8");
//  - a token is dropped when it is 1 byte long, longer than 64 bytes, made of
//    more than 4 digits only (ids, hashes, line numbers), or a stop word
//    (IsStopWord).
void Tokenize(std::string_view text, std::vector<std::string>* out);
std::vector<std::string> Tokenize(std::string_view text);

// The stop words: English function words ("the", "and", "is", ...) and
// keywords common to most languages ("def", "return", "self", "import",
// "class", "function", "const", "true", "null", ...); see bm25.cc for the
// list. REQUIRES: `token` lowercase.
bool IsStopWord(std::string_view token);

// Terms to dense ids. Not thread-safe.
class Vocabulary {
 public:
  // The id of `term`, added when new.
  uint32_t Intern(std::string_view term);
  // The id of `term`, or -1 when unknown.
  int64_t Find(std::string_view term) const;
  size_t size() const { return ids_.size(); }

 private:
  struct Hash {
    using is_transparent = void;  // find() by string_view, without a copy
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids_;
};

// A document's term frequencies, sorted by term id, and its length (the sum
// of the frequencies).
struct Document {
  std::vector<std::pair<uint32_t, uint32_t>> terms;  // (term id, frequency)
  uint32_t length = 0;

  // The frequency of term `id` (0 when absent), by binary search.
  uint32_t Frequency(uint32_t id) const;
};

// Each path token counts this many times: a file named after the query's
// words is a strong match even when its contents are long.
inline constexpr uint32_t kPathWeight = 3;

// The document of a file: the tokens of `path` (kPathWeight times each) and
// of `content`, interned in *vocab.
Document MakeDocument(std::string_view path, std::string_view content, Vocabulary* vocab);

struct Bm25Params {
  double k1 = 1.2;
  double b = 0.75;
};

struct Bm25Hit {
  size_t doc = 0;  // index into the ranked documents
  double score = 0;
};

// Okapi BM25 of each document against the query, over the corpus `docs`:
//   score(D) = sum over query tokens t (with repetition) of
//     idf(t) * f(t,D) * (k1 + 1) / (f(t,D) + k1 * (1 - b + b * |D| / avgdl)),
//   idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5)),
// N = docs.size(), df(t) = documents containing t, avgdl = mean |D|.
// Returns the best `k` with a score > 0, by score descending, ties by
// names[doc] ascending (bytewise), so the ranking is deterministic.
// Query tokens absent from `vocab` contribute nothing. REQUIRES:
// names.size() == docs.size(); every pointer non-null; docs built with vocab.
std::vector<Bm25Hit> RankBm25(const std::vector<const Document*>& docs,
                              const std::vector<std::string_view>& names,
                              const std::vector<std::string>& query_tokens, const Vocabulary& vocab,
                              size_t k, Bm25Params params = {});

}  // namespace swerl::curate

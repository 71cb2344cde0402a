#include "swerl/curate/bm25.h"

#include <algorithm>
#include <cmath>

namespace swerl::curate {
namespace {

constexpr size_t kMaxTokenBytes = 64;
constexpr size_t kMaxDigits = 4;

bool IsWordByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }

// Lower-cases ASCII `s` into *buf; returns the view of *buf.
std::string_view LowerInto(std::string_view s, std::string* buf) {
  buf->assign(s);
  for (char& c : *buf) {
    if (IsUpper(c)) c = static_cast<char>(c - 'A' + 'a');
  }
  return *buf;
}

bool Kept(std::string_view token) {
  if (token.size() < 2 || token.size() > kMaxTokenBytes) return false;
  if (token.size() > kMaxDigits &&
      std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  return !IsStopWord(token);
}

// Splits one word into its snake_case and camelCase parts.
void Parts(std::string_view word, std::vector<std::string_view>* parts) {
  size_t start = 0;
  auto cut = [&](size_t end) {
    if (end > start) parts->push_back(word.substr(start, end - start));
  };
  for (size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    if (c == '_') {
      cut(i);
      start = i + 1;
      continue;
    }
    if (i == start || !IsUpper(c)) continue;
    const char prev = word[i - 1];
    const bool next_lower = i + 1 < word.size() && IsLower(word[i + 1]);
    // "parseURL": a capital after a lower-case letter or digit starts a part;
    // "HTTPServer": the last capital of a run starts one when lower follows.
    if (!IsUpper(prev) || next_lower) {
      cut(i);
      start = i;
    }
  }
  cut(word.size());
}

}  // namespace

bool IsStopWord(std::string_view token) {
  // Sorted, for binary search.
  static constexpr std::string_view kStop[] = {
      "a",      "about", "after",    "all",   "also",   "am",     "an",    "and",    "any",
      "are",    "as",    "at",       "be",    "been",   "but",    "by",    "can",    "class",
      "const",  "could", "def",      "do",    "does",   "else",   "end",   "false",  "for",
      "from",   "func",  "function", "get",   "had",    "has",    "have",  "if",     "import",
      "in",     "int",   "into",     "is",    "it",     "its",    "let",   "may",    "me",
      "my",     "new",   "nil",      "no",    "none",   "not",    "null",  "of",     "on",
      "or",     "our",   "private",  "pub",   "public", "return", "self",  "should", "so",
      "static", "that",  "the",      "their", "them",   "then",   "there", "these",  "they",
      "this",   "to",    "true",     "us",    "use",    "var",    "void",  "was",    "we",
      "were",   "what",  "when",     "which", "while",  "will",   "with",  "would",  "you",
      "your",
  };
  static_assert(std::is_sorted(std::begin(kStop), std::end(kStop)));
  return std::binary_search(std::begin(kStop), std::end(kStop), token);
}

namespace {

// Calls fn(token) for every token of `text` in order (see Tokenize); the
// view lives until fn returns. Allocates per call, not per token.
template <typename Fn>
void ForEachToken(std::string_view text, Fn&& fn) {
  std::vector<std::string_view> parts;
  std::string lower;
  auto emit = [&](std::string_view token) {
    token = LowerInto(token, &lower);
    if (Kept(token)) fn(token);
  };
  size_t i = 0;
  while (i < text.size()) {
    if (!IsWordByte(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && IsWordByte(text[j])) ++j;
    const std::string_view word = text.substr(i, j - i);
    i = j;
    parts.clear();
    Parts(word, &parts);
    if (parts.empty()) continue;  // only underscores
    emit(word);
    if (parts.size() > 1 || parts[0].size() != word.size()) {  // e.g. "__init__" -> "init"
      for (std::string_view p : parts) emit(p);
    }
  }
}

}  // namespace

void Tokenize(std::string_view text, std::vector<std::string>* out) {
  ForEachToken(text, [&](std::string_view token) { out->emplace_back(token); });
}

std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> out;
  Tokenize(text, &out);
  return out;
}

uint32_t Vocabulary::Intern(std::string_view term) {
  auto it = ids_.find(term);
  if (it != ids_.end()) return it->second;
  return ids_.emplace(std::string(term), static_cast<uint32_t>(ids_.size())).first->second;
}

int64_t Vocabulary::Find(std::string_view term) const {
  auto it = ids_.find(term);
  return it == ids_.end() ? -1 : static_cast<int64_t>(it->second);
}

uint32_t Document::Frequency(uint32_t id) const {
  auto it = std::lower_bound(terms.begin(), terms.end(), id,
                             [](const auto& entry, uint32_t key) { return entry.first < key; });
  return it != terms.end() && it->first == id ? it->second : 0;
}

Document MakeDocument(std::string_view path, std::string_view content, Vocabulary* vocab) {
  std::unordered_map<uint32_t, uint32_t> freq;
  ForEachToken(path, [&](std::string_view t) { freq[vocab->Intern(t)] += kPathWeight; });
  ForEachToken(content, [&](std::string_view t) { ++freq[vocab->Intern(t)]; });
  Document doc;
  doc.terms.assign(freq.begin(), freq.end());
  std::sort(doc.terms.begin(), doc.terms.end());
  for (const auto& [id, f] : doc.terms) doc.length += f;
  return doc;
}

std::vector<Bm25Hit> RankBm25(const std::vector<const Document*>& docs,
                              const std::vector<std::string_view>& names,
                              const std::vector<std::string>& query_tokens, const Vocabulary& vocab,
                              size_t k, Bm25Params params) {
  std::vector<Bm25Hit> hits;
  if (docs.empty() || k == 0) return hits;
  // Distinct known query terms with their multiplicity in the query.
  std::unordered_map<uint32_t, uint32_t> query;
  for (const std::string& t : query_tokens) {
    const int64_t id = vocab.Find(t);
    if (id >= 0) ++query[static_cast<uint32_t>(id)];
  }
  if (query.empty()) return hits;
  const double n = static_cast<double>(docs.size());
  double total_length = 0;
  for (const Document* d : docs) total_length += d->length;
  const double avgdl = std::max(total_length / n, 1.0);

  struct Term {
    uint32_t id, count;
    double idf = 0;
  };
  std::vector<Term> terms;
  for (const auto& [id, count] : query) terms.push_back({id, count});
  // Fixed summation order: identical input gives identical scores.
  std::sort(terms.begin(), terms.end(), [](const Term& x, const Term& y) { return x.id < y.id; });
  // One pass over the corpus per term for df, keeping each document's
  // frequencies so the scoring pass does not search again.
  std::vector<uint32_t> freq(terms.size() * docs.size());
  for (size_t t = 0; t < terms.size(); ++t) {
    uint32_t df = 0;
    for (size_t d = 0; d < docs.size(); ++d) {
      const uint32_t f = docs[d]->Frequency(terms[t].id);
      freq[t * docs.size() + d] = f;
      df += f > 0;
    }
    terms[t].idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
  }
  for (size_t d = 0; d < docs.size(); ++d) {
    const double norm = params.k1 * (1.0 - params.b + params.b * docs[d]->length / avgdl);
    double score = 0;
    for (size_t t = 0; t < terms.size(); ++t) {
      const double f = freq[t * docs.size() + d];
      if (f > 0) score += terms[t].count * terms[t].idf * f * (params.k1 + 1.0) / (f + norm);
    }
    if (score > 0) hits.push_back({d, score});
  }
  auto better = [&names](const Bm25Hit& x, const Bm25Hit& y) {
    if (x.score != y.score) return x.score > y.score;
    return names[x.doc] < names[y.doc];
  };
  if (hits.size() > k) {
    std::partial_sort(hits.begin(), hits.begin() + static_cast<ptrdiff_t>(k), hits.end(), better);
    hits.resize(k);
  } else {
    std::sort(hits.begin(), hits.end(), better);
  }
  return hits;
}

}  // namespace swerl::curate

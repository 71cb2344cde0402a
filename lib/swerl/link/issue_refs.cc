#include "swerl/link/issue_refs.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "swerl/link/py_re_classes.h"

namespace swerl::link {
namespace {

constexpr size_t npos = std::string_view::npos;

// ---------------------------------------------------------------------------
// Byte classes. kSwerl works on bytes: every token it recognizes is ASCII.

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool IsAsciiWord(char c) { return IsAsciiAlnum(c) || c == '_'; }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool IsNonAscii(char c) { return static_cast<unsigned char>(c) >= 0x80; }
char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsOwnerChar(char c) { return IsAsciiAlnum(c) || c == '-'; }
bool IsRepoChar(char c) { return IsAsciiAlnum(c) || c == '-' || c == '_' || c == '.'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (AsciiLower(a[k]) != AsciiLower(b[k])) return false;
  }
  return true;
}
bool StartsWithIgnoreCase(std::string_view s, size_t at, std::string_view prefix) {
  return at <= s.size() && s.size() - at >= prefix.size() &&
         EqualsIgnoreCase(s.substr(at, prefix.size()), prefix);
}

// Longest first, so "fixes" is not read as "fix" + "es".
constexpr std::string_view kKeywords[] = {"closes", "closed",   "close",    "fixes",  "fixed",
                                          "fix",    "resolves", "resolved", "resolve"};

bool IsKeyword(std::string_view word) {
  for (std::string_view kw : kKeywords) {
    if (EqualsIgnoreCase(word, kw)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// kSwerl: hiding what GitHub does not scan (HTML comments, code).

// The byte written over hidden text: neither a word byte nor whitespace, so
// hidden text separates tokens and never joins them.
constexpr char kHidden = '\x01';

// Markdown masking, one left-to-right pass that decides, as CommonMark does
// for these constructs, whichever starts first: fenced code blocks, code
// spans and HTML comments. Returns a copy of `t` with their bytes replaced by
// kHidden; offsets are unchanged.
class Masker {
 public:
  explicit Masker(std::string_view t) : t_(t), m_(t) {}

  std::string Run() && {
    const size_t n = t_.size();
    size_t i = 0;
    bool line_start = true;
    while (i < n) {
      if (line_start) {
        line_start = false;
        if (const size_t end = FenceEnd(i); end != npos) {
          Hide(i, end);
          i = end;
          line_start = true;  // end is a line start (or n)
          continue;
        }
      }
      const char c = t_[i];
      if (c == '\n') {
        line_start = true;
        ++i;
      } else if (c == '\\' && i + 1 < n && t_[i + 1] == '`') {
        i += 2;  // an escaped backtick opens no code span
      } else if (c == '`') {
        i = CodeSpan(i);
      } else if (c == '<' && t_.compare(i, 4, "<!--") == 0) {
        // Unterminated: GitHub reads a comment that opens a block to the
        // end of the document; PR templates are the case that matters.
        const size_t close = t_.find("-->", i + 4);
        const size_t end = close == npos ? n : close + 3;
        Hide(i, end);
        i = end;
      } else {
        ++i;
      }
    }
    return std::move(m_);
  }

 private:
  void Hide(size_t begin, size_t end) { std::memset(m_.data() + begin, kHidden, end - begin); }

  size_t LineEnd(size_t i) const {
    const size_t e = t_.find('\n', i);
    return e == npos ? t_.size() : e;
  }
  size_t SkipBlanks(size_t i, size_t end) const {
    while (i < end && (t_[i] == ' ' || t_[i] == '\t')) ++i;
    return i;
  }
  size_t RunEnd(size_t i, char c, size_t end) const {
    while (i < end && t_[i] == c) ++i;
    return i;
  }

  // A fenced code block opening on the line at `line`: ``` or ~~~ (three or
  // more, any indentation, so fences in nested lists count; a backtick
  // fence's info string has no backtick). Returns the end of its closing
  // line (past the LF), or the end of the text when it is never closed, or
  // npos when no fence opens here.
  size_t FenceEnd(size_t line) const {
    const size_t eol = LineEnd(line);
    const size_t f = SkipBlanks(line, eol);
    if (f >= eol || (t_[f] != '`' && t_[f] != '~')) return npos;
    const char fc = t_[f];
    const size_t fence_len = RunEnd(f, fc, eol) - f;
    if (fence_len < 3) return npos;
    if (fc == '`' && t_.find('`', f + fence_len) < eol) return npos;
    // Closing line: the same character, at least as many, then blanks only.
    for (size_t k = eol; k < t_.size();) {
      ++k;  // past the LF
      const size_t k_eol = LineEnd(k);
      const size_t g = SkipBlanks(k, k_eol);
      const size_t g_end = RunEnd(g, fc, k_eol);
      size_t rest = g_end;
      while (rest < k_eol && (t_[rest] == ' ' || t_[rest] == '\t' || t_[rest] == '\r')) ++rest;
      if (g_end - g >= fence_len && rest == k_eol) return k_eol < t_.size() ? k_eol + 1 : k_eol;
      k = k_eol;
    }
    return t_.size();
  }

  // The start of the next blank line (spaces, tabs, CR only) after the line
  // holding i, or the end of the text: code spans do not cross paragraphs.
  size_t ParagraphEnd(size_t i) const {
    for (size_t k = LineEnd(i); k < t_.size();) {
      const size_t line = k + 1;
      const size_t eol = LineEnd(line);
      size_t j = line;
      while (j < eol && (t_[j] == ' ' || t_[j] == '\t' || t_[j] == '\r')) ++j;
      if (j == eol) return line;
      k = eol;
    }
    return t_.size();
  }

  // A backtick run at i. A code span closes at the next run of exactly the
  // same length in the paragraph; then the whole span is hidden. Otherwise
  // the run is literal text. Returns where scanning resumes.
  //
  // Linear time (cmark's trick): the first failed search scans to the end
  // of the paragraph and records the last run of each length there; a later
  // opener whose length was last seen before it fails in O(1). A search that
  // succeeds scans only what it then hides.
  size_t CodeSpan(size_t i) {
    const size_t open_end = RunEnd(i, '`', t_.size());
    const size_t len = open_end - i;
    if (i >= para_end_) {
      para_end_ = ParagraphEnd(i);
      scanned_ = false;
      last_run_.clear();
    }
    if (scanned_) {
      auto it = last_run_.find(len);
      if (it == last_run_.end() || it->second <= i) return open_end;
    }
    for (size_t k = open_end; k < para_end_;) {
      if (t_[k] != '`') {
        ++k;
        continue;
      }
      const size_t run_end = RunEnd(k, '`', para_end_);
      if (!scanned_) last_run_[run_end - k] = k;
      if (run_end - k == len) {
        Hide(i, run_end);
        return run_end;
      }
      k = run_end;
    }
    scanned_ = true;
    return open_end;
  }

  std::string_view t_;
  std::string m_;
  size_t para_end_ = 0;   // end of the paragraph of the last code span search
  bool scanned_ = false;  // the whole paragraph has been scanned for runs
  std::unordered_map<size_t, size_t> last_run_;  // run length -> last position
};

// ---------------------------------------------------------------------------
// kSwerl: references.

// A reference may start at i when the byte before it is not part of a word,
// an HTML entity (&#12;), a heading-like "##", a path or URL ("a/#1",
// "x.#1"), an e-mail or other glued token. Non-ASCII bytes count as
// separators, so "修复#12" is a reference (CJK text has no spaces).
bool RefMayStartAt(std::string_view t, size_t i) {
  if (i == 0) return true;
  const char c = t[i - 1];
  if (IsNonAscii(c)) return true;
  if (IsAsciiWord(c)) return false;
  return std::strchr("#&/\\.-@+=%$~", c) == nullptr || c == '\0';
}

// The number at t[*i]: 1 to 10 ASCII digits, value 1..kMaxIssueNumber, not
// followed by a word byte ("#12abc" is nothing). Advances *i past it.
bool ParseNumber(std::string_view t, size_t* i, int64_t* number) {
  size_t k = *i;
  int64_t v = 0;
  while (k < t.size() && IsAsciiDigit(t[k]) && k - *i <= 10) v = v * 10 + (t[k++] - '0');
  if (k == *i || k - *i > 10) return false;
  if (k < t.size() && IsAsciiWord(t[k])) return false;
  if (v < 1 || v > kMaxIssueNumber) return false;
  *i = k;
  *number = v;
  return true;
}

// owner/name at t[*i] as GitHub allows them: owner 1-39 of [A-Za-z0-9-]
// not starting with '-', name 1-100 of [A-Za-z0-9._-] other than "." and
// "..". Advances *i past the name.
bool ParseRepo(std::string_view t, size_t* i, std::string_view* owner, std::string_view* name) {
  size_t k = *i;
  if (k >= t.size() || !IsAsciiAlnum(t[k])) return false;
  while (k < t.size() && IsOwnerChar(t[k]) && k - *i <= 39) ++k;
  if (k - *i > 39 || k >= t.size() || t[k] != '/') return false;
  const size_t name_begin = k + 1;
  k = name_begin;
  while (k < t.size() && IsRepoChar(t[k]) && k - name_begin <= 100) ++k;
  if (k == name_begin || k - name_begin > 100) return false;
  *owner = t.substr(*i, name_begin - 1 - *i);
  *name = t.substr(name_begin, k - name_begin);
  if (*name == "." || *name == "..") return false;
  *i = k;
  return true;
}

enum class RefKind { kHash, kGh, kCrossRepo, kUrl };

struct Parsed {
  RefKind kind;
  std::string_view owner, name;  // empty for kHash and kGh
  int64_t number;
  size_t end;  // where scanning resumes
};

// An issue or pull URL at t[i]: [http[s]://][www.]github.com/OWNER/NAME/
// (issues|pull)/N, scheme and host case-insensitive, with a scheme or "www."
// (what GitHub autolinks). What follows the number in the URL (/files,
// #issuecomment-1, ?q) is skipped.
std::optional<Parsed> ParseUrl(std::string_view t, size_t i) {
  size_t k = i;
  bool autolinked = false;
  if (StartsWithIgnoreCase(t, k, "https://")) {
    k += 8;
    autolinked = true;
  } else if (StartsWithIgnoreCase(t, k, "http://")) {
    k += 7;
    autolinked = true;
  }
  if (StartsWithIgnoreCase(t, k, "www.")) {
    k += 4;
    autolinked = true;
  }
  if (!autolinked || !StartsWithIgnoreCase(t, k, "github.com/")) return std::nullopt;
  k += 11;
  Parsed p{RefKind::kUrl, {}, {}, 0, 0};
  if (!ParseRepo(t, &k, &p.owner, &p.name) || k >= t.size() || t[k] != '/') return std::nullopt;
  ++k;
  if (t.compare(k, 7, "issues/") == 0) {
    k += 7;
  } else if (t.compare(k, 5, "pull/") == 0) {
    k += 5;
  } else {
    return std::nullopt;
  }
  if (!ParseNumber(t, &k, &p.number)) return std::nullopt;
  while (k < t.size() && (IsAsciiAlnum(t[k]) || std::strchr("/#?&=%._~:+-", t[k]) != nullptr) &&
         t[k] != '\0') {
    ++k;
  }
  p.end = k;
  return p;
}

// A reference starting exactly at t[i]. REQUIRES: RefMayStartAt(t, i).
std::optional<Parsed> ParseRefAt(std::string_view t, size_t i) {
  if (i >= t.size()) return std::nullopt;
  Parsed p{RefKind::kHash, {}, {}, 0, 0};
  size_t k = i;
  const char c = t[i];
  if (c == '#') {
    ++k;
    if (!ParseNumber(t, &k, &p.number)) return std::nullopt;
    p.end = k;
    return p;
  }
  if (!IsAsciiAlnum(c)) return std::nullopt;
  if ((c == 'G' || c == 'g') && StartsWithIgnoreCase(t, i, "gh-")) {
    size_t g = i + 3;
    if (ParseNumber(t, &g, &p.number)) {
      p.kind = RefKind::kGh;
      p.end = g;
      return p;
    }
  }
  if (c == 'h' || c == 'H' || c == 'w' || c == 'W') {
    if (auto url = ParseUrl(t, i)) return url;
  }
  if (!ParseRepo(t, &k, &p.owner, &p.name) || k >= t.size() || t[k] != '#') return std::nullopt;
  ++k;
  if (!ParseNumber(t, &k, &p.number)) return std::nullopt;
  p.kind = RefKind::kCrossRepo;
  p.end = k;
  return p;
}

// A closing keyword as a whole word at t[i]: its length, or 0. Non-ASCII
// letters count as word bytes here, so "préfixes" holds no keyword.
size_t KeywordAt(std::string_view t, size_t i) {
  if (i > 0 && (IsAsciiWord(t[i - 1]) || IsNonAscii(t[i - 1]))) return 0;
  for (std::string_view kw : kKeywords) {
    if (!StartsWithIgnoreCase(t, i, kw)) continue;
    const size_t end = i + kw.size();
    if (end < t.size() && (IsAsciiWord(t[end]) || IsNonAscii(t[end]))) return 0;
    return kw.size();
  }
  return 0;
}

struct RepoName {
  std::string_view owner, name;
};
std::optional<RepoName> SplitRepo(std::string_view repo) {
  const size_t slash = repo.find('/');
  if (slash == npos || slash == 0 || slash + 1 == repo.size() ||
      repo.find('/', slash + 1) != npos) {
    return std::nullopt;
  }
  return RepoName{repo.substr(0, slash), repo.substr(slash + 1)};
}

std::string LowerKey(std::string_view owner, std::string_view name, int64_t number) {
  std::string key;
  key.reserve(owner.size() + name.size() + 24);
  for (char c : owner) key.push_back(AsciiLower(c));
  key.push_back('/');
  for (char c : name) key.push_back(AsciiLower(c));
  key.push_back('#');
  key += std::to_string(number);
  return key;
}

std::vector<IssueRef> FindSwerl(std::string_view text, std::string_view pr_repo) {
  const std::string masked = Masker(text).Run();
  const std::string_view t = masked;
  const std::optional<RepoName> self = SplitRepo(pr_repo);

  std::vector<IssueRef> refs;
  std::unordered_map<std::string, size_t> index;  // LowerKey -> position in refs
  auto add = [&](const Parsed& p, size_t offset, std::string_view keyword) {
    std::string_view owner = p.owner, name = p.name;
    if (self && EqualsIgnoreCase(owner, self->owner) && EqualsIgnoreCase(name, self->name)) {
      owner = name = {};
    }
    const bool closing = !keyword.empty();
    auto [it, inserted] = index.try_emplace(LowerKey(owner, name, p.number), refs.size());
    if (!inserted) {
      // One per (repository, number): the first closing occurrence wins,
      // else the first mention.
      IssueRef& old = refs[it->second];
      if (old.closing || !closing) return;
      refs[it->second] = IssueRef{
          std::string(owner), std::string(name), p.number, true, std::string(keyword), offset};
      return;
    }
    refs.push_back(IssueRef{std::string(owner), std::string(name), p.number, closing,
                            std::string(keyword), offset});
  };

  for (size_t i = 0; i < t.size();) {
    const char c = t[i];
    if (c != '#' && !IsAsciiAlnum(c)) {
      ++i;
      continue;
    }
    // KEYWORD [":"] WS* REF closes REF; GH-N is only ever a mention.
    if (const size_t kw_len = KeywordAt(t, i)) {
      size_t j = i + kw_len;
      if (j < t.size() && t[j] == ':') ++j;
      while (j < t.size() && IsAsciiSpace(t[j])) ++j;
      if (RefMayStartAt(t, j)) {
        if (auto p = ParseRefAt(t, j)) {
          add(*p, j, p->kind == RefKind::kGh ? "" : text.substr(i, kw_len));
          i = p->end;
          continue;
        }
      }
    }
    if (RefMayStartAt(t, i)) {
      if (auto p = ParseRefAt(t, i)) {
        add(*p, i, "");
        i = p->end;
        continue;
      }
    }
    ++i;
  }
  std::stable_sort(refs.begin(), refs.end(),
                   [](const IssueRef& a, const IssueRef& b) { return a.offset < b.offset; });
  return refs;
}

// ---------------------------------------------------------------------------
// kSweBench: extract_resolved_issues, step by step.

std::vector<IssueRef> FindSweBench(std::string_view text) {
  // text = re.sub(r"(?s)<!--.*?-->", "", text): leftmost "<!--", then the
  // first "-->" after it; an unterminated "<!--" stays (and so does every
  // later one: none of them has a "-->" after it either). Removal can join
  // words ("fi<!-- -->xes #1" reads "fixes #1"), so the scan runs on the
  // stripped copy and maps offsets back through the kept segments.
  struct Segment {
    size_t stripped, original;
  };
  std::string s;
  std::vector<Segment> segments;
  for (size_t i = 0;;) {
    const size_t open = text.find("<!--", i);
    const size_t close = open == npos ? npos : text.find("-->", open + 4);
    const size_t keep_end = close == npos ? text.size() : open;
    segments.push_back({s.size(), i});
    s.append(text.substr(i, keep_end - i));
    if (close == npos) break;
    i = close + 3;
  }
  auto original_offset = [&](size_t pos) {
    auto it = std::upper_bound(segments.begin(), segments.end(), pos,
                               [](size_t p, const Segment& seg) { return p < seg.stripped; });
    --it;  // segments[0].stripped == 0 <= pos
    return it->original + (pos - it->stripped);
  };

  // re.findall(r"(\w+)\s+\#(\d+)", s). A match can only start where a
  // maximal run of \w starts (or right after the previous match): \w+
  // backtracking to a shorter word leaves a \w, not the \s+ the pattern
  // needs next, and starting inside the run meets the same continuation.
  // So each run is tried once, whitespace and digits read once: linear.
  struct Entry {
    std::string_view word;
    size_t hash;        // position of '#' in s
    size_t digits_end;  // end of the \d+ run in s
  };
  std::vector<Entry> entries;                            // dict order
  std::unordered_map<std::string_view, size_t> by_word;  // dict keys
  size_t pos = 0;
  while (pos < s.size()) {
    size_t next = pos;
    if (!IsPyReWord(DecodeUtf8At(s, &next))) {
      pos = next;
      continue;
    }
    const size_t word_begin = pos;
    size_t word_end = next;
    while (word_end < s.size()) {
      size_t k = word_end;
      if (!IsPyReWord(DecodeUtf8At(s, &k))) break;
      word_end = k;
    }
    size_t k = word_end;
    bool spaced = false;
    while (k < s.size()) {
      size_t k2 = k;
      if (!IsPyReSpace(DecodeUtf8At(s, &k2))) break;
      k = k2;
      spaced = true;
    }
    if (!spaced || k >= s.size() || s[k] != '#') {
      pos = word_end;
      continue;
    }
    const size_t hash = k++;
    size_t digits_end = k;
    while (digits_end < s.size()) {
      size_t k2 = digits_end;
      if (PyReDigitValue(DecodeUtf8At(s, &k2)) < 0) break;
      digits_end = k2;
    }
    if (digits_end == k) {
      pos = word_end;
      continue;
    }
    const std::string_view word(s.data() + word_begin, word_end - word_begin);
    auto [it, inserted] = by_word.try_emplace(word, entries.size());
    if (inserted) {
      entries.push_back({word, hash, digits_end});
    } else {
      entries[it->second].hash = hash;  // dict(): the last value wins, in place
      entries[it->second].digits_end = digits_end;
    }
    pos = digits_end;
  }

  // [num for word, num in references.items() if word.lower() in keywords].
  // Only ASCII letters lowercase into the keywords (U+0130 lowers to "i"
  // plus a combining dot), so an ASCII comparison is str.lower()'s.
  std::vector<IssueRef> refs;
  for (const Entry& e : entries) {
    if (!IsKeyword(e.word)) continue;
    // int(num): Unicode decimal digits, leading zeros allowed. SWE-bench keeps
    // the string; numbers outside 1..kMaxIssueNumber name no issue and are
    // dropped here (SWE-bench's later API call for them fails).
    int64_t number = 0;
    bool valid = true;
    for (size_t k = e.hash + 1; k < e.digits_end;) {
      number = number * 10 + PyReDigitValue(DecodeUtf8At(s, &k));
      if (number > kMaxIssueNumber) {
        valid = false;
        break;
      }
    }
    if (!valid || number < 1) continue;
    refs.push_back(IssueRef{"", "", number, true, std::string(e.word), original_offset(e.hash)});
  }
  return refs;
}

}  // namespace

Result<RefRule> ParseRefRule(std::string_view name) {
  if (name == "swerl") return RefRule::kSwerl;
  if (name == "swebench") return RefRule::kSweBench;
  return Error(Code::kInvalidInput,
               "unknown reference rule '" + std::string(name) + "' (expected swerl or swebench)");
}

std::string_view RefRuleName(RefRule rule) {
  return rule == RefRule::kSweBench ? "swebench" : "swerl";
}

std::vector<IssueRef> FindIssueRefs(std::string_view text, std::string_view pr_repo, RefRule rule) {
  return rule == RefRule::kSweBench ? FindSweBench(text) : FindSwerl(text, pr_repo);
}

std::string SweBenchText(std::string_view title, std::string_view body,
                         const std::vector<std::string_view>& commit_messages) {
  std::string text(title);
  text += '\n';
  text += body;
  text += '\n';
  for (size_t k = 0; k < commit_messages.size(); ++k) {
    if (k) text += '\n';
    text += commit_messages[k];
  }
  return text;
}

}  // namespace swerl::link

#include "swerl/curate/leak.h"

#include <algorithm>
#include <iterator>

#include "swerl/curate/minhash.h"

namespace swerl::curate {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

// Characters that end a URL in running text.
bool EndsUrl(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ')' || c == ']' || c == '>' ||
         c == '"' || c == '\'' || c == '`' || c == '<' || c == ',';
}

struct Span {
  size_t begin, end;
  const char* kind;
};

// Words that make a line naming the fix a trailer saying it is fixed.
constexpr std::string_view kFixWords[] = {"fixed",   "fixes",      "fix",         "closed",
                                          "closes",  "close",      "resolved",    "resolves",
                                          "resolve", "addressed",  "addresses",   "merged",
                                          "landed",  "superseded", "implemented", "patched"};

bool HasFixWord(std::string_view lower_line) {
  for (size_t i = 0; i < lower_line.size();) {
    if (!IsAlnum(lower_line[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < lower_line.size() && IsAlnum(lower_line[j])) ++j;
    const std::string_view word = lower_line.substr(i, j - i);
    for (std::string_view w : kFixWords) {
      if (word == w) return true;
    }
    i = j;
  }
  return false;
}

class Finder {
 public:
  explicit Finder(const FixIdentity& fix)
      : repo_(LowerAscii(fix.repo)), number_(std::to_string(fix.pull_number)) {
    for (const std::string& c : fix.commits) commits_.push_back(LowerAscii(c));
  }

  bool IsFixCommit(std::string_view lower_hex) const {
    if (lower_hex.size() < 7 || lower_hex.size() > 40) return false;
    return std::any_of(commits_.begin(), commits_.end(),
                       [&](const std::string& c) { return c.starts_with(lower_hex); });
  }

  // The references to the fix in one line (lowercased), in text order, not
  // overlapping.
  std::vector<Span> Find(std::string_view line) const {
    std::vector<Span> spans;
    Urls(line, &spans);
    Refs(line, &spans);
    Shas(line, &spans);
    std::sort(spans.begin(), spans.end(),
              [](const Span& a, const Span& b) { return a.begin < b.begin; });
    std::vector<Span> out;
    for (const Span& s : spans) {
      if (!out.empty() && s.begin < out.back().end) continue;  // inside a URL
      out.push_back(s);
    }
    return out;
  }

 private:
  // "owner/name" at `at` (case-insensitive) followed by `rest`?
  bool RepoAt(std::string_view line, size_t at) const {
    return line.substr(at, repo_.size()) == repo_;
  }

  void Urls(std::string_view line, std::vector<Span>* spans) const {
    for (size_t at = line.find("github.com/"); at != std::string_view::npos;
         at = line.find("github.com/", at + 1)) {
      size_t begin = at;
      for (std::string_view scheme :
           {"https://www.", "http://www.", "https://", "http://", "www."}) {
        if (at >= scheme.size() && line.substr(at - scheme.size(), scheme.size()) == scheme) {
          begin = at - scheme.size();
          break;
        }
      }
      size_t p = at + 11;
      if (!RepoAt(line, p)) continue;
      p += repo_.size();
      size_t end = p;
      while (end < line.size() && !EndsUrl(line[end])) ++end;
      // A trailing full stop ends the sentence, not the URL.
      while (end > p && (line[end - 1] == '.' || line[end - 1] == ';' || line[end - 1] == ':')) {
        --end;
      }
      const std::string_view path = line.substr(p, end - p);
      if (path.starts_with("/pull/") || path.starts_with("/pulls/")) {
        const size_t d = path.find('/', 1) + 1;
        size_t e = d;
        while (e < path.size() && IsDigit(path[e])) ++e;
        if (path.substr(d, e - d) == number_ && (e == path.size() || !IsAlnum(path[e]))) {
          spans->push_back({begin, end, "pr_link"});
        }
      } else if (path.starts_with("/commit/") || path.starts_with("/commits/")) {
        const size_t d = path.find('/', 1) + 1;
        size_t e = d;
        while (e < path.size() && IsHex(path[e])) ++e;
        if (IsFixCommit(path.substr(d, e - d))) spans->push_back({begin, end, "commit_link"});
      }
    }
  }

  // Is line[at, at + number) the PR number as a whole word?
  bool NumberAt(std::string_view line, size_t at) const {
    return line.substr(at, number_.size()) == number_ &&
           (at + number_.size() == line.size() || !IsAlnum(line[at + number_.size()]));
  }

  void Refs(std::string_view line, std::vector<Span>* spans) const {
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && NumberAt(line, i + 1)) {
        size_t begin = i;
        const size_t end = i + 1 + number_.size();
        if (i >= repo_.size() && line.substr(i - repo_.size(), repo_.size()) == repo_ &&
            (i == repo_.size() || !IsAlnum(line[i - repo_.size() - 1]))) {
          begin = i - repo_.size();  // "owner/name#N"
        } else if (i > 0 && (IsAlnum(line[i - 1]) || line[i - 1] == '/')) {
          continue;  // "other/repo#N", "a#N": not this PR
        }
        // "PR #N", "pull request #N", "PR#N"
        for (std::string_view word : {"pull request ", "pr ", "pr"}) {
          if (begin >= word.size() && line.substr(begin - word.size(), word.size()) == word &&
              (begin == word.size() || !IsAlnum(line[begin - word.size() - 1]))) {
            begin -= word.size();
            break;
          }
        }
        spans->push_back({begin, end, "pr_ref"});
        i = end - 1;
        continue;
      }
      // "GH-N", "PR N" (no '#')
      for (std::string_view word : {"gh-", "pr "}) {
        if (line.substr(i, word.size()) == word && (i == 0 || !IsAlnum(line[i - 1])) &&
            NumberAt(line, i + word.size())) {
          spans->push_back({i, i + word.size() + number_.size(), "pr_ref"});
          i += word.size() + number_.size() - 1;
          break;
        }
      }
    }
  }

  void Shas(std::string_view line, std::vector<Span>* spans) const {
    if (commits_.empty()) return;
    for (size_t i = 0; i < line.size();) {
      if (!IsHex(line[i]) || (i > 0 && IsAlnum(line[i - 1]))) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < line.size() && IsHex(line[j])) ++j;
      if ((j == line.size() || !IsAlnum(line[j])) && IsFixCommit(line.substr(i, j - i))) {
        spans->push_back({i, j, "commit_sha"});
      }
      i = j;
    }
  }

  std::string repo_;
  std::string number_;
  std::vector<std::string> commits_;
};

}  // namespace

StripResult StripLeaks(std::string_view statement, const FixIdentity& fix) {
  StripResult out;
  if (fix.repo.empty() || fix.pull_number <= 0) {
    out.text = std::string(statement);
    return out;
  }
  const Finder finder(fix);
  out.text.reserve(statement.size());
  size_t pos = 0;
  while (pos < statement.size()) {
    const size_t nl = statement.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? statement.size() : nl;
    const std::string_view line = statement.substr(pos, end - pos);
    const std::string_view with_nl =
        statement.substr(pos, (nl == std::string_view::npos ? end : nl + 1) - pos);
    pos = nl == std::string_view::npos ? statement.size() : nl + 1;
    const std::string lower = LowerAscii(line);
    const std::vector<Span> spans = finder.Find(lower);
    if (spans.empty()) {
      out.text.append(with_nl);
      continue;
    }
    // A short line that names the fix and says it fixed something: the
    // whole line is the leak.
    if (line.size() <= 200 && HasFixWord(lower)) {
      std::string_view text = line;
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      out.stripped.push_back({"fix_trailer", std::string(text)});
      continue;
    }
    size_t at = 0;
    std::string kept;
    for (const Span& s : spans) {
      size_t begin = s.begin, stop = s.end;
      // Zero-width spaces (U+200B) that Trac and others put before links.
      while (begin >= at + 3 && line.substr(begin - 3, 3) == "\xe2\x80\x8b") begin -= 3;
      while (begin > at && (line[begin - 1] == ' ' || line[begin - 1] == '\t')) --begin;
      if (begin > at && line[begin - 1] == '(' && stop < line.size() && line[stop] == ')') {
        --begin, ++stop;
        while (begin > at && (line[begin - 1] == ' ' || line[begin - 1] == '\t')) --begin;
      }
      kept.append(line.substr(at, begin - at));
      out.stripped.push_back({s.kind, std::string(line.substr(s.begin, s.end - s.begin))});
      at = stop;
    }
    kept.append(line.substr(at));
    out.text += kept;
    if (with_nl.size() > line.size()) out.text.push_back('\n');
  }
  return out;
}

double LeakScore(std::string_view statement, std::string_view patch, uint32_t min_shingles) {
  std::string added;
  size_t pos = 0;
  while (pos < patch.size()) {
    const size_t nl = patch.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? patch.size() : nl;
    const std::string_view line = patch.substr(pos, end - pos);
    pos = end + 1;
    if (line.starts_with("+") && !line.starts_with("+++ ")) {
      added.append(line.substr(1));
      added.push_back('\n');
    }
  }
  const std::vector<uint64_t> a = Shingles(added, TextKind::kStatement);
  if (a.empty() || a.size() < min_shingles) return 0.0;
  const std::vector<uint64_t> s = Shingles(statement, TextKind::kStatement);
  std::vector<uint64_t> both;
  std::set_intersection(a.begin(), a.end(), s.begin(), s.end(), std::back_inserter(both));
  return static_cast<double>(both.size()) / static_cast<double>(a.size());
}

}  // namespace swerl::curate

#include "swerl/curate/secrets.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace swerl::curate {
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLowerC(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsUpper(c) || IsLowerC(c) || IsDigit(c); }
char Lower(char c) { return IsUpper(c) ? static_cast<char>(c + 32) : c; }

// The length of the run of `ok` characters at `at`, at most `max`.
template <class Pred>
size_t Run(std::string_view s, size_t at, Pred ok, size_t max = std::string_view::npos) {
  size_t n = 0;
  while (at + n < s.size() && n < max && ok(s[at + n])) ++n;
  return n;
}

bool Boundary(std::string_view s, size_t at) { return at == 0 || !IsAlnum(s[at - 1]); }
bool EndBoundary(std::string_view s, size_t at) { return at >= s.size() || !IsAlnum(s[at]); }

bool Base32(char c) { return IsUpper(c) || (c >= '2' && c <= '7'); }
bool Alnum(char c) { return IsAlnum(c); }
bool AlnumUnderscore(char c) { return IsAlnum(c) || c == '_'; }
bool AlnumDash(char c) { return IsAlnum(c) || c == '-'; }
bool AlnumDashUnderscore(char c) { return IsAlnum(c) || c == '-' || c == '_'; }
bool Base64(char c) { return IsAlnum(c) || c == '/' || c == '+'; }

bool StartsWithAt(std::string_view s, size_t at, std::string_view p) {
  return s.substr(at, p.size()) == p;
}
bool StartsWithAtNoCase(std::string_view s, size_t at, std::string_view lower_p) {
  if (at + lower_p.size() > s.size()) return false;
  for (size_t k = 0; k < lower_p.size(); ++k) {
    if (Lower(s[at + k]) != lower_p[k]) return false;
  }
  return true;
}

// Exactly `n` characters of `ok` at `at`, then a boundary.
template <class Pred>
bool Exactly(std::string_view s, size_t at, size_t n, Pred ok) {
  return Run(s, at, ok, n + 1) == n && EndBoundary(s, at + n);
}

// A rule: at a position, does a credential start here? Positions are tried
// only where the first character can start one, for speed.
using Matcher = bool (*)(std::string_view s, size_t at);

bool AwsAccessKeyId(std::string_view s, size_t at) {
  if (!Boundary(s, at)) return false;
  for (std::string_view p : {"AKIA", "ASIA", "ABIA", "ACCA", "A3T"}) {
    if (!StartsWithAt(s, at, p)) continue;
    size_t from = at + p.size();
    if (p == "A3T") {
      if (from >= s.size() || !IsAlnum(s[from])) return false;
      ++from;
    }
    return Exactly(s, from, 16, Base32);
  }
  return false;
}

bool AwsSecretAccessKey(std::string_view s, size_t at) {
  if (at > 0 && (IsAlnum(s[at - 1]) || s[at - 1] == '_')) return false;
  for (std::string_view key : {"aws_secret_access_key", "aws_secret_key", "secret_access_key"}) {
    if (!StartsWithAtNoCase(s, at, key)) continue;
    size_t p = at + key.size();
    p += Run(
        s, p, [](char c) { return c == ' ' || c == '"' || c == '\''; }, 4);
    if (p >= s.size() || (s[p] != '=' && s[p] != ':')) return false;
    ++p;
    p += Run(
        s, p, [](char c) { return c == ' ' || c == '"' || c == '\''; }, 4);
    return Run(s, p, Base64, 41) == 40;
  }
  return false;
}

bool GithubToken(std::string_view s, size_t at) {
  if (!Boundary(s, at)) return false;
  for (std::string_view p : {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}) {
    if (StartsWithAt(s, at, p)) return Exactly(s, at + 4, 36, Alnum);
  }
  if (StartsWithAt(s, at, "github_pat_")) return Run(s, at + 11, AlnumUnderscore) >= 82;
  return false;
}

bool GitlabToken(std::string_view s, size_t at) {
  return Boundary(s, at) && StartsWithAt(s, at, "glpat-") &&
         Run(s, at + 6, AlnumDashUnderscore) >= 20;
}

bool SlackToken(std::string_view s, size_t at) {
  if (!Boundary(s, at) || !StartsWithAt(s, at, "xox") || at + 4 >= s.size()) return false;
  const char kind = s[at + 3];
  if (kind != 'b' && kind != 'a' && kind != 'p' && kind != 'r' && kind != 's') return false;
  if (s[at + 4] != '-') return false;
  // xoxb-<digits>-<digits>-<alnum>: at least two dashes and 10 characters.
  const size_t n = Run(s, at + 5, AlnumDash);
  const std::string_view body = s.substr(at + 5, n);
  return n >= 10 && std::count(body.begin(), body.end(), '-') >= 1;
}

bool SlackWebhook(std::string_view s, size_t at) {
  if (!StartsWithAt(s, at, "hooks.slack.com/services/T")) return false;
  size_t p = at + 25;
  const size_t team = Run(s, p, Alnum);
  if (team < 8 || p + team >= s.size() || s[p + team] != '/') return false;
  p += team + 1;
  if (p >= s.size() || s[p] != 'B') return false;
  const size_t bot = Run(s, p, Alnum);
  if (bot < 8 || p + bot >= s.size() || s[p + bot] != '/') return false;
  return Run(s, p + bot + 1, Alnum) >= 20;
}

bool PrivateKey(std::string_view s, size_t at) {
  if (!StartsWithAt(s, at, "-----BEGIN ")) return false;
  const size_t eol = s.find('\n', at);
  const std::string_view header = s.substr(at, eol == std::string_view::npos ? s.npos : eol - at);
  if (header.size() > 120 || header.find("PRIVATE KEY") == std::string_view::npos ||
      !header.ends_with("-----")) {
    return false;
  }
  // Key material and an end line, within 64 KiB.
  const size_t end = s.find("-----END ", at + header.size());
  return end != std::string_view::npos && end - at < 65536 && end > at + header.size() + 32;
}

bool GoogleApiKey(std::string_view s, size_t at) {
  return Boundary(s, at) && StartsWithAt(s, at, "AIza") &&
         Exactly(s, at + 4, 35, AlnumDashUnderscore);
}

bool StripeKey(std::string_view s, size_t at) {
  return Boundary(s, at) && (StartsWithAt(s, at, "sk_live_") || StartsWithAt(s, at, "rk_live_")) &&
         Run(s, at + 8, Alnum) >= 24;
}

bool OpenAiKey(std::string_view s, size_t at) {
  if (!Boundary(s, at) || !StartsWithAt(s, at, "sk-")) return false;
  if (StartsWithAt(s, at, "sk-proj-")) return Run(s, at + 8, AlnumDashUnderscore) >= 40;
  const size_t n = Run(s, at + 3, Alnum);
  return n >= 40 && s.substr(at + 3, n).find("T3BlbkFJ") != std::string_view::npos;
}

bool NpmToken(std::string_view s, size_t at) {
  return Boundary(s, at) && StartsWithAt(s, at, "npm_") && Exactly(s, at + 4, 36, Alnum);
}

// Values that stand for a password in examples, not one.
bool PlaceholderPassword(std::string_view p) {
  if (p.empty()) return true;
  const char first = p.front();
  if (first == '$' || first == '<' || first == '{' || first == '%' || first == '[' ||
      first == '*') {
    return true;
  }
  if (std::all_of(p.begin(), p.end(), [&](char c) { return Lower(c) == Lower(first); }))
    return true;
  std::string lower(p);
  for (char& c : lower) c = Lower(c);
  static constexpr std::array<std::string_view, 16> kWords = {
      "password", "passwd", "pass", "pwd",          "secret",     "changeme", "example", "user",
      "username", "token",  "xxx",  "yourpassword", "mypassword", "foo",      "bar",     "test"};
  return std::find(kWords.begin(), kWords.end(), lower) != kWords.end();
}

bool PasswordInUrl(std::string_view s, size_t at) {
  // at: the ':' of "://".
  if (!StartsWithAt(s, at, "://") || at == 0 || !IsLowerC(Lower(s[at - 1]))) return false;
  size_t p = at + 3;
  auto user_char = [](char c) {
    return c != ':' && c != '@' && c != '/' && c != ' ' && c != '\n' && c != '\t' && c != '"' &&
           c != '\'' && c != '<' && c != '>';
  };
  const size_t user = Run(s, p, user_char, 128);
  if (user == 0 || p + user >= s.size() || s[p + user] != ':') return false;
  p += user + 1;
  auto pass_char = [](char c) {
    return c != '@' && c != '/' && c != ' ' && c != '\n' && c != '\t' && c != '"' && c != '\'' &&
           c != '<' && c != '>';
  };
  const size_t pass = Run(s, p, pass_char, 256);
  if (pass < 3 || p + pass >= s.size() || s[p + pass] != '@') return false;
  if (PlaceholderPassword(s.substr(p, pass))) return false;
  const size_t host =
      Run(s, p + pass + 1, [](char c) { return IsAlnum(c) || c == '.' || c == '-'; });
  return host >= 1;
}

struct Rule {
  std::string_view name;
  Matcher match;
  char first;  // the character a match starts with; 0: any
};

constexpr Rule kRules[] = {
    {"aws_access_key_id", AwsAccessKeyId, 'A'},
    {"aws_secret_access_key", AwsSecretAccessKey, 0},
    {"github_token", GithubToken, 'g'},
    {"gitlab_token", GitlabToken, 'g'},
    {"slack_token", SlackToken, 'x'},
    {"slack_webhook", SlackWebhook, 'h'},
    {"private_key", PrivateKey, '-'},
    {"google_api_key", GoogleApiKey, 'A'},
    {"stripe_key", StripeKey, 0},
    {"openai_key", OpenAiKey, 's'},
    {"npm_token", NpmToken, 'n'},
    {"password_in_url", PasswordInUrl, ':'},
};

}  // namespace

const std::vector<std::string_view>& SecretRuleNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const Rule& r : kRules) out.push_back(r.name);
    return out;
  }();
  return names;
}

namespace {

// The 4-byte starts of the rules' matches (the password rule is anchored on
// "://" instead), for a prefilter that looks at every position once.
constexpr std::string_view kStarts[] = {
    "AKIA", "ASIA", "ABIA", "ACCA", "A3T",  "aws_", "AWS_", "Aws_", "secr", "SECR",
    "Secr", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "gith", "glpa", "xoxb", "xoxa",
    "xoxp", "xoxr", "xoxs", "hook", "----", "AIza", "sk_l", "rk_l", "sk-",  "npm_"};

uint32_t Load4(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint32_t Slot(uint32_t v) { return (v * 0x9E3779B1u) >> 16; }

// A 64K-bit set of the slots of kStarts (3-byte starts enter with every
// possible fourth byte).
const std::vector<uint64_t>& StartBits() {
  static const std::vector<uint64_t> bits = [] {
    std::vector<uint64_t> b(1 << 10, 0);
    auto add = [&](uint32_t v) { b[Slot(v) >> 6] |= uint64_t{1} << (Slot(v) & 63); };
    for (std::string_view start : kStarts) {
      if (start.size() == 4) {
        add(Load4(start.data()));
      } else {
        for (int last = 0; last < 256; ++last) {
          char four[4] = {start[0], start[1], start[2], static_cast<char>(last)};
          add(Load4(four));
        }
      }
    }
    return b;
  }();
  return bits;
}

}  // namespace

std::vector<SecretFinding> FindSecrets(std::string_view text, std::string_view field) {
  std::vector<SecretFinding> out;
  const std::vector<uint64_t>& bits = StartBits();
  auto try_rules = [&](size_t at) {
    for (const Rule& r : kRules) {
      if (r.match(text, at)) {
        out.push_back({std::string(r.name), std::string(field), at});
        return;
      }
    }
  };
  const size_t n = text.size();
  for (size_t at = 0; at < n; ++at) {
    if (text[at] == ':') {
      if (at + 2 < n && text[at + 1] == '/' && text[at + 2] == '/') try_rules(at);
      continue;
    }
    if (at + 4 > n) {
      // The last bytes: only 3-byte starts fit ("sk-" needs more anyway).
      continue;
    }
    const uint32_t slot = Slot(Load4(text.data() + at));
    if (bits[slot >> 6] & (uint64_t{1} << (slot & 63))) try_rules(at);
  }
  return out;
}

std::vector<SecretFinding> FindSeedSecrets(const shard::Seed& seed, size_t max_findings) {
  std::vector<SecretFinding> out;
  auto scan = [&](std::string_view text, const std::string& field) {
    if (out.size() >= max_findings) return;
    for (SecretFinding& f : FindSecrets(text, field)) {
      if (out.size() >= max_findings) break;
      out.push_back(std::move(f));
    }
  };
  scan(seed.title, "title");
  scan(seed.body, "body");
  scan(seed.problem_statement, "problem_statement");
  // The closing issues' text is the problem statement; the others are not.
  for (size_t k = 0; k < seed.issues.size(); ++k) {
    if (seed.issues[k].closing && !seed.problem_statement.empty()) continue;
    scan(seed.issues[k].title, "issues[" + std::to_string(k) + "].title");
    scan(seed.issues[k].body, "issues[" + std::to_string(k) + "].body");
  }
  scan(seed.patch, "patch");
  scan(seed.test_patch, "test_patch");
  // The oracle is the changed files after the change: what it adds to the
  // context is the patch's '+' lines, scanned above.
  for (const auto& [path, text] : seed.context) scan(text, "context:" + path);
  return out;
}

std::string RedactEmails(std::string_view text, size_t* count) {
  std::string out;
  size_t copied = 0;
  auto local_char = [](char c) {
    return IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
  };
  for (size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    if (at < copied) continue;
    size_t begin = at;
    while (begin > copied && local_char(text[begin - 1])) --begin;
    while (begin < at && (text[begin] == '.' || text[begin] == '-')) ++begin;
    if (begin == at) continue;
    // "scheme://user:password@host": credentials in a URL (the secret
    // rules' business), not an address.
    if (begin > 0 && (text[begin - 1] == ':' || text[begin - 1] == '/')) continue;
    // domain: labels joined by dots, the last alphabetic, 2+ letters.
    size_t end = at + 1, last_dot = 0;
    while (end < text.size() &&
           (IsAlnum(text[end]) || text[end] == '-' ||
            (text[end] == '.' && end + 1 < text.size() && IsAlnum(text[end + 1])))) {
      if (text[end] == '.') last_dot = end;
      ++end;
    }
    if (last_dot == 0 || end - last_dot - 1 < 2) continue;
    bool alpha_tld = true;
    for (size_t k = last_dot + 1; k < end; ++k) alpha_tld &= IsUpper(text[k]) || IsLowerC(text[k]);
    if (!alpha_tld) continue;
    const std::string_view local = text.substr(begin, at - begin);
    if (local == "git") continue;  // git@github.com:owner/name: an SSH remote
    out.append(text.substr(copied, begin - copied));
    out.append(kEmailPlaceholder);
    copied = end;
    if (count) ++*count;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace swerl::curate

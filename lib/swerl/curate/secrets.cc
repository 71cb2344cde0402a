#include "swerl/curate/secrets.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

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
  // The starts of a match: 4 bytes, or 3 (then any fourth byte follows).
  std::initializer_list<std::string_view> starts;
};

// In the order they are tried. The starts are exactly the texts each
// matcher begins with (aws_secret_access_key, case-insensitive, in the
// three usual spellings).
const Rule kRules[] = {
    {"aws_access_key_id", AwsAccessKeyId, {"AKIA", "ASIA", "ABIA", "ACCA", "A3T"}},
    {"aws_secret_access_key", AwsSecretAccessKey, {"aws_", "AWS_", "Aws_", "secr", "SECR", "Secr"}},
    {"github_token", GithubToken, {"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "gith"}},
    {"gitlab_token", GitlabToken, {"glpa"}},
    {"slack_token", SlackToken, {"xoxb", "xoxa", "xoxp", "xoxr", "xoxs"}},
    {"slack_webhook", SlackWebhook, {"hook"}},
    {"private_key", PrivateKey, {"----"}},
    {"google_api_key", GoogleApiKey, {"AIza"}},
    {"stripe_key", StripeKey, {"sk_l", "rk_l"}},
    {"openai_key", OpenAiKey, {"sk-"}},
    {"npm_token", NpmToken, {"npm_"}},
    {"password_in_url", PasswordInUrl, {"://"}},
};
constexpr size_t kRuleCount = sizeof(kRules) / sizeof(kRules[0]);
static_assert(kRuleCount <= 16, "rule masks are 16 bits");

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

uint32_t Load4(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint32_t Slot(uint32_t v) { return (v * 0x9E3779B1u) >> 16; }

// The prefilter: a 64K-bit set of the hashed 4-byte starts (a 3-byte start
// enters with every fourth byte), which rejects almost every position with
// one multiply and one load, then an exact list that names the rules a
// start belongs to.
class StartTable {
 public:
  StartTable() : bits_(1 << 10, 0) {
    const char ones[4] = {'\xff', '\xff', '\xff', '\0'};
    const uint32_t three = Load4(ones);  // the mask of a 4-byte load's first 3 bytes
    for (size_t r = 0; r < kRuleCount; ++r) {
      for (std::string_view start : kRules[r].starts) {
        char four[4] = {start[0], start[1], start[2], start.size() == 4 ? start[3] : '\0'};
        const uint32_t value = Load4(four), mask = start.size() == 4 ? ~0u : three;
        starts_.push_back({value, mask, static_cast<uint16_t>(1u << r)});
        for (int last = 0; last < (start.size() == 4 ? 1 : 256); ++last) {
          if (start.size() == 3) four[3] = static_cast<char>(last);
          const uint32_t slot = Slot(Load4(four));
          bits_[slot >> 6] |= uint64_t{1} << (slot & 63);
        }
      }
    }
  }

  bool MaybeStart(uint32_t v) const {
    const uint32_t slot = Slot(v);
    return (bits_[slot >> 6] >> (slot & 63)) & 1;
  }

  // The rules (bit r: kRules[r]) with a start equal to the 4 bytes `v`.
  uint16_t Rules(uint32_t v) const {
    uint16_t rules = 0;
    for (const Start& s : starts_) {
      if ((v & s.mask) == s.value) rules |= s.rules;
    }
    return rules;
  }

 private:
  struct Start {
    uint32_t value, mask;
    uint16_t rules;
  };
  std::vector<uint64_t> bits_;
  std::vector<Start> starts_;
};

// The positions that may start a credential, 16 at a time, with SSSE3's
// byte shuffle as a table lookup ("shufti", as Hyperscan classifies bytes):
// a byte's class bits are lo[low nibble] & hi[high nibble]. Eight classes
// pair a first byte with the fourth (AKIA ... npm_), three more pair a
// first byte with the third (A3T, sk-, ://). The tables over-approximate
// each class (nibble cross products), so a hit is only a candidate: the
// StartTable then decides exactly.
struct ClassPair {
  std::string_view first, other;  // the bytes allowed at 0 and at `offset`
};
constexpr ClassPair kFourthClasses[8] = {
    {"Aa", "Aa_"}, {"sS", "rRl"}, {"g", "_ha"}, {"x", "baprs"},
    {"h", "k"},    {"-", "-"},    {"r", "l"},   {"n", "_"}};
constexpr ClassPair kThirdClasses[3] = {{"A", "T"}, {"s", "-"}, {":", "/"}};

struct NibbleTables {
  alignas(16) uint8_t lo[16] = {}, hi[16] = {};
  template <size_t N>
  static NibbleTables Of(const ClassPair (&classes)[N], bool first) {
    NibbleTables t;
    for (size_t b = 0; b < N; ++b) {
      for (char c : first ? classes[b].first : classes[b].other) {
        const auto u = static_cast<uint8_t>(c);
        t.lo[u & 15] |= static_cast<uint8_t>(1u << b);
        t.hi[u >> 4] |= static_cast<uint8_t>(1u << b);
      }
    }
    return t;
  }
};

// Whether `table` holds a start equal to the 4 bytes at `at`, and if so
// the first rule (kRules order) that matches there.
void TryAt(const StartTable& table, std::string_view text, size_t at, std::string_view field,
           std::vector<SecretFinding>* out) {
  const uint32_t v = Load4(text.data() + at);
  if (!table.MaybeStart(v)) return;
  const uint16_t rules = table.Rules(v);
  for (size_t r = 0; rules && r < kRuleCount; ++r) {
    if (((rules >> r) & 1) && kRules[r].match(text, at)) {
      out->push_back({std::string(kRules[r].name), std::string(field), at});
      return;
    }
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SWERL_SECRETS_SSSE3 1

// The class bits of 16 bytes under `t`.
__attribute__((target("ssse3"))) inline __m128i Classes(__m128i bytes, const NibbleTables& t) {
  const __m128i nib = _mm_set1_epi8(0x0f);
  const __m128i lo = _mm_and_si128(bytes, nib);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), nib);
  return _mm_and_si128(_mm_shuffle_epi8(_mm_load_si128(reinterpret_cast<const __m128i*>(t.lo)), lo),
                       _mm_shuffle_epi8(_mm_load_si128(reinterpret_cast<const __m128i*>(t.hi)), hi));
}

// The candidate mask of the 16 positions from p (bit k: position k); reads
// p[0..18].
__attribute__((target("ssse3"))) uint32_t CandidateMask(const char* p, const NibbleTables* t) {
  const __m128i b0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i b2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2));
  const __m128i b3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 3));
  const __m128i four = _mm_and_si128(Classes(b0, t[0]), Classes(b3, t[1]));
  const __m128i three = _mm_and_si128(Classes(b0, t[2]), Classes(b2, t[3]));
  const __m128i any = _mm_or_si128(four, three);
  return ~static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(any, _mm_setzero_si128()))) &
         0xffffu;
}

// The tables CandidateMask reads: 4-byte classes at 0 and 3, 3-byte at 0
// and 2.
const NibbleTables* ShuftiTables() {
  static const NibbleTables tables[4] = {
      NibbleTables::Of(kFourthClasses, true), NibbleTables::Of(kFourthClasses, false),
      NibbleTables::Of(kThirdClasses, true), NibbleTables::Of(kThirdClasses, false)};
  return tables;
}
#endif

}  // namespace

std::vector<SecretFinding> FindSecrets(std::string_view text, std::string_view field) {
  static const StartTable table;
  std::vector<SecretFinding> out;
  const size_t n = text.size();
  size_t at = 0;
#ifdef SWERL_SECRETS_SSSE3
  static const bool ssse3 = __builtin_cpu_supports("ssse3");
  if (ssse3) {
    const NibbleTables* tables = ShuftiTables();
    for (; at + 19 <= n; at += 16) {
      for (uint32_t mask = CandidateMask(text.data() + at, tables); mask; mask &= mask - 1) {
        TryAt(table, text, at + static_cast<size_t>(__builtin_ctz(mask)), field, &out);
      }
    }
  }
#endif
  // The rest (all of it without SSSE3) one position at a time. The last 3
  // bytes: no 4-byte start fits, and the 3-byte ones need more characters
  // after them anyway ("://" a host, "sk-" a key).
  for (; at + 4 <= n; ++at) TryAt(table, text, at, field, &out);
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

// simdjson's On-Demand front end is header code, built for the CPU the
// compiler may assume: the x86-64 baseline, for which the header picks its
// scalar "fallback" kernel (several times slower). So this file is compiled
// for Haswell (AVX2, BMI, PCLMUL, LZCNT) in a target region, with the
// feature macros the header tests defined by hand (GCC's target pragma does
// not define them). Its code runs only where the CPU has those features:
// Normalizer checks before it builds a FastNormalizer, and nothing here runs
// at load time. The region covers the standard headers too (the On-Demand
// types build on std::pair); no template instantiated here is shared with
// baseline code (tests/gharchive/CMakeLists.txt checks the object's weak
// symbols), so the linker cannot hand Haswell code to other callers.
// (FastNormalizer::Supported in normalize.cc tests the same condition.)
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__AVX2__)
#pragma GCC push_options
#pragma GCC target("avx2,bmi,pclmul,lzcnt")
#define SWERL_FAST_TARGET_REGION 1
#define __AVX2__ 1
#define __BMI__ 1
#define __PCLMUL__ 1
#define __LZCNT__ 1
#endif

#include "swerl/gharchive/normalize_fast.h"

#include <simdjson.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif

#include <array>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "swerl/io/line_chunker.h"
#include "swerl/json/json_writer.h"

namespace swerl::gharchive {
namespace {

namespace od = simdjson::ondemand;
using simdjson::SUCCESS;

// One field as the record will write it. (Its text is a pointer and a
// length rather than a std::string_view: the implicit constructors of the
// structs below are baseline code, and a std::string_view member would make
// them call std::string_view's constructor, built in the target region,
// through a weak symbol shared with other files.)
struct Scalar {
  enum Kind : uint8_t {
    kAbsent,  // the key is not there: written null
    kNull,    // there, but not of the field's type: written null
    kJson,    // JSON text to copy as is (a string token with its quotes, digits, true/false)
    kText,    // an unescaped string (valid UTF-8) that JsonWriter's rules escape
  };
  Kind kind = kAbsent;
  bool plain = false;  // kJson string without escapes: s() without its quotes is the text
  const char* data = nullptr;
  size_t size = 0;

  void Set(Kind k, bool is_plain, std::string_view text) {
    kind = k;
    plain = is_plain;
    data = text.data();
    size = text.size();
  }
  std::string_view s() const { return std::string_view(data, size); }
  bool present() const { return kind != kAbsent; }
  bool is_string() const { return kind == kText || (kind == kJson && size > 0 && *data == '"'); }
  // The text of a string (REQUIRES: is_string() and, for kJson, plain).
  std::string_view text() const { return kind == kText ? s() : s().substr(1, size - 2); }
};

// Appends `punct_key` (the separator, the quoted key and ':') and the value.
void Put(std::string* out, std::string_view punct_key, const Scalar& v) {
  out->append(punct_key);
  switch (v.kind) {
    case Scalar::kJson:
      out->append(v.s());
      break;
    case Scalar::kText:
      json::AppendJsonString(out, v.s());
      break;
    default:
      out->append("null");
  }
}

// Which of JsonWriter's escapes a JSON string's inner text uses.
enum class Escapes {
  kNone,       // no backslash and no control byte: the text itself
  kCanonical,  // only the escapes JsonWriter writes, for the bytes it escapes
  kOther,      // anything else (\/, \u00e9, a raw control byte, ...)
};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not what JsonWriter writes
}

// The index of the first backslash or control byte at or after `i`, or
// s.size(). Bodies are long and mostly plain: 32 bytes at a time.
size_t NextSpecial(std::string_view s, size_t i) {
#ifdef __AVX2__
  const __m256i backslash = _mm256_set1_epi8('\\'), ctl_max = _mm256_set1_epi8(0x1F);
  for (; i + 32 <= s.size(); i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s.data() + i));
    // v <= 0x1F (unsigned) iff max(v, 0x1F) == 0x1F.
    const __m256i hits = _mm256_or_si256(_mm256_cmpeq_epi8(v, backslash),
                                         _mm256_cmpeq_epi8(_mm256_max_epu8(v, ctl_max), ctl_max));
    if (const auto mask = static_cast<uint32_t>(_mm256_movemask_epi8(hits))) {
      return i + static_cast<size_t>(__builtin_ctz(mask));
    }
  }
#endif
  for (; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '\\') return i;
  }
  return i;
}

Escapes ClassifyEscapes(std::string_view inner) {
  Escapes result = Escapes::kNone;
  for (size_t i = NextSpecial(inner, 0); i < inner.size(); i = NextSpecial(inner, i + 1)) {
    if (inner[i] != '\\' || i + 1 >= inner.size()) return Escapes::kOther;  // a raw control byte
    result = Escapes::kCanonical;
    switch (inner[++i]) {
      case '"':
      case '\\':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        break;
      case 'u': {
        // \u00XX, lower-case hex, for the controls without a short escape.
        if (i + 4 >= inner.size() || inner[i + 1] != '0' || inner[i + 2] != '0') {
          return Escapes::kOther;
        }
        const int hi = HexDigit(inner[i + 3]), lo = HexDigit(inner[i + 4]);
        if (hi < 0 || hi > 1 || lo < 0) return Escapes::kOther;
        const int unit = hi * 16 + lo;
        if (unit == '\b' || unit == '\f' || unit == '\n' || unit == '\r' || unit == '\t') {
          return Escapes::kOther;
        }
        i += 4;
        break;
      }
      default:
        return Escapes::kOther;
    }
  }
  return result;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// The value's type; a null is checked to be the literal `null` (other
// values are checked when read, or not at all when no record reads them).
bool TypeOf(od::value& v, od::json_type* type) {
  if (v.type().get(*type) != SUCCESS) return false;
  bool is_null = true;
  return *type != od::json_type::null || (v.is_null().get(is_null) == SUCCESS && is_null);
}

// Readers of one field value into its Scalar (each key is read once:
// WalkObject passes only a key's first occurrence). False: decline the line
// (a parse error, or a shape the full path must judge). A value of another
// type is kNull.
bool ReadString(od::value& v, Scalar* out) {
  od::json_type type;
  if (!TypeOf(v, &type)) return false;
  if (type != od::json_type::string) {
    out->kind = Scalar::kNull;
    return true;
  }
  const std::string_view token = TrimRight(v.raw_json_token());
  if (token.size() < 2 || token.back() != '"') return false;
  switch (ClassifyEscapes(token.substr(1, token.size() - 2))) {
    case Escapes::kNone:
      out->Set(Scalar::kJson, true, token);
      return true;
    case Escapes::kCanonical:
      out->Set(Scalar::kJson, false, token);
      return true;
    case Escapes::kOther:
      break;
  }
  std::string_view s;
  if (v.get_string().get(s) != SUCCESS) return false;  // e.g. a lone surrogate escape
  out->Set(Scalar::kText, false, s);
  return true;
}

// ReadString, then the text must be at hand (Scalar::text()).
bool ReadText(od::value& v, Scalar* out) {
  if (!ReadString(v, out)) return false;
  if (out->kind == Scalar::kJson && !out->plain) {
    std::string_view s;
    if (v.get_string().get(s) != SUCCESS) return false;
    out->Set(Scalar::kText, false, s);
  }
  return true;
}

// 0, or -?[1-9][0-9]{0,17}: an integer that fits int64 whatever its digits,
// written by JsonWriter::Int exactly as here.
bool IsPlainInt(std::string_view s) {
  size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  const size_t digits = s.size() - i;
  if (digits == 0 || digits > 18) return false;
  if (s[i] == '0') return s.size() == 1;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

bool ReadInt(od::value& v, Scalar* out) {
  od::json_type type;
  if (!TypeOf(v, &type)) return false;
  if (type != od::json_type::number) {
    out->kind = Scalar::kNull;
    return true;
  }
  const std::string_view token = TrimRight(v.raw_json_token());
  if (!IsPlainInt(token)) return false;
  out->Set(Scalar::kJson, false, token);
  return true;
}

bool ReadBool(od::value& v, Scalar* out) {
  od::json_type type;
  if (!TypeOf(v, &type)) return false;
  if (type != od::json_type::boolean) {
    out->kind = Scalar::kNull;
    return true;
  }
  bool b;
  if (v.get_bool().get(b) != SUCCESS) return false;
  out->Set(Scalar::kJson, false, b ? "true" : "false");
  return true;
}

// Marks a key's presence (whatever its value): kJson, or kNull for null.
bool ReadPresence(od::value& v, Scalar* out) {
  od::json_type type;
  if (!TypeOf(v, &type)) return false;
  out->Set(type == od::json_type::null ? Scalar::kNull : Scalar::kJson, false, {});
  return true;
}

// The keys of one object kind, found by length, then bytes. A constant:
// nothing to construct at load time.
template <size_t N>
class KeySet {
 public:
  static constexpr size_t kMaxLength = 31;
  constexpr explicit KeySet(std::array<std::string_view, N> names) : names_(names) {
    size_t pos = 0;
    for (size_t length = 0; length <= kMaxLength; ++length) {
      first_[length] = static_cast<uint8_t>(pos);
      for (size_t i = 0; i < N; ++i) {
        if (names_[i].size() == length) order_[pos++] = static_cast<uint8_t>(i);
      }
    }
    first_[kMaxLength + 1] = static_cast<uint8_t>(pos);
  }
  // The index of `key` in the constructor's list, or -1.
  int Find(std::string_view key) const {
    if (key.empty() || key.size() > kMaxLength) return -1;
    for (size_t p = first_[key.size()]; p < first_[key.size() + 1]; ++p) {
      const std::string_view name = names_[order_[p]];
      if (name[0] == key[0] && std::memcmp(name.data(), key.data(), key.size()) == 0) {
        return order_[p];
      }
    }
    return -1;
  }

 private:
  std::array<std::string_view, N> names_;
  std::array<uint8_t, N> order_{};               // indices by name length
  std::array<uint8_t, kMaxLength + 2> first_{};  // order_[first_[n]..first_[n+1]): length n
};

template <typename... Names>
constexpr auto Keys(Names... names) {
  return KeySet<sizeof...(Names)>({std::string_view(names)...});
}

// A walk over one object's fields, in order, until every key of `keys` was
// seen (the rest of the object is skipped unread: as with the full path, the
// first occurrence of a key is the one that counts). Stops (false) at a
// parse error or an escaped key; `visit(index, value)` returns false to
// decline the line.
template <size_t N, typename Visit>
bool WalkObject(od::value& v, const KeySet<N>& keys, const char* end, Visit&& visit) {
  static_assert(N <= 32);
  constexpr uint32_t kAll = N == 32 ? ~uint32_t{0} : (uint32_t{1} << N) - 1;
  od::object object;
  if (v.get_object().get(object) != SUCCESS) return false;
  uint32_t seen = 0;
  for (auto field_result : object) {
    if (field_result.error() != SUCCESS) return false;
    od::field& field = field_result.value_unsafe();
    // The raw key: without escapes (else decline) it ends at the next quote.
    const char* begin = reinterpret_cast<const char*>(field.key().raw());
    const char* stop = begin;
    while (stop < end && *stop != '"') {
      if (*stop == '\\') return false;
      ++stop;
    }
    if (stop >= end) return false;
    const int index = keys.Find(std::string_view(begin, stop - begin));
    if (index < 0 || (seen >> index & 1)) continue;  // a later duplicate: ignored
    if (!visit(index, field.value())) return false;
    if ((seen |= uint32_t{1} << index) == kAll) break;
  }
  return true;
}

// Marks `presence`, then walks the value when it is an object (else the
// fields under it stay absent: the record writes them null, as the full
// path does). *is_object, when asked for, says which.
template <size_t N, typename Visit>
bool ReadObject(od::value& v, Scalar* presence, const KeySet<N>& keys, const char* end,
                Visit&& visit, bool* is_object = nullptr) {
  od::json_type type;
  if (!TypeOf(v, &type)) return false;
  presence->Set(type == od::json_type::null ? Scalar::kNull : Scalar::kJson, false, {});
  if (is_object) *is_object = type == od::json_type::object;
  return type != od::json_type::object || WalkObject(v, keys, end, visit);
}

struct User {
  Scalar login, id, type;
};
constexpr auto kUserKeys = Keys("login", "id", "type");

bool ReadUser(od::value& v, const char* end, Scalar* presence, User* user) {
  return ReadObject(v, presence, kUserKeys, end, [&](int k, od::value& val) {
    switch (k) {
      case 0:
        return ReadString(val, &user->login);
      case 1:
        return ReadInt(val, &user->id);
      default:
        return ReadString(val, &user->type);
    }
  });
}

void PutUser(std::string* out, const User& u) {
  Put(out, ",\"user\":", u.login);
  Put(out, ",\"user_id\":", u.id);
  Put(out, ",\"user_type\":", u.type);
}

struct Branch {
  Scalar ref, sha, repo, full_name, name, url, id;
};
constexpr auto kBranchKeys = Keys("ref", "sha", "repo");
constexpr auto kBranchRepoKeys = Keys("full_name", "name", "url", "id");

bool ReadBranch(od::value& v, const char* end, Scalar* presence, Branch* b) {
  return ReadObject(v, presence, kBranchKeys, end, [&](int k, od::value& val) {
    switch (k) {
      case 0:
        return ReadString(val, &b->ref);
      case 1:
        return ReadString(val, &b->sha);
      default:
        return ReadObject(val, &b->repo, kBranchRepoKeys, end, [&](int rk, od::value& rv) {
          switch (rk) {
            case 0:
              return ReadString(rv, &b->full_name);
            case 1:
              return ReadString(rv, &b->name);
            case 2:
              return ReadText(rv, &b->url);
            default:
              return ReadInt(rv, &b->id);
          }
        });
    }
  });
}

void PutBranch(std::string* out, const Branch& b, std::string_view ref_key,
               std::string_view sha_key, std::string_view repo_key, std::string_view repo_id_key) {
  Put(out, ref_key, b.ref);
  Put(out, sha_key, b.sha);
  // As the full path's WriteRepoName: full_name, else a name holding '/',
  // else the owner/name of the API url.
  out->append(repo_key);
  if (b.full_name.is_string()) {
    Put(out, {}, b.full_name);
  } else if (b.name.is_string() && b.name.s().find('/') != std::string_view::npos) {
    // (A canonical kJson string holds '/' exactly when its text does.)
    Put(out, {}, b.name);
  } else if (const std::string_view derived =
                 b.url.is_string() ? OwnerNameFromApiUrl(b.url.text()) : std::string_view();
             !derived.empty()) {
    json::AppendJsonString(out, derived);
  } else {
    out->append("null");
  }
  Put(out, repo_id_key, b.id);
}

// Label names: [] of the string names, in order; null when not an array.
bool ReadLabels(od::value& v, const char* end, Scalar* presence, std::vector<Scalar>* names) {
  od::json_type type;
  if (!TypeOf(v, &type)) return false;
  presence->kind = type == od::json_type::array ? Scalar::kJson : Scalar::kNull;
  if (type != od::json_type::array) return true;
  static constexpr auto kLabelKeys = Keys("name");
  od::array items;
  if (v.get_array().get(items) != SUCCESS) return false;
  for (auto item_result : items) {
    od::value item;
    if (std::move(item_result).get(item) != SUCCESS) return false;
    od::json_type item_type;
    if (!TypeOf(item, &item_type)) return false;
    if (item_type != od::json_type::object) continue;
    Scalar name;
    if (!WalkObject(item, kLabelKeys, end,
                    [&](int, od::value& val) { return ReadString(val, &name); })) {
      return false;
    }
    if (name.is_string()) names->push_back(name);
  }
  return true;
}

void PutLabels(std::string* out, const Scalar& presence, const std::vector<Scalar>& names) {
  out->append(",\"labels\":");
  if (presence.kind != Scalar::kJson) {
    out->append("null");
    return;
  }
  out->push_back('[');
  for (size_t i = 0; i < names.size(); ++i) Put(out, i ? "," : "", names[i]);
  out->push_back(']');
}

struct PullRequest {
  bool is_object = false;
  Scalar id, number, title, body, state, draft, merged, merged_at, merge_commit_sha, created_at,
      updated_at, closed_at, user, author_association, base, head, additions, deletions,
      changed_files, commits, labels, merged_by, merged_by_login;
  User u;
  Branch base_branch, head_branch;
};
constexpr auto kPullRequestKeys = Keys(
    "id", "number", "title", "body", "state", "draft", "merged", "merged_at", "merge_commit_sha",
    "created_at", "updated_at", "closed_at", "user", "author_association", "base", "head",
    "additions", "deletions", "changed_files", "commits", "labels", "merged_by");

struct Issue {
  bool is_object = false;
  Scalar id, number, title, body, state, user, author_association, labels, created_at, updated_at,
      closed_at, pull_request;
  User u;
};
constexpr auto kIssueKeys =
    Keys("id", "number", "title", "body", "state", "user", "author_association", "labels",
         "created_at", "updated_at", "closed_at", "pull_request");

// Issue comments and review comments alike.
struct Comment {
  bool is_object = false;
  Scalar id, body, user, author_association, created_at, updated_at, path, diff_hunk, commit_id,
      original_commit_id, line, original_line, side, start_line, in_reply_to_id,
      pull_request_review_id;
  User u;
};
constexpr auto kCommentKeys =
    Keys("id", "body", "user", "author_association", "created_at", "updated_at", "path",
         "diff_hunk", "commit_id", "original_commit_id", "line", "original_line", "side",
         "start_line", "in_reply_to_id", "pull_request_review_id");

struct Review {
  bool is_object = false;
  Scalar id, state, body, user, author_association, submitted_at, commit_id;
  User u;
};
constexpr auto kReviewKeys =
    Keys("id", "state", "body", "user", "author_association", "submitted_at", "commit_id");

constexpr auto kEventKeys =
    Keys("id", "type", "actor", "repo", "repository", "payload", "created_at");
constexpr auto kActorKeys = Keys("login", "id");
constexpr auto kRepoKeys = Keys("name", "id");
constexpr auto kPayloadKeys =
    Keys("action", "number", "pull_request", "issue", "comment", "review");

}  // namespace

std::string_view OwnerNameFromApiUrl(std::string_view url) {
  constexpr std::string_view kPrefix = "https://api.github.com/repos/";
  if (url.substr(0, kPrefix.size()) != kPrefix) return {};
  const std::string_view rest = url.substr(kPrefix.size());
  const size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == rest.size() ||
      rest.find('/', slash + 1) != std::string_view::npos) {
    return {};
  }
  return rest;
}

struct FastNormalizer::Impl {
  explicit Impl(TypeSet t) : types(t) {}

  bool Walk(std::string_view line);
  bool ReadPullRequest(od::value& v);
  bool ReadIssue(od::value& v);
  bool ReadComment(od::value& v);
  bool ReadReview(od::value& v);
  void Write(std::string* out) const;

  TypeSet types;
  od::parser parser;
  const char* end = nullptr;  // one past the line

  // What the walk found.
  EventType type = EventType::kOther;
  Scalar id, type_name, actor, repo, payload, created_at;
  Scalar actor_login, actor_id, repo_name, repo_id;
  Scalar action, payload_number, pr_key, issue_key, comment_key, review_key;
  PullRequest pr;
  Issue issue;
  Comment comment;
  Review review;
  std::vector<Scalar> labels;
};

bool FastNormalizer::Impl::ReadPullRequest(od::value& v) {
  PullRequest& p = pr;
  return ReadObject(
      v, &pr_key, kPullRequestKeys, end,
      [&](int k, od::value& val) {
        switch (k) {
          case 0:
            return ReadInt(val, &p.id);
          case 1:
            return ReadInt(val, &p.number);
          case 2:
            return ReadString(val, &p.title);
          case 3:
            return ReadString(val, &p.body);
          case 4:
            return ReadString(val, &p.state);
          case 5:
            return ReadBool(val, &p.draft);
          case 6:
            return ReadBool(val, &p.merged);
          case 7:
            return ReadString(val, &p.merged_at);
          case 8:
            return ReadString(val, &p.merge_commit_sha);
          case 9:
            return ReadString(val, &p.created_at);
          case 10:
            return ReadString(val, &p.updated_at);
          case 11:
            return ReadString(val, &p.closed_at);
          case 12:
            return ReadUser(val, end, &p.user, &p.u);
          case 13:
            return ReadString(val, &p.author_association);
          case 14:
            return ReadBranch(val, end, &p.base, &p.base_branch);
          case 15:
            return ReadBranch(val, end, &p.head, &p.head_branch);
          case 16:
            return ReadInt(val, &p.additions);
          case 17:
            return ReadInt(val, &p.deletions);
          case 18:
            return ReadInt(val, &p.changed_files);
          case 19:
            return ReadInt(val, &p.commits);
          case 20:
            return ReadLabels(val, end, &p.labels, &labels);
          default: {
            User merged_by;
            if (!ReadUser(val, end, &p.merged_by, &merged_by)) return false;
            p.merged_by_login = merged_by.login;
            return true;
          }
        }
      },
      &pr.is_object);
}

bool FastNormalizer::Impl::ReadIssue(od::value& v) {
  Issue& i = issue;
  return ReadObject(
      v, &issue_key, kIssueKeys, end,
      [&](int k, od::value& val) {
        switch (k) {
          case 0:
            return ReadInt(val, &i.id);
          case 1:
            return ReadInt(val, &i.number);
          case 2:
            return ReadString(val, &i.title);
          case 3:
            return ReadString(val, &i.body);
          case 4:
            return ReadString(val, &i.state);
          case 5:
            return ReadUser(val, end, &i.user, &i.u);
          case 6:
            return ReadString(val, &i.author_association);
          case 7:
            return ReadLabels(val, end, &i.labels, &labels);
          case 8:
            return ReadString(val, &i.created_at);
          case 9:
            return ReadString(val, &i.updated_at);
          case 10:
            return ReadString(val, &i.closed_at);
          default:
            return ReadPresence(val, &i.pull_request);
        }
      },
      &issue.is_object);
}

bool FastNormalizer::Impl::ReadComment(od::value& v) {
  Comment& c = comment;
  return ReadObject(
      v, &comment_key, kCommentKeys, end,
      [&](int k, od::value& val) {
        switch (k) {
          case 0:
            return ReadInt(val, &c.id);
          case 1:
            return ReadString(val, &c.body);
          case 2:
            return ReadUser(val, end, &c.user, &c.u);
          case 3:
            return ReadString(val, &c.author_association);
          case 4:
            return ReadString(val, &c.created_at);
          case 5:
            return ReadString(val, &c.updated_at);
          case 6:
            return ReadString(val, &c.path);
          case 7:
            return ReadString(val, &c.diff_hunk);
          case 8:
            return ReadString(val, &c.commit_id);
          case 9:
            return ReadString(val, &c.original_commit_id);
          case 10:
            return ReadInt(val, &c.line);
          case 11:
            return ReadInt(val, &c.original_line);
          case 12:
            return ReadString(val, &c.side);
          case 13:
            return ReadInt(val, &c.start_line);
          case 14:
            return ReadInt(val, &c.in_reply_to_id);
          default:
            return ReadInt(val, &c.pull_request_review_id);
        }
      },
      &comment.is_object);
}

bool FastNormalizer::Impl::ReadReview(od::value& v) {
  Review& r = review;
  return ReadObject(
      v, &review_key, kReviewKeys, end,
      [&](int k, od::value& val) {
        switch (k) {
          case 0:
            return ReadInt(val, &r.id);
          case 1:
            return ReadString(val, &r.state);
          case 2:
            return ReadString(val, &r.body);
          case 3:
            return ReadUser(val, end, &r.user, &r.u);
          case 4:
            return ReadString(val, &r.author_association);
          case 5:
            return ReadString(val, &r.submitted_at);
          default:
            return ReadString(val, &r.commit_id);
        }
      },
      &review.is_object);
}

bool FastNormalizer::Impl::Walk(std::string_view line) {
  end = line.data() + line.size();
  type = EventType::kOther;
  id = type_name = actor = repo = payload = created_at = Scalar();
  actor_login = actor_id = repo_name = repo_id = Scalar();
  action = payload_number = pr_key = issue_key = comment_key = review_key = Scalar();
  pr = PullRequest();
  issue = Issue();
  comment = Comment();
  review = Review();
  labels.clear();

  od::document doc;
  if (parser.iterate(line.data(), line.size(), line.size() + io::kChunkPadding).get(doc) !=
      SUCCESS) {
    return false;
  }
  od::value root;
  if (doc.get_value().get(root) != SUCCESS) return false;
  const bool walked = WalkObject(root, kEventKeys, end, [&](int k, od::value& val) {
    switch (k) {
      case 0:
        return ReadText(val, &id) && id.is_string();
      case 1: {
        if (!ReadText(val, &type_name) || !type_name.is_string()) return false;
        type = EventTypeFromName(type_name.text());
        return type != EventType::kOther && type != EventType::kPush && types.Has(type);
      }
      case 2: {
        od::json_type t;
        if (!TypeOf(val, &t) || t == od::json_type::string) return false;  // timeline
        return ReadObject(val, &actor, kActorKeys, end, [&](int ak, od::value& av) {
          return ak == 0 ? ReadString(av, &actor_login) : ReadInt(av, &actor_id);
        });
      }
      case 3:
        return ReadObject(val, &repo, kRepoKeys, end, [&](int rk, od::value& rv) {
          return rk == 0 ? ReadString(rv, &repo_name) : ReadInt(rv, &repo_id);
        });
      case 4:
        return false;  // a timeline shape: the full path judges it
      case 5: {
        // The type must come first (it does in every GH Archive event), and
        // the payload must be an object. Only the objects the type writes
        // are read.
        if (type == EventType::kOther) return false;
        const EventType t = type;
        const bool about_issue = t == EventType::kIssues || t == EventType::kIssueComment;
        bool is_object = false;
        return ReadObject(
                   val, &payload, kPayloadKeys, end,
                   [&](int pk, od::value& pv) {
                     switch (pk) {
                       case 0:
                         return ReadString(pv, &action);
                       case 1:
                         return t != EventType::kPullRequest || ReadInt(pv, &payload_number);
                       case 2:
                         return about_issue || ReadPullRequest(pv);
                       case 3:
                         return !about_issue || ReadIssue(pv);
                       case 4:
                         return !(t == EventType::kIssueComment ||
                                  t == EventType::kPullRequestReviewComment) ||
                                ReadComment(pv);
                       default:
                         return t != EventType::kPullRequestReview || ReadReview(pv);
                     }
                   },
                   &is_object) &&
               is_object;
      }
      default:
        return ReadString(val, &created_at);
    }
  });
  if (!walked || !id.present() || !payload.present()) return false;
  // Nothing may follow the event (concatenated objects go to the full path).
  return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

void FastNormalizer::Impl::Write(std::string* out) const {
  const bool pr_carrier = type == EventType::kPullRequest ||
                          type == EventType::kPullRequestReview ||
                          type == EventType::kPullRequestReviewComment;
  Put(out, "{\"id\":", id);
  Put(out, ",\"type\":", type_name);
  Put(out, ",\"created_at\":", created_at);
  Put(out, ",\"repo\":", repo_name);
  Put(out, ",\"repo_id\":", repo_id);
  Put(out, ",\"actor\":", actor_login);
  Put(out, ",\"actor_id\":", actor_id);
  Put(out, ",\"action\":", action);
  Put(out, ",\"number\":",
      pr_carrier ? (type == EventType::kPullRequest && payload_number.kind == Scalar::kJson
                        ? payload_number
                        : pr.number)
                 : issue.number);
  const bool trimmed = pr_carrier && pr.is_object && !pr.title.present() && !pr.state.present() &&
                       !pr.user.present();
  out->append(trimmed ? ",\"era\":\"trimmed\"" : ",\"era\":\"full\"");

  if (pr_carrier) {
    out->append(",\"pull_request\":");
    if (!pr.is_object) {
      out->append("null");
    } else {
      Put(out, "{\"id\":", pr.id);
      Put(out, ",\"number\":", pr.number);
      Put(out, ",\"title\":", pr.title);
      Put(out, ",\"body\":", pr.body);
      Put(out, ",\"state\":", pr.state);
      Put(out, ",\"draft\":", pr.draft);
      Put(out, ",\"merged\":", pr.merged);
      Put(out, ",\"merged_at\":", pr.merged_at);
      Put(out, ",\"merge_commit_sha\":", pr.merge_commit_sha);
      Put(out, ",\"created_at\":", pr.created_at);
      Put(out, ",\"updated_at\":", pr.updated_at);
      Put(out, ",\"closed_at\":", pr.closed_at);
      PutUser(out, pr.u);
      Put(out, ",\"author_association\":", pr.author_association);
      PutBranch(out, pr.base_branch,
                ",\"base_ref\":", ",\"base_sha\":", ",\"base_repo\":", ",\"base_repo_id\":");
      PutBranch(out, pr.head_branch,
                ",\"head_ref\":", ",\"head_sha\":", ",\"head_repo\":", ",\"head_repo_id\":");
      Put(out, ",\"additions\":", pr.additions);
      Put(out, ",\"deletions\":", pr.deletions);
      Put(out, ",\"changed_files\":", pr.changed_files);
      Put(out, ",\"commits\":", pr.commits);
      PutLabels(out, pr.labels, labels);
      Put(out, ",\"merged_by\":", pr.merged_by_login);
      out->push_back('}');
    }
  } else {
    out->append(",\"issue\":");
    if (!issue.is_object) {
      out->append("null");
    } else {
      Put(out, "{\"id\":", issue.id);
      Put(out, ",\"number\":", issue.number);
      Put(out, ",\"title\":", issue.title);
      Put(out, ",\"body\":", issue.body);
      Put(out, ",\"state\":", issue.state);
      PutUser(out, issue.u);
      Put(out, ",\"author_association\":", issue.author_association);
      PutLabels(out, issue.labels, labels);
      Put(out, ",\"created_at\":", issue.created_at);
      Put(out, ",\"updated_at\":", issue.updated_at);
      Put(out, ",\"closed_at\":", issue.closed_at);
      out->append(issue.pull_request.kind == Scalar::kJson ? ",\"is_pull_request\":true}"
                                                           : ",\"is_pull_request\":false}");
    }
  }

  if (type == EventType::kIssueComment || type == EventType::kPullRequestReviewComment) {
    out->append(",\"comment\":");
    if (!comment.is_object) {
      out->append("null");
    } else {
      Put(out, "{\"id\":", comment.id);
      Put(out, ",\"body\":", comment.body);
      PutUser(out, comment.u);
      Put(out, ",\"author_association\":", comment.author_association);
      Put(out, ",\"created_at\":", comment.created_at);
      Put(out, ",\"updated_at\":", comment.updated_at);
      if (type == EventType::kPullRequestReviewComment) {
        Put(out, ",\"path\":", comment.path);
        Put(out, ",\"diff_hunk\":", comment.diff_hunk);
        Put(out, ",\"commit_id\":", comment.commit_id);
        Put(out, ",\"original_commit_id\":", comment.original_commit_id);
        Put(out, ",\"line\":", comment.line);
        Put(out, ",\"original_line\":", comment.original_line);
        Put(out, ",\"side\":", comment.side);
        Put(out, ",\"start_line\":", comment.start_line);
        Put(out, ",\"in_reply_to_id\":", comment.in_reply_to_id);
        Put(out, ",\"pull_request_review_id\":", comment.pull_request_review_id);
      }
      out->push_back('}');
    }
  }

  if (type == EventType::kPullRequestReview) {
    out->append(",\"review\":");
    if (!review.is_object) {
      out->append("null");
    } else {
      Put(out, "{\"id\":", review.id);
      Put(out, ",\"state\":", review.state);
      Put(out, ",\"body\":", review.body);
      PutUser(out, review.u);
      Put(out, ",\"author_association\":", review.author_association);
      Put(out, ",\"submitted_at\":", review.submitted_at);
      Put(out, ",\"commit_id\":", review.commit_id);
      out->push_back('}');
    }
  }
  out->append("}\n");
}

FastNormalizer::FastNormalizer(TypeSet types) : impl_(std::make_unique<Impl>(types)) {}
FastNormalizer::~FastNormalizer() = default;
FastNormalizer::FastNormalizer(FastNormalizer&&) noexcept = default;
FastNormalizer& FastNormalizer::operator=(FastNormalizer&&) noexcept = default;

bool FastNormalizer::TryNormalize(std::string_view line, std::string* out, RecordSpan* span) {
  Impl& m = *impl_;
  if (!m.Walk(line)) return false;
  const size_t begin = out->size();
  m.Write(out);
  *span = RecordSpan{EventIdKey(m.id.text()), begin, out->size(), m.type};
  return true;
}

}  // namespace swerl::gharchive

#ifdef SWERL_FAST_TARGET_REGION
#pragma GCC pop_options
#endif

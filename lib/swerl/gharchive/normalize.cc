#include "swerl/gharchive/normalize.h"

#include <simdjson.h>

#include <array>
#include <cstring>
#include <optional>
#include <utility>

#ifdef __x86_64__
#include <immintrin.h>
#endif

#include "swerl/core/utf8.h"
#include "swerl/gharchive/normalize_fast.h"
#include "swerl/io/line_chunker.h"
#include "swerl/json/json_writer.h"

namespace swerl::gharchive {
namespace {

// Callers guarantee io::kChunkPadding readable bytes after each line; that
// must cover what simdjson reads past the end.
constexpr size_t kPadding = io::kChunkPadding;
static_assert(simdjson::SIMDJSON_PADDING <= kPadding, "line padding must cover SIMDJSON_PADDING");

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
// A looked-up value, or an error when a key on the path is missing or a step
// is not an object. Chains: field["a"]["b"] propagates the first error.
using Field = simdjson::simdjson_result<element>;
using json::JsonWriter;

constexpr std::array<std::string_view, kEventTypeCount> kTypeNames = {
    "PullRequestEvent",
    "IssuesEvent",
    "IssueCommentEvent",
    "PullRequestReviewEvent",
    "PullRequestReviewCommentEvent",
    "PushEvent",
    ""};

bool Has(const Field& f) { return f.error() == SUCCESS; }

// Present, whatever the value (null included).
bool HasKey(const Field& parent, std::string_view key) { return parent[key].error() == SUCCESS; }

bool IsObject(const Field& f) { return Has(f) && f.value_unsafe().is_object(); }

// Scalars: the value when it has the field's type, else null. Numbers must
// be integers that fit int64 (a double or an out-of-range integer is null).
void WriteString(JsonWriter& w, const Field& f) {
  std::string_view s;
  if (f.get(s) == SUCCESS) {
    w.ValidString(s);
  } else {
    w.Null();
  }
}

void WriteInt(JsonWriter& w, const Field& f) {
  int64_t v;
  if (f.get(v) == SUCCESS) {
    w.Int(v);
  } else {
    w.Null();
  }
}

void WriteBool(JsonWriter& w, const Field& f) {
  bool v;
  if (f.get(v) == SUCCESS) {
    w.Bool(v);
  } else {
    w.Null();
  }
}

void KeyString(JsonWriter& w, std::string_view key, const Field& f) {
  w.Key(key);
  WriteString(w, f);
}
void KeyInt(JsonWriter& w, std::string_view key, const Field& f) {
  w.Key(key);
  WriteInt(w, f);
}
void KeyBool(JsonWriter& w, std::string_view key, const Field& f) {
  w.Key(key);
  WriteBool(w, f);
}

// user, user_id, user_type from a user object (all null for a ghost user).
void WriteUser(JsonWriter& w, const Field& user) {
  KeyString(w, "user", user["login"]);
  KeyInt(w, "user_id", user["id"]);
  KeyString(w, "user_type", user["type"]);
}

// The names of the label objects, in order; labels without a string name are
// left out. Null when `labels` is not an array.
void WriteLabels(JsonWriter& w, const Field& labels) {
  array items;
  if (labels.get(items) != SUCCESS) {
    w.Null();
    return;
  }
  w.BeginArray();
  for (element label : items) {
    std::string_view name;
    if (label["name"].get(name) == SUCCESS) w.ValidString(name);
  }
  w.EndArray();
}

// A PR head/base repository as "owner/name": full_name, else a name holding
// '/', else derived from the API url; null when none applies (head.repo is
// null for a deleted fork).
void WriteRepoName(JsonWriter& w, const Field& repo) {
  std::string_view s;
  if (repo["full_name"].get(s) == SUCCESS) {
    w.ValidString(s);
    return;
  }
  if (repo["name"].get(s) == SUCCESS && s.find('/') != std::string_view::npos) {
    w.ValidString(s);
    return;
  }
  if (repo["url"].get(s) == SUCCESS) {
    const std::string_view derived = OwnerNameFromApiUrl(s);
    if (!derived.empty()) {
      w.ValidString(derived);
      return;
    }
  }
  w.Null();
}

void WriteBranch(JsonWriter& w, const Field& branch, std::string_view ref_key,
                 std::string_view sha_key, std::string_view repo_key,
                 std::string_view repo_id_key) {
  const Field repo = branch["repo"];
  KeyString(w, ref_key, branch["ref"]);
  KeyString(w, sha_key, branch["sha"]);
  w.Key(repo_key);
  WriteRepoName(w, repo);
  KeyInt(w, repo_id_key, repo["id"]);
}

void WritePullRequest(JsonWriter& w, const Field& pr) {
  w.Key("pull_request");
  if (!IsObject(pr)) {
    w.Null();
    return;
  }
  w.BeginObject();
  KeyInt(w, "id", pr["id"]);
  KeyInt(w, "number", pr["number"]);
  KeyString(w, "title", pr["title"]);
  KeyString(w, "body", pr["body"]);
  KeyString(w, "state", pr["state"]);
  KeyBool(w, "draft", pr["draft"]);
  KeyBool(w, "merged", pr["merged"]);
  KeyString(w, "merged_at", pr["merged_at"]);
  KeyString(w, "merge_commit_sha", pr["merge_commit_sha"]);
  KeyString(w, "created_at", pr["created_at"]);
  KeyString(w, "updated_at", pr["updated_at"]);
  KeyString(w, "closed_at", pr["closed_at"]);
  WriteUser(w, pr["user"]);
  KeyString(w, "author_association", pr["author_association"]);
  WriteBranch(w, pr["base"], "base_ref", "base_sha", "base_repo", "base_repo_id");
  WriteBranch(w, pr["head"], "head_ref", "head_sha", "head_repo", "head_repo_id");
  KeyInt(w, "additions", pr["additions"]);
  KeyInt(w, "deletions", pr["deletions"]);
  KeyInt(w, "changed_files", pr["changed_files"]);
  KeyInt(w, "commits", pr["commits"]);
  w.Key("labels");
  WriteLabels(w, pr["labels"]);
  KeyString(w, "merged_by", pr["merged_by"]["login"]);
  w.EndObject();
}

void WriteIssue(JsonWriter& w, const Field& issue) {
  w.Key("issue");
  if (!IsObject(issue)) {
    w.Null();
    return;
  }
  w.BeginObject();
  KeyInt(w, "id", issue["id"]);
  KeyInt(w, "number", issue["number"]);
  KeyString(w, "title", issue["title"]);
  KeyString(w, "body", issue["body"]);
  KeyString(w, "state", issue["state"]);
  WriteUser(w, issue["user"]);
  KeyString(w, "author_association", issue["author_association"]);
  w.Key("labels");
  WriteLabels(w, issue["labels"]);
  KeyString(w, "created_at", issue["created_at"]);
  KeyString(w, "updated_at", issue["updated_at"]);
  KeyString(w, "closed_at", issue["closed_at"]);
  // Issues and PRs share one number sequence; the marker says which.
  const Field marker = issue["pull_request"];
  w.Key("is_pull_request");
  w.Bool(Has(marker) && !marker.value_unsafe().is_null());
  w.EndObject();
}

void WriteComment(JsonWriter& w, const Field& comment, bool review_comment) {
  w.Key("comment");
  if (!IsObject(comment)) {
    w.Null();
    return;
  }
  w.BeginObject();
  KeyInt(w, "id", comment["id"]);
  KeyString(w, "body", comment["body"]);
  WriteUser(w, comment["user"]);
  KeyString(w, "author_association", comment["author_association"]);
  KeyString(w, "created_at", comment["created_at"]);
  KeyString(w, "updated_at", comment["updated_at"]);
  if (review_comment) {
    KeyString(w, "path", comment["path"]);
    KeyString(w, "diff_hunk", comment["diff_hunk"]);
    KeyString(w, "commit_id", comment["commit_id"]);
    KeyString(w, "original_commit_id", comment["original_commit_id"]);
    KeyInt(w, "line", comment["line"]);
    KeyInt(w, "original_line", comment["original_line"]);
    KeyString(w, "side", comment["side"]);
    KeyInt(w, "start_line", comment["start_line"]);
    KeyInt(w, "in_reply_to_id", comment["in_reply_to_id"]);
    KeyInt(w, "pull_request_review_id", comment["pull_request_review_id"]);
  }
  w.EndObject();
}

void WriteReview(JsonWriter& w, const Field& review) {
  w.Key("review");
  if (!IsObject(review)) {
    w.Null();
    return;
  }
  w.BeginObject();
  KeyInt(w, "id", review["id"]);
  KeyString(w, "state", review["state"]);
  KeyString(w, "body", review["body"]);
  WriteUser(w, review["user"]);
  KeyString(w, "author_association", review["author_association"]);
  KeyString(w, "submitted_at", review["submitted_at"]);
  KeyString(w, "commit_id", review["commit_id"]);
  w.EndObject();
}

void WritePush(JsonWriter& w, const Field& payload) {
  w.Key("push");
  if (!IsObject(payload)) {
    w.Null();
    return;
  }
  w.BeginObject();
  KeyInt(w, "push_id", payload["push_id"]);
  KeyString(w, "ref", payload["ref"]);
  KeyString(w, "head", payload["head"]);
  KeyString(w, "before", payload["before"]);
  KeyInt(w, "size", payload["size"]);
  KeyInt(w, "distinct_size", payload["distinct_size"]);
  w.Key("commits");
  array commits;
  if (payload["commits"].get(commits) != SUCCESS) {
    w.Null();
  } else {
    w.BeginArray();
    for (element commit : commits) {
      const Field c{element(commit)};
      w.BeginObject();
      KeyString(w, "sha", c["sha"]);
      KeyString(w, "message", c["message"]);
      KeyString(w, "author_name", c["author"]["name"]);
      KeyString(w, "author_email", c["author"]["email"]);
      KeyBool(w, "distinct", c["distinct"]);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

bool IsPullRequestCarrier(EventType type) {
  return type == EventType::kPullRequest || type == EventType::kPullRequestReview ||
         type == EventType::kPullRequestReviewComment;
}

// Era by the keys present (SPEC §2.2): a PR object with none of the full-era
// keys, or a push payload with neither commits nor size, is trimmed.
bool IsTrimmed(EventType type, const Field& payload) {
  if (IsPullRequestCarrier(type)) {
    const Field pr = payload["pull_request"];
    return IsObject(pr) && !HasKey(pr, "title") && !HasKey(pr, "state") && !HasKey(pr, "user");
  }
  if (type == EventType::kPush) {
    return IsObject(payload) && !HasKey(payload, "commits") && !HasKey(payload, "size");
  }
  return false;
}

// The common `number`: the PR/issue number the event is about.
Field NumberField(EventType type, const Field& payload) {
  switch (type) {
    case EventType::kPullRequest: {
      int64_t v;
      const Field top = payload["number"];
      if (top.get(v) == SUCCESS) return top;
      return payload["pull_request"]["number"];
    }
    case EventType::kIssues:
    case EventType::kIssueComment:
      return payload["issue"]["number"];
    case EventType::kPullRequestReview:
    case EventType::kPullRequestReviewComment:
      return payload["pull_request"]["number"];
    default:
      return Field(simdjson::NO_SUCH_FIELD);
  }
}

// Where the first top-level JSON value of `s` ends, by a scan of strings and
// bracket depth (no validation): for error messages only.
struct Extent {
  bool started = false;                 // an opening bracket was seen
  size_t end = std::string_view::npos;  // one past its closing bracket, or npos
};
Extent ScanExtent(std::string_view s) {
  size_t depth = 0;
  bool in_string = false, escaped = false, started = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
      started = true;
    } else if ((c == '}' || c == ']') && depth > 0) {
      if (--depth == 0) return {true, i + 1};
    }
  }
  return {started, std::string_view::npos};
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  return s;
}

// A short "where" for a line simdjson rejected, or "" when unknown.
std::string WhereItBroke(std::string_view s) {
  const Extent extent = ScanExtent(s);
  if (!extent.started) return {};
  if (extent.end == std::string_view::npos) {
    return "truncated at byte " + std::to_string(s.size());
  }
  size_t rest = extent.end;
  while (rest < s.size() && IsJsonSpace(s[rest])) ++rest;
  if (rest < s.size()) return "unexpected data at byte " + std::to_string(rest);
  return {};
}

void AppendNote(std::string* notes, std::string_view note) {
  if (!notes->empty()) notes->append("; ");
  notes->append(note);
}

// The decimal `id` when canonical (no leading zeros) and below 2^63.
// The type name when `line` starts the way every 2015+ GH Archive event does,
// {"id":"<digits>","type":"<Letters>", else "". Timeline-era lines (2011-2014)
// start otherwise, so a match is never one of them.
std::string_view PeekTypeName(std::string_view line) {
  constexpr std::string_view kId = "{\"id\":\"";
  constexpr std::string_view kType = "\",\"type\":\"";
  if (line.substr(0, kId.size()) != kId) return {};
  size_t i = kId.size();
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  if (i == kId.size() || line.substr(i, kType.size()) != kType) return {};
  i += kType.size();
  const size_t begin = i;
  while (i < line.size() &&
         ((line[i] >= 'A' && line[i] <= 'Z') || (line[i] >= 'a' && line[i] <= 'z'))) {
    ++i;
  }
  if (i == begin || i >= line.size() || line[i] != '"') return {};
  return line.substr(begin, i - begin);
}

// Whether `line` ends the way GH Archive event lines since 2015 end: with the
// top-level created_at (`,"created_at":"2021-07-21T06:00:00Z"}`) or with the
// org object that follows it (`,"org":{"id":...}}`, flat: its last '{' is
// its own). A line cut off at a random byte practically never ends so; one
// that does not is parsed in full.
bool EndsLikeAnEvent(std::string_view line) {
  line = TrimSpace(line);
  constexpr std::string_view kCreated = ",\"created_at\":\"";
  constexpr size_t kStampAndClose = 22;  // 2021-07-21T06:00:00Z"}
  if (line.size() > kCreated.size() + kStampAndClose &&
      line.substr(line.size() - kStampAndClose - kCreated.size(), kCreated.size()) == kCreated &&
      line.substr(line.size() - 3) == "Z\"}") {
    return true;
  }
  constexpr std::string_view kOrg = ",\"org\":";
  constexpr size_t kMaxOrgBytes = 512;
  if (line.size() < kOrg.size() + 4 || line.substr(line.size() - 3) != "\"}}") return false;
  const size_t tail = std::min(line.size(), kMaxOrgBytes);
  const auto* brace =
      static_cast<const char*>(memrchr(line.data() + line.size() - tail, '{', tail));
  if (brace == nullptr) return false;
  const auto at = static_cast<size_t>(brace - line.data());
  return at >= kOrg.size() && line.substr(at - kOrg.size(), kOrg.size()) == kOrg &&
         line.substr(at + 1, 5) == "\"id\":";
}

// Whether text[at..] starts with `{"id":"`. REQUIRES: 7 bytes there (a
// fixed-size compare the compiler inlines).
bool EventStartAt(const char* at) { return std::memcmp(at, "{\"id\":\"", 7) == 0; }

#ifdef __x86_64__
// ContainsEventStart's vector scan over blocks of 32 bytes: candidates have
// '{', 'i' two bytes later and '"' six bytes later (nested objects start
// `{"id":<number>`, keys like `{"name":` fail on the 'i'). True: found.
// False: not in the blocks, which end at *scanned.
__attribute__((target("avx2"))) bool ScanEventStartAvx2(std::string_view text, size_t* scanned) {
  const char* p = text.data();
  const __m256i brace = _mm256_set1_epi8('{'), letter = _mm256_set1_epi8('i'),
                quote = _mm256_set1_epi8('"');
  size_t i = 0;
  for (; i + 32 + 6 <= text.size(); i += 32) {
    const __m256i hits = _mm256_and_si256(
        _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)), brace),
        _mm256_and_si256(
            _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 2)),
                              letter),
            _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 6)),
                              quote)));
    for (auto mask = static_cast<uint32_t>(_mm256_movemask_epi8(hits)); mask; mask &= mask - 1) {
      if (EventStartAt(p + i + __builtin_ctz(mask))) return true;
    }
  }
  *scanned = i;
  return false;
}
#endif

// Whether `text` holds `{"id":"`, the start of a top-level event (inside a
// JSON string its quotes would be escaped). string_view::find and memmem are
// several times slower on JSON, which is full of '{' and '"': they scan
// only the tail, or all of it on CPUs without AVX2.
bool ContainsEventStart(std::string_view text) {
  size_t i = 0;
#ifdef __x86_64__
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2 && ScanEventStartAvx2(text, &i)) return true;
#endif
  return text.substr(i).find("{\"id\":\"") != std::string_view::npos;
}

// Copies `text` to *out with every \uXXXX escape of an unpaired UTF-16
// surrogate (a high one not followed by a low one, or a low one alone)
// replaced by \ufffd. Returns the number replaced (0: *out is a plain copy).
// Backslashes occur only inside JSON strings, so no string tracking is needed.
size_t ReplaceLoneSurrogateEscapes(std::string_view text, std::string* out) {
  auto escape_at = [&](size_t i) -> int {  // the code unit of \uXXXX at i, or -1
    if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return -1;
    unsigned v = 0;
    for (size_t k = i + 2; k < i + 6; ++k) {
      const char c = text[k];
      const int d = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
      if (d < 0) return -1;
      v = v * 16 + static_cast<unsigned>(d);
    }
    return static_cast<int>(v);
  };
  size_t replaced = 0;
  size_t i = 0;
  out->reserve(text.size());
  while (i < text.size()) {
    if (text[i] != '\\' || i + 1 >= text.size()) {
      out->push_back(text[i++]);
      continue;
    }
    const int unit = text[i + 1] == 'u' ? escape_at(i) : -1;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const int next = escape_at(i + 6);
      if (next >= 0xDC00 && next <= 0xDFFF) {
        out->append(text.substr(i, 12));  // a proper pair
        i += 12;
        continue;
      }
    }
    if (unit >= 0xD800 && unit <= 0xDFFF) {
      out->append("\\ufffd");
      ++replaced;
      i += 6;
      continue;
    }
    out->append(text.substr(i, 2));  // any other escape, kept whole
    i += 2;
  }
  return replaced;
}

bool ParseCanonicalId(std::string_view id, uint64_t* value) {
  if (id.empty() || id.size() > 19 || (id.size() > 1 && id[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : id) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v >> 63) return false;
  *value = v;
  return true;
}

}  // namespace

std::string_view EventTypeName(EventType type) { return kTypeNames[static_cast<int>(type)]; }

EventType EventTypeFromName(std::string_view name) {
  for (int t = 0; t < kEventTypeCount - 1; ++t) {
    if (kTypeNames[t] == name) return static_cast<EventType>(t);
  }
  return EventType::kOther;
}

uint64_t EventIdKey(std::string_view id) {
  uint64_t v;
  if (ParseCanonicalId(id, &v)) return v;
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64
  for (char c : id) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h | (uint64_t{1} << 63);
}

TypeSet TypeSet::Default() {
  TypeSet set;
  set.Add(EventType::kPullRequest);
  set.Add(EventType::kIssues);
  set.Add(EventType::kIssueComment);
  set.Add(EventType::kPullRequestReview);
  set.Add(EventType::kPullRequestReviewComment);
  return set;
}

TypeSet TypeSet::All() {
  TypeSet set = Default();
  set.Add(EventType::kPush);
  return set;
}

Result<TypeSet> TypeSet::Parse(std::string_view list) {
  TypeSet set;
  if (TrimSpace(list).empty()) return Error(Code::kInvalidInput, "empty event type list");
  while (true) {
    const size_t comma = list.find(',');
    const std::string_view item = TrimSpace(list.substr(0, comma));
    if (item == "default") {
      set.bits_ |= Default().bits_;
    } else if (item == "all") {
      set.bits_ |= All().bits_;
    } else if (const EventType type = EventTypeFromName(item); type != EventType::kOther) {
      set.Add(type);
    } else {
      return Error(Code::kInvalidInput,
                   "unknown event type '" + std::string(item) +
                       "' (expected PullRequestEvent, IssuesEvent, IssueCommentEvent, "
                       "PullRequestReviewEvent, PullRequestReviewCommentEvent, PushEvent, "
                       "default or all)");
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return set;
}

bool FastNormalizer::Supported() {
  // normalize_fast.cc targets Haswell on exactly this condition; otherwise
  // it is built for the same CPU as the rest (clang, -mavx2, arm64, ...).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__AVX2__)
  static const bool runs = [] {
    const simdjson::implementation* haswell = simdjson::get_available_implementations()["haswell"];
    return haswell != nullptr && haswell->supported_by_runtime_system();
  }();
  return runs;
#else
  return true;
#endif
}

struct Normalizer::Impl {
  Impl(TypeSet t, bool s) : types(t), strict(s) {
    if (!strict && FastNormalizer::Supported()) fast.emplace(t);
  }

  // Classifies the parsed event and, when selected, appends its record.
  // Errors: kInvalidInput when the value is not an event; nothing is
  // appended then.
  Status Emit(const element& root, LineResult* result, std::vector<RecordSpan>* spans);

  // Parses [data, data + size) in place (padding readable) and emits it.
  simdjson::error_code TryParse(std::string_view text) {
    return parser.parse(text.data(), text.size(), false).get(root);
  }

  TypeSet types;
  bool strict;
  std::optional<FastNormalizer> fast;  // unset: strict, or a CPU without AVX2
  simdjson::dom::parser parser;
  element root;
  // The caller's output string, swapped in for the duration of a call so one
  // long-lived writer appends to it (no per-call writer state to allocate).
  std::string out;
  JsonWriter writer{&out};
  std::string scratch[3];          // repaired copies of a line, padded
  std::vector<size_t> boundaries;  // split points of concatenated objects
};

Status Normalizer::Impl::Emit(const element& root_element, LineResult* result,
                              std::vector<RecordSpan>* spans) {
  if (!root_element.is_object()) {
    return Error(Code::kInvalidInput, "not a JSON object");
  }
  const Field ev{element(root_element)};
  const Field id = ev["id"];
  const Field actor = ev["actor"];
  // 2011-2014 Timeline API shapes (SPEC §2.2): skipped, counted.
  if (!Has(id) || (Has(actor) && actor.value_unsafe().is_string()) ||
      (!HasKey(ev, "repo") && HasKey(ev, "repository"))) {
    ++result->skipped_timeline;
    return OkStatus();
  }
  std::string_view id_text, type_name;
  if (id.get(id_text) != SUCCESS) return Error(Code::kInvalidInput, "event \"id\" is not a string");
  if (ev["type"].get(type_name) != SUCCESS) {
    return Error(Code::kInvalidInput, "event has no string \"type\"");
  }
  const EventType type = EventTypeFromName(type_name);
  if (type == EventType::kOther || !types.Has(type)) {
    ++result->skipped_type;
    return OkStatus();
  }

  const Field payload = ev["payload"];
  const Field repo = ev["repo"];
  JsonWriter& w = writer;
  const size_t begin = out.size();
  w.BeginObject();
  KeyString(w, "id", id);
  w.Key("type");
  w.ValidString(type_name);
  KeyString(w, "created_at", ev["created_at"]);
  KeyString(w, "repo", repo["name"]);
  KeyInt(w, "repo_id", repo["id"]);
  KeyString(w, "actor", actor["login"]);
  KeyInt(w, "actor_id", actor["id"]);
  KeyString(w, "action", payload["action"]);
  KeyInt(w, "number", NumberField(type, payload));
  w.Key("era");
  w.ValidString(IsTrimmed(type, payload) ? "trimmed" : "full");
  switch (type) {
    case EventType::kPullRequest:
      WritePullRequest(w, payload["pull_request"]);
      break;
    case EventType::kIssues:
      WriteIssue(w, payload["issue"]);
      break;
    case EventType::kIssueComment:
      WriteIssue(w, payload["issue"]);
      WriteComment(w, payload["comment"], /*review_comment=*/false);
      break;
    case EventType::kPullRequestReview:
      WritePullRequest(w, payload["pull_request"]);
      WriteReview(w, payload["review"]);
      break;
    case EventType::kPullRequestReviewComment:
      WritePullRequest(w, payload["pull_request"]);
      WriteComment(w, payload["comment"], /*review_comment=*/true);
      break;
    case EventType::kPush:
      WritePush(w, payload);
      break;
    case EventType::kOther:
      break;
  }
  w.EndObject();
  out.push_back('\n');
  spans->push_back(RecordSpan{EventIdKey(id_text), begin, out.size(), type});
  ++result->emitted;
  return OkStatus();
}

Normalizer::Normalizer(TypeSet types, bool strict) : impl_(std::make_unique<Impl>(types, strict)) {}
Normalizer::~Normalizer() = default;
Normalizer::Normalizer(Normalizer&&) noexcept = default;
Normalizer& Normalizer::operator=(Normalizer&&) noexcept = default;

Result<LineResult> Normalizer::Normalize(std::string_view line, std::string* out,
                                         std::vector<RecordSpan>* spans) {
  LineResult result;
  if (TrimSpace(line).empty()) return result;
  Impl& m = *impl_;
  // Most lines (pushes, creates, watches, ...) are of types we do not emit:
  // skip them unparsed when the prefix names the type, unless the line looks
  // damaged (cut off, or a second event start: concatenated objects), which
  // the full path reports or repairs. Damage inside an otherwise well-shaped
  // line of such a type goes unnoticed: it would not be emitted anyway.
  // Selected types go to the single-pass path, then the full parse: either
  // finds trailing data, so the scan for a second event start runs only on
  // lines to be skipped. (Strict mode parses every line in full.)
  if (const std::string_view name = m.strict ? std::string_view() : PeekTypeName(line);
      !name.empty()) {
    const EventType type = EventTypeFromName(name);
    if ((type == EventType::kOther || !m.types.Has(type)) && EndsLikeAnEvent(line) &&
        !ContainsEventStart(line.substr(1))) {
      ++result.skipped_type;
      return result;
    }
  }
  if (RecordSpan span; m.fast && m.fast->TryNormalize(line, out, &span)) {
    spans->push_back(span);
    result.emitted = 1;
    return result;
  }
  // Swap the caller's buffer in; swap it back on every path.
  struct SwapBack {
    std::string* a;
    std::string* b;
    ~SwapBack() { a->swap(*b); }
  };
  m.out.swap(*out);
  SwapBack swap_back{&m.out, out};

  simdjson::error_code err = m.TryParse(line);
  if (err == SUCCESS) {
    SWERL_RETURN_IF_ERROR(m.Emit(m.root, &result, spans));
    return result;
  }
  // Repairs for the corrupt lines GH Archive is known to hold (SPEC §2.3),
  // each applied to the output of the previous one.
  std::string_view text = line;
  std::string notes;
  int next_scratch = 0;
  auto pad_into = [&](std::string* buf) {
    const size_t n = buf->size();
    buf->append(kPadding, '\0');
    return std::string_view(buf->data(), n);
  };
  // (1) NUL bytes (2018-06-08-2).
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) {
    std::string& buf = m.scratch[next_scratch++];
    buf.clear();
    size_t dropped = 0;
    for (char c : text) {
      if (c == '\0') {
        ++dropped;
      } else {
        buf.push_back(c);
      }
    }
    text = pad_into(&buf);
    AppendNote(&notes,
               "dropped " + std::to_string(dropped) + " NUL byte" + (dropped == 1 ? "" : "s"));
    err = m.TryParse(text);
  }
  // (2) Invalid UTF-8, which simdjson rejects anywhere in the input.
  if (err != SUCCESS && !IsValidUtf8(text)) {
    std::string& buf = m.scratch[next_scratch++];
    buf.clear();
    const size_t replaced = AppendRepairedUtf8(&buf, text);
    text = pad_into(&buf);
    AppendNote(&notes, "replaced " + std::to_string(replaced) + " invalid UTF-8 sequence" +
                           (replaced == 1 ? "" : "s"));
    err = m.TryParse(text);
  }
  // (3) Lone UTF-16 surrogate escapes ("\ud83d" without its pair): valid
  // for Python's json, rejected by simdjson, and not representable in UTF-8.
  if (err != SUCCESS) {
    std::string& buf = m.scratch[next_scratch];
    buf.clear();
    if (const size_t replaced = ReplaceLoneSurrogateEscapes(text, &buf)) {
      ++next_scratch;
      text = pad_into(&buf);
      AppendNote(&notes, "replaced " + std::to_string(replaced) + " lone surrogate escape" +
                             (replaced == 1 ? "" : "s"));
      err = m.TryParse(text);
    }
  }
  if (err == SUCCESS) {
    SWERL_RETURN_IF_ERROR(m.Emit(m.root, &result, spans));
    result.repair = std::move(notes);
    return result;
  }
  const simdjson::error_code repaired_err = err;

  // (4) Concatenated objects: two events on one line (2011-03-15-21), or a
  // truncated event followed by the next (2017-11-08-1). Top-level events
  // start with a string "id" and a raw `{"id":"` cannot occur inside a JSON
  // string (its quotes would be escaped), so each occurrence past the start
  // begins a candidate piece; every piece that parses is kept.
  constexpr std::string_view kStart = "{\"id\":\"";
  m.boundaries.clear();
  for (size_t pos = text.find(kStart, 1); pos != std::string_view::npos;
       pos = text.find(kStart, pos + 1)) {
    m.boundaries.push_back(pos);
  }
  if (!m.boundaries.empty()) {
    const size_t out_mark = m.out.size(), span_mark = spans->size();
    LineResult split;
    size_t pieces = 0, kept = 0;
    size_t begin = 0;
    for (size_t i = 0; i <= m.boundaries.size(); ++i) {
      const size_t end = i < m.boundaries.size() ? m.boundaries[i] : text.size();
      // Pieces stay inside `text`, so the padding after each is readable.
      const std::string_view piece = TrimSpace(text.substr(begin, end - begin));
      begin = end;
      if (piece.empty()) continue;
      ++pieces;
      if (m.TryParse(piece) != SUCCESS) continue;
      if (m.Emit(m.root, &split, spans)) ++kept;
    }
    if (kept > 0) {
      AppendNote(&notes, "split " + std::to_string(pieces) + " concatenated objects");
      if (kept < pieces) {
        AppendNote(&notes, "dropped " + std::to_string(pieces - kept) + " unparseable");
      }
      split.repair = std::move(notes);
      return split;
    }
    m.out.resize(out_mark);  // nothing is appended on failure
    spans->resize(span_mark);
  }

  // Report what is still wrong, where (in the original line) when the
  // brackets tell, and which repairs were tried.
  std::string message = "invalid JSON: ";
  std::string_view reason = simdjson::error_message(repaired_err);
  if (!reason.empty() && reason.back() == '.') reason.remove_suffix(1);  // no full stop
  message += reason;
  const std::string where = WhereItBroke(line);
  if (!where.empty()) message += "; " + where;
  if (!notes.empty()) message += " (repairs tried: " + notes + ")";
  return Error(Code::kInvalidInput, std::move(message));
}

}  // namespace swerl::gharchive

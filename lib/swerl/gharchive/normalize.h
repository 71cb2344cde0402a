// Normalizer: one GH Archive event line -> one normalized NDJSON record
// (grammar: schemas/records/event.md). Dispatches on the keys present, never
// on dates, across all eras: 2015+ full Events API objects, the trimmed
// payloads since 2025-10-07, and the 2011-2014 timeline shapes (skipped and
// counted).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::gharchive {

// The version of the record grammar in schemas/records/event.md.
inline constexpr int kEventRecordVersion = 1;

enum class EventType : uint8_t {
  kPullRequest = 0,           // PullRequestEvent
  kIssues,                    // IssuesEvent
  kIssueComment,              // IssueCommentEvent
  kPullRequestReview,         // PullRequestReviewEvent
  kPullRequestReviewComment,  // PullRequestReviewCommentEvent
  kPush,                      // PushEvent (opt-in)
  kOther,                     // every other type: never emitted
};
inline constexpr int kEventTypeCount = 7;

// The GH Archive name ("PullRequestEvent") of a type; "" for kOther.
std::string_view EventTypeName(EventType type);

// The type named `name` ("PullRequestEvent"); kOther for any other name.
EventType EventTypeFromName(std::string_view name);

// The de-duplication key of an event id: the decimal value when `id` is 1-19
// ASCII digits whose value is below 2^63, else the 64-bit FNV-1a hash of the
// bytes with the top bit set (so the two ranges never collide).
uint64_t EventIdKey(std::string_view id);

// A set of event types to emit. Thread-compatible value type.
class TypeSet {
 public:
  // The five PR/issue conversation types (PushEvent excluded).
  static TypeSet Default();
  // The six types the normalizer knows (Default() plus PushEvent).
  static TypeSet All();
  // Parses a comma list of GH Archive type names, "default" or "all" (items
  // may be mixed: "default,PushEvent"; spaces around items are ignored).
  // Errors: kInvalidInput naming the unknown type, or for an empty list.
  static Result<TypeSet> Parse(std::string_view list);
  bool Has(EventType type) const { return bits_ & (1u << static_cast<int>(type)); }
  void Add(EventType type) { bits_ |= 1u << static_cast<int>(type); }

 private:
  uint32_t bits_ = 0;
};

// Where one emitted record sits in the output buffer.
struct RecordSpan {
  uint64_t id_key;  // EventIdKey of the event id
  size_t begin;     // byte offsets in *out, end exclusive, '\n' included
  size_t end;
  EventType type;
};

// What one input line produced.
struct LineResult {
  uint32_t emitted = 0;           // records appended (a repaired line may hold 2+)
  uint32_t skipped_type = 0;      // well-formed events of unselected types
  uint32_t skipped_timeline = 0;  // 2011-2014 timeline-shaped events (not emitted)
  // Non-empty when the line was damaged but recovered (split concatenated
  // objects, NUL bytes dropped, invalid UTF-8 replaced): what was done.
  std::string repair;
};

// Not thread-safe: use one Normalizer per thread (it owns a simdjson parser
// and scratch buffers, reused across calls). Movable, not copyable; a
// moved-from Normalizer may only be destroyed or assigned to.
class Normalizer {
 public:
  // strict: parse every line in full (the DOM path): damage anywhere in a
  // line is reported, also in lines of unselected types and in values the
  // record does not carry. Otherwise lines of unselected types are skipped
  // by their prefix and the rest take the single-pass path of
  // normalize_fast.h first, which checks only what the record reads; the
  // records are the same bytes either way.
  explicit Normalizer(TypeSet types, bool strict = false);
  ~Normalizer();
  Normalizer(const Normalizer&) = delete;
  Normalizer& operator=(const Normalizer&) = delete;
  Normalizer(Normalizer&&) noexcept;
  Normalizer& operator=(Normalizer&&) noexcept;

  // Parses `line` (no trailing '\n'). REQUIRES: the 64 bytes after
  // line.data() + line.size() are readable (io::kChunkPadding). Appends each
  // selected event as one record line ending in '\n' to *out and its span to
  // *spans. An empty or all-whitespace line returns an empty LineResult.
  // Errors: kInvalidInput for a line that is not a JSON event even after
  // repair attempts (message says why, without file/line: callers add that);
  // nothing is appended then.
  Result<LineResult> Normalize(std::string_view line, std::string* out,
                               std::vector<RecordSpan>* spans);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swerl::gharchive

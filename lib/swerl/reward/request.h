// One line of `swerl reward` (schemas/records/reward.md): a JSON request
// holding the files and the model output(s), answered by a JSON result line.
//
//   {"id": ID, "context": {path: text}, "oracle": {path: text}, "output": TEXT}
//     -> {"id": ID, "reward": R, "error": null|MSG, "files": [{"path": P, "similarity": S}]}
//   "outputs": [TEXT, ...] instead of "output" (a GRPO group sharing its seed)
//     -> {"id": ID, "results": [{"reward": R, "error": ..., "files": [...]}, ...]}
//   "predicted": {path: text} instead of "output" (the general form)
//     -> as for "output"
//
// Floats print as Python's repr() does, so results compare exactly with the
// reference (tests/oracles/reward_oracle.py).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "swerl/core/result.h"
#include "swerl/reward/reward.h"

namespace swerl::reward {

inline constexpr int kRewardRecordVersion = 1;

// Readable bytes a request line must be followed by (simdjson parses in
// place); io::kChunkPadding satisfies it.
inline constexpr size_t kRequestPadding = 64;

// What one request produced.
struct RequestCounts {
  size_t scores = 0;  // outputs scored (1, or the size of a group)
  size_t failed = 0;  // of which scored -1.0 (format error or size guard)
};

// Not thread-safe (one parser); use one per thread.
class RequestScorer {
 public:
  explicit RequestScorer(RewardLimits limits = {});
  ~RequestScorer();
  RequestScorer(RequestScorer&&) noexcept;
  RequestScorer& operator=(RequestScorer&&) noexcept;

  // Scores the request in `line` (no trailing newline needed) and appends
  // its result line, '\n' included, to *out. The kRequestPadding bytes
  // after the line must be readable. Invalid UTF-8 is repaired first (one
  // U+FFFD per maximal ill-formed subsequence, as Python's
  // decode(errors="replace")). The members of a group are scored in
  // parallel (oneTBB). Errors: kInvalidInput (not JSON, a missing or
  // mistyped member; JSON escapes of lone UTF-16 surrogates, which UTF-8
  // cannot hold); the invalid request's result line (AppendInvalid, with
  // the request's "id" echoed when the line is a JSON object that has one)
  // is appended then, so the output keeps one line per request.
  Result<RequestCounts> Score(std::string_view line, std::string* out);

  // The result line for a request that could not be read: id `id_json`
  // (serialized JSON; "" writes null), reward null, error
  // "invalid request: MSG".
  static void AppendInvalid(std::string_view message, std::string* out,
                            std::string_view id_json = {});

 private:
  // Score without the invalid line: *id_json gets the request's id once read.
  Result<RequestCounts> ScoreOrFail(std::string_view line, std::string* out, std::string* id_json);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swerl::reward

// RUN/rollouts/step_NNNNNN.ndjson.gz: every sample of one training step as
// an NDJSON line (schemas/records/metrics.md), gzip-compressed with zlib and
// written atomically (temporary file + rename), so that a reader never
// sees half a file and a crash leaves none.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/reward/reward.h"

namespace swerl::train::metrics {

struct RolloutSample {
  int64_t seed_id = -1;     // the shard's seed_id
  std::string instance_id;  // "owner__name-NUMBER"
  int64_t sample = 0;       // index within its group, 0..G-1
  double reward = 0;
  std::string error;                                            // format-error reason; "" for none
  std::vector<reward::FileSimilarity> files;                    // per-file similarity
  double advantage = std::numeric_limits<double>::quiet_NaN();  // NaN: not computed
  int64_t tokens = 0;                                           // completion tokens
  std::string finish_reason;                                    // "eos", "stop" or "length"
  std::string completion;                                       // the decoded completion
};

// "DIR/step_000042.ndjson.gz" (at least six digits).
std::string RolloutPath(const std::string& dir, int64_t step);

// Appends the NDJSON line of `s` (with '\n'), keys in the order of the
// struct with "step" first, completion last.
void AppendRolloutLine(int64_t step, const RolloutSample& s, std::string* out);

// Writes RolloutPath(dir, step), creating `dir` when missing and replacing
// a file of the same step (a step redone after a resume). level: zlib's
// 1-9. Errors: kIo.
Status WriteRollouts(const std::string& dir, int64_t step, std::span<const RolloutSample> samples,
                     int level = 1);

// The same for lines already rendered by AppendRolloutLine (a data-parallel
// run's rank 0 writes the lines every rank rendered).
Status WriteRolloutLines(const std::string& dir, int64_t step, std::string_view lines,
                         int level = 1);

// For a resumed run: removes the rollout files of steps after `last_step`
// (and temporary files a crash left). Returns how many files it removed.
// Errors: kIo.
Result<size_t> RemoveRolloutsAfter(const std::string& dir, int64_t last_step);

}  // namespace swerl::train::metrics

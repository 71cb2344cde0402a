// RUN/metrics.jsonl: one JSON object per training step,
//   {"step": N, "wall_time": UNIX_SECONDS, NAME: VALUE, ...}
// with NAME in StepMetrics order and NaN written as null
// (schemas/records/metrics.md). MetricsLog appends; TruncateMetricsLog cuts
// it back to a resumed step; ReadMetricsLog reads it (for `plot`).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "swerl/core/result.h"
#include "trainer/metrics/step_metrics.h"

namespace swerl::train::metrics {

// Appends lines to a metrics file. Movable, not copyable; not thread-safe.
class MetricsLog {
 public:
  // Opens `path` for appending, creating it. Errors: kIo, kNotFound.
  static Result<MetricsLog> Open(const std::string& path);
  MetricsLog(MetricsLog&& other) noexcept;
  MetricsLog& operator=(MetricsLog&& other) noexcept;
  ~MetricsLog();

  // Appends the line for `step` with one write(2), so that a crash leaves
  // at most a torn last line (which TruncateMetricsLog and ReadMetricsLog
  // drop). Errors: kIo.
  Status Append(int64_t step, double wall_time, const StepMetrics& metrics);

  const std::string& path() const { return path_; }

 private:
  MetricsLog(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

// The line MetricsLog::Append writes, '\n' included.
std::string MetricsLine(int64_t step, double wall_time, const StepMetrics& metrics);

// For a resumed run: keeps the lines whose step is <= last_step and drops
// the rest and a torn last line (no '\n'), replacing the file atomically
// (temporary file + rename) only when something is dropped. Open the
// MetricsLog after this, not before (the rename replaces the file). A
// missing file is fine. Returns the number of lines kept. Errors: kIo;
// kCorrupt for a complete line without an integer "step" (naming the line).
Result<size_t> TruncateMetricsLog(const std::string& path, int64_t last_step);

struct MetricsRow {
  int64_t step = 0;
  std::vector<std::pair<std::string, double>> values;  // null -> NaN; wall_time included
  // The value of `name`, NaN when the row lacks it.
  double Get(std::string_view name) const;
};

// Reads every complete line (a torn last line is skipped). Members that are
// neither numbers nor null are skipped (room for later string fields).
// Errors: kNotFound, kIo; kCorrupt naming the file and line of a line that
// is not a JSON object with an integer "step".
Result<std::vector<MetricsRow>> ReadMetricsLog(const std::string& path);

}  // namespace swerl::train::metrics

// RunLog: what a training run writes into its directory besides
// checkpoints (schemas/records/metrics.md):
//   RUN/metrics.jsonl                          one line per step (metrics_log.h)
//   RUN/tb/events.out.tfevents.<time>.<host>   TensorBoard scalars, a new file per process start
//   RUN/rollouts/step_NNNNNN.ndjson.gz         every sample of a step (rollout_log.h)
// In a multi-process run only rank 0 holds a RunLog, and logs metrics
// already reduced over ranks (StepMetrics::Pack / Unpack) and the samples
// of every rank.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "swerl/core/result.h"
#include "trainer/metrics/metrics_log.h"
#include "trainer/metrics/rollout_log.h"
#include "trainer/metrics/step_metrics.h"
#include "trainer/metrics/tensorboard.h"

namespace swerl::train::metrics {

struct RunLogOptions {
  bool tensorboard = true;  // RUN/tb/
  bool rollouts = true;     // RUN/rollouts/ (LogRollouts does nothing when false)
  // zlib 1-9. Level 1: ~4x faster than 6 for a ~25% larger file (a step of
  // 512 completions is tens of MB of text, written on the loop's thread).
  int rollout_gzip_level = 1;
};

// Movable, not copyable; not thread-safe.
class RunLog {
 public:
  // Creates RUN (and parents) when missing and opens its outputs.
  // resume_step: nullopt for a fresh run, which requires that
  // RUN/metrics.jsonl hold no step yet (kInvalidInput otherwise, naming the
  // steps found: resume, or use a new directory). For a resumed run, the
  // last step of the checkpoint it resumes: metrics.jsonl lines and rollout
  // files of later steps are removed (the run redoes those steps), and the
  // new TensorBoard file starts with a SessionLog START at resume_step + 1,
  // which makes TensorBoard drop the older files' values for those steps.
  // Errors: kIo, kInvalidInput, kCorrupt (a damaged metrics.jsonl line).
  static Result<RunLog> Open(const std::string& run_dir, std::optional<int64_t> resume_step,
                             RunLogOptions options = {}, double wall_time = WallTimeNow());

  // Appends the step to metrics.jsonl and to TensorBoard. REQUIRES: steps
  // increase from call to call and exceed resume_step (kInvalidInput
  // otherwise). Errors: kIo.
  Status LogStep(int64_t step, const StepMetrics& metrics, double wall_time = WallTimeNow());

  // Writes RUN/rollouts/step_NNNNNN.ndjson.gz. Errors: kIo.
  Status LogRollouts(int64_t step, std::span<const RolloutSample> samples);
  // The same for rendered lines (rollout_log.h's WriteRolloutLines).
  Status LogRolloutLines(int64_t step, std::string_view lines);

  const std::string& run_dir() const { return run_dir_; }
  std::string metrics_path() const { return run_dir_ + "/metrics.jsonl"; }
  std::string rollouts_dir() const { return run_dir_ + "/rollouts"; }
  std::string tensorboard_dir() const { return run_dir_ + "/tb"; }
  // The event file of this process; "" when TensorBoard output is off.
  std::string tensorboard_path() const { return tb_ ? tb_->path() : std::string(); }

  // Seconds since the Unix epoch (the wall_time of metrics and events).
  static double WallTimeNow();

 private:
  RunLog(std::string run_dir, RunLogOptions options, MetricsLog metrics,
         std::optional<TensorBoardWriter> tb, int64_t last_step)
      : run_dir_(std::move(run_dir)),
        options_(options),
        metrics_(std::move(metrics)),
        tb_(std::move(tb)),
        last_step_(last_step) {}

  std::string run_dir_;
  RunLogOptions options_;
  MetricsLog metrics_;
  std::optional<TensorBoardWriter> tb_;
  int64_t last_step_;  // the last step logged (or resumed from)
};

// The text of a live progress line (for cli::Progress in the command):
// "step 12/1600  reward 0.231 (max 0.980)  err 12.5%  kl 0.00123  len 812
// 23.4 s/step  ETA 10h12m". Missing metrics are left out; total_steps <= 0
// leaves out the total and the ETA.
std::string ProgressText(int64_t step, int64_t total_steps, const StepMetrics& last);

}  // namespace swerl::train::metrics

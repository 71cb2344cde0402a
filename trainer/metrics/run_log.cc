#include "trainer/metrics/run_log.h"

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "trainer/metrics/keys.h"

namespace swerl::train::metrics {

double RunLog::WallTimeNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<RunLog> RunLog::Open(const std::string& run_dir, std::optional<int64_t> resume_step,
                            RunLogOptions options, double wall_time) {
  std::error_code ec;
  std::filesystem::create_directories(run_dir, ec);
  if (ec) return Error(Code::kIo, "cannot create '" + run_dir + "': " + ec.message());
  const std::string metrics_path = run_dir + "/metrics.jsonl";
  int64_t last_step = -1;
  if (resume_step) {
    last_step = *resume_step;
    SWERL_RETURN_IF_ERROR(TruncateMetricsLog(metrics_path, last_step));
    auto removed = RemoveRolloutsAfter(run_dir + "/rollouts", last_step);
    if (!removed) return std::move(removed).error();
  } else if (std::filesystem::exists(metrics_path, ec)) {
    SWERL_ASSIGN_OR_RETURN(const auto rows, ReadMetricsLog(metrics_path));
    if (!rows.empty()) {
      return Error(Code::kInvalidInput, "'" + metrics_path + "' already holds steps " +
                                            std::to_string(rows.front().step) + " to " +
                                            std::to_string(rows.back().step) +
                                            ": resume that run or use a new run directory");
    }
  }
  SWERL_ASSIGN_OR_RETURN(MetricsLog metrics, MetricsLog::Open(metrics_path));
  std::optional<TensorBoardWriter> tb;
  if (options.tensorboard) {
    SWERL_ASSIGN_OR_RETURN(TensorBoardWriter writer,
                           TensorBoardWriter::Create(run_dir + "/tb", last_step + 1, wall_time));
    tb.emplace(std::move(writer));
  }
  return RunLog(run_dir, options, std::move(metrics), std::move(tb), last_step);
}

Status RunLog::LogStep(int64_t step, const StepMetrics& metrics, double wall_time) {
  if (step <= last_step_) {
    return Error(Code::kInvalidInput, "step " + std::to_string(step) + " logged after step " +
                                          std::to_string(last_step_));
  }
  SWERL_RETURN_IF_ERROR(metrics_.Append(step, wall_time, metrics));
  if (tb_) SWERL_RETURN_IF_ERROR(tb_->WriteScalars(step, wall_time, metrics.Values()));
  last_step_ = step;
  return OkStatus();
}

Status RunLog::LogRollouts(int64_t step, std::span<const RolloutSample> samples) {
  if (!options_.rollouts) return OkStatus();
  return WriteRollouts(rollouts_dir(), step, samples, options_.rollout_gzip_level);
}

Status RunLog::LogRolloutLines(int64_t step, std::string_view lines) {
  if (!options_.rollouts) return OkStatus();
  return WriteRolloutLines(rollouts_dir(), step, lines, options_.rollout_gzip_level);
}

std::string ProgressText(int64_t step, int64_t total_steps, const StepMetrics& last) {
  std::string out = "step ";
  out += std::to_string(step);
  if (total_steps > 0) {
    out += '/';
    out += std::to_string(total_steps);
  }
  char buf[96];
  auto add = [&](const char* format, double v) {
    if (std::isnan(v)) return;
    std::snprintf(buf, sizeof buf, format, v);
    out += buf;
  };
  add("  reward %.3f", last.Value(key::kRewardMean));
  add(" (max %.3f)", last.Value(key::kRewardMax));
  add("  err %.1f%%", 100 * last.Value(key::kFormatErrorRate));
  add("  kl %.3g", last.Value(key::kKl));
  add("  len %.0f", last.Value(key::kCompletionLenMean));
  const double step_s = last.Value(key::kStepS);
  add("  %.1f s/step", step_s);
  if (total_steps > step && step_s > 0) {
    const int64_t left = static_cast<int64_t>(std::llround(step_s * double(total_steps - step)));
    if (left >= 3600) {
      std::snprintf(buf, sizeof buf, "  ETA %" PRId64 "h%02" PRId64 "m", left / 3600,
                    left / 60 % 60);
    } else {
      std::snprintf(buf, sizeof buf, "  ETA %" PRId64 "m%02" PRId64 "s", left / 60, left % 60);
    }
    out += buf;
  }
  return out;
}

}  // namespace swerl::train::metrics

#include "trainer/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace swerl::train {

Result<ScheduleKind> ParseScheduleKind(const std::string& name) {
  if (name == "constant") return ScheduleKind::kConstant;
  if (name == "cosine") return ScheduleKind::kCosine;
  return Error(Code::kInvalidInput,
               "unknown learning-rate schedule '" + name + "' (expected constant or cosine)");
}

double LrSchedule::At(int64_t step) const {
  if (step < warmup) {
    return lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
  }
  if (kind == ScheduleKind::kConstant) return lr;
  const double span = static_cast<double>(std::max<int64_t>(1, total_steps - warmup));
  const double progress = std::clamp(static_cast<double>(step - warmup) / span, 0.0, 1.0);
  return min_lr + (lr - min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

Status LrSchedule::Validate() const {
  if (!(std::isfinite(lr) && lr >= 0)) {
    return Error(Code::kInvalidInput, "learning rate " + std::to_string(lr));
  }
  if (!(std::isfinite(min_lr) && min_lr >= 0)) {
    return Error(Code::kInvalidInput, "minimum learning rate " + std::to_string(min_lr));
  }
  if (warmup < 0) return Error(Code::kInvalidInput, "warm-up steps " + std::to_string(warmup));
  if (kind == ScheduleKind::kCosine && total_steps <= warmup) {
    return Error(Code::kInvalidInput,
                 "cosine schedule: total steps " + std::to_string(total_steps) +
                     " must exceed the warm-up steps " + std::to_string(warmup));
  }
  return OkStatus();
}

}  // namespace swerl::train

// The learning-rate schedule (SPEC §6.5: 1e-6 constant after 10 warm-up
// steps by default): linear warm-up, then constant or cosine decay. A pure
// function of the step, so a resumed run needs only the step count.
#pragma once

#include <cstdint>
#include <string>

#include "swerl/core/result.h"

namespace swerl::train {

enum class ScheduleKind : uint8_t { kConstant, kCosine };

// "constant" | "cosine". Errors: kInvalidInput naming the value.
Result<ScheduleKind> ParseScheduleKind(const std::string& name);

struct LrSchedule {
  double lr = 1e-6;     // peak learning rate
  int64_t warmup = 10;  // warm-up steps
  ScheduleKind kind = ScheduleKind::kConstant;
  int64_t total_steps = 0;  // cosine: the step at which it reaches min_lr
  double min_lr = 0;        // cosine floor

  // The learning rate of optimizer step `step` (0-based: the first step is
  // 0). Warm-up (llm.c's, never 0): lr · (step + 1) / warmup for step <
  // warmup. Then constant: lr; cosine: min_lr + (lr − min_lr) · (1 +
  // cos(π · p)) / 2 with p = (step − warmup) / max(1, total_steps − warmup),
  // clamped to [0, 1] (min_lr from total_steps on).
  double At(int64_t step) const;

  // Errors: kInvalidInput when lr or min_lr is negative or not finite,
  // warmup < 0, or cosine with total_steps <= warmup (names the field).
  Status Validate() const;
};

}  // namespace swerl::train

// The flags `swerl-train grpo` and `sft` share (loop/training_run.h's
// TrainOptions), following docs/CLI.md.
#pragma once

#include <CLI/CLI.hpp>

#include "trainer/loop/training_run.h"

namespace swerl::train {

// Adds the shared flags to `cmd` (the --help texts name the defaults).
void AddTrainOptions(CLI::App* cmd, TrainOptions* options);

}  // namespace swerl::train

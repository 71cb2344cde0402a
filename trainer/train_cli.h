// What `swerl-train grpo` and `sft` share on the command line (docs/CLI.md):
// the flags of loop/training_run.h's TrainOptions, the same-file guard over
// the run's paths, and the --json summary.
#pragma once

#include <CLI/CLI.hpp>

#include "trainer/loop/training_run.h"
#include "trainer/metrics/step_metrics.h"

namespace swerl::train {

// Adds the shared flags to `cmd` (the --help texts name the defaults).
void AddTrainOptions(CLI::App* cmd, TrainOptions* options);

// The same-file guard (cli/paths.h) over a run's paths: the run directory
// (--resume when given, else --out; written) against --seeds, --model and --tokenizer (read).
// False, with the reason logged, when two of them are one file.
bool DistinctRunFiles(const TrainOptions& options);

// On ranks other than 0 of a data-parallel run: only warnings and errors,
// prefixed with the rank (rank 0 reports the run).
void QuietOtherRanks(const TrainingRun& run);

// The --json summary of a finished run: "steps", "checkpoint", the seeds
// skipped for their length, and every value of the last step's metrics.
void EmitRunSummary(int64_t steps, const std::string& checkpoint, int64_t skipped_over_budget,
                    const metrics::StepMetrics& last);

}  // namespace swerl::train

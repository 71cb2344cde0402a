// The subcommand table of `swerl-train`: each cmd_<name>.cc defines
// Register<Name>, which adds its CLI11 subcommand and sets ctx.run when
// selected (the same shape as tools/swerl/command.h).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "swerl/cli/flags.h"
#include "swerl/cli/log.h"
#include "swerl/cli/progress.h"
#include "swerl/cli/size.h"
#include "swerl/cli/summary.h"
#include "swerl/cli/tool.h"

namespace swerl::train {

// The flags every subcommand has (quiet, verbose, progress, json; see
// swerl/cli/flags.h and docs/CLI.md), and the selected subcommand's run.
struct Context : cli::CommonFlags {
  std::function<int()> run;  // set by the selected subcommand's callback
};

// cli::AddCommonFlags: -q, -v, --progress, --no-progress, --json and the
// exit-status footer; ApplyCommonFlags applies them to the process log
// (call it first in ctx.run). A new subcommand follows docs/CLI.md: -j/--jobs
// for worker threads, --torch-threads for LibTorch's, cli::AddSizeOption for
// sizes, a range check on every number, and honours --json and --progress.
void AddCommonFlags(CLI::App* cmd, Context& ctx);
void ApplyCommonFlags(const Context& ctx, const std::string& command);

void RegisterTokenize(CLI::App& root, Context& ctx);  // cmd_tokenize.cc
void RegisterInit(CLI::App& root, Context& ctx);      // cmd_init.cc
void RegisterGenerate(CLI::App& root, Context& ctx);  // cmd_generate.cc
void RegisterPlot(CLI::App& root, Context& ctx);      // cmd_plot.cc

}  // namespace swerl::train

// The subcommand table of `swerl-train`: each cmd_<name>.cc defines
// Register<Name>, which adds its CLI11 subcommand and sets ctx.run when
// selected (the same shape as tools/swerl/command.h).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "swerl/cli/flags.h"
#include "swerl/cli/log.h"
#include "swerl/cli/paths.h"
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

// Adds --config FILE to a training command's help. main() expands the file
// into options before parsing (cli/config_file.h); `--resume RUN` without
// --config reads RUN/config.toml.
void AddConfigOption(CLI::App* cmd);

// The command's settings as TOML (every option, defaults included), without
// the ones that say where a run is or how it talks (config, resume,
// progress, quiet, verbose): what a run saves as RUN/config.toml.
std::string ResolvedConfig(const CLI::App* cmd);

void RegisterTokenize(CLI::App& root, Context& ctx);  // cmd_tokenize.cc
void RegisterInit(CLI::App& root, Context& ctx);      // cmd_init.cc
void RegisterGenerate(CLI::App& root, Context& ctx);  // cmd_generate.cc
void RegisterPlot(CLI::App& root, Context& ctx);      // cmd_plot.cc
void RegisterGrpo(CLI::App& root, Context& ctx);      // cmd_grpo.cc
void RegisterSft(CLI::App& root, Context& ctx);       // cmd_sft.cc
void RegisterEval(CLI::App& root, Context& ctx);      // cmd_eval.cc

}  // namespace swerl::train

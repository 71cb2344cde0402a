// The top of a tool's main(): parse the command line, run the selected
// subcommand, and turn the exceptions that may reach this far (CLI11's
// ParseError, std::bad_alloc, LibTorch's c10::Error and other
// std::exceptions) into a logged error and exit code (STYLE C2: one catch
// site per binary). Shared by `swerl` and `swerl-train`.
#pragma once

#include <CLI/CLI.hpp>
#include <exception>
#include <functional>
#include <new>
#include <string>

#include "swerl/cli/flags.h"
#include "swerl/cli/log.h"
#include "swerl/cli/tool.h"

namespace swerl::cli {

// The process log for a subcommand: prefix "<tool> <command>", errors only
// with -q, info with -v, debug with -vv.
inline void ApplyLogFlags(const std::string& prefix, bool quiet, int verbose) {
  Log& log = Log::Get();
  log.set_prefix(prefix);
  if (quiet) {
    log.set_level(Level::kError);
  } else if (verbose >= 2) {
    log.set_level(Level::kDebug);
  } else if (verbose == 1) {
    log.set_level(Level::kInfo);
  }
}

// When the first word of the command line that is not an option names no
// subcommand of `app`, reports "<tool>: error: unknown command 'WORD' (did
// you mean 'NAME'?)" and returns true. Checked before parsing, so that
// `<tool> typo --help` says so instead of printing the tool's help.
bool ReportUnknownCommand(CLI::App& app, const std::string& tool, int argc, char** argv);

// Reports a command line that did not parse as "<tool>[ <command>]: error:
// <what>; see '<tool>[ <command>] --help'". Returns kExitError.
int ReportParseError(CLI::App& app, const std::string& tool, const CLI::ParseError& e);

// `run` is what the selected subcommand's callback set (empty: error).
// `tool` is the binary's name for messages ("swerl", "swerl-train").
inline int RunApp(CLI::App& app, const std::string& tool, int argc, char** argv,
                  const std::function<int()>& run) {
  Log::Get().set_prefix(tool);
  if (ReportUnknownCommand(app, tool, argc, argv)) return kExitError;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print to stdout and succeed.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    return ReportParseError(app, tool, e);
  }
  try {
    return run ? run() : kExitError;
  } catch (const std::bad_alloc&) {
    Log::Get().Error("out of memory");
    return kExitError;
  } catch (const std::exception& e) {
    Log::Get().Error(e.what());
    return kExitError;
  }
}

}  // namespace swerl::cli

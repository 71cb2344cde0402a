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
#include <vector>

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

// Runs the selected subcommand's `run` (empty: error), turning exceptions
// into a logged error and exit code.
inline int RunSelected(const std::function<int()>& run) {
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

// `run` is what the selected subcommand's callback set (empty: error).
inline int RunApp(CLI::App& app, int argc, char** argv, const std::function<int()>& run) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitError;
  }
  return RunSelected(run);
}

// The same for arguments already split (without the program name), in
// reverse order as CLI11's App::parse(std::vector<std::string>&) takes them.
inline int RunApp(CLI::App& app, std::vector<std::string>& reversed_args,
                  const std::function<int()>& run) {
  try {
    app.parse(reversed_args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitError;
  }
  return RunSelected(run);
}

}  // namespace swerl::cli

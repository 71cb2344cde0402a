// The command-line convention of `swerl` and `swerl-train` (docs/CLI.md) as
// code: the flags every subcommand has, -j/--jobs, sizes and numeric ranges.
// A subcommand that uses these helpers follows the convention, and
// tests/cli/convention_test.py checks every subcommand of both binaries
// against it from their --help. Used by tools/ and trainer/ only.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "swerl/cli/progress.h"

namespace swerl::cli {

// The flags every subcommand has.
struct CommonFlags {
  bool quiet = false;                           // -q: errors only
  int verbose = 0;                              // -v: info; -vv: debug
  ProgressMode progress = ProgressMode::kAuto;  // --progress / --no-progress
  bool json = false;  // --json: the end-of-run summary as one JSON object (summary.h)
};

// Adds -q/--quiet, -v/--verbose, --progress, --no-progress and --json (plus
// the hidden, deprecated spelling --stats json) to `cmd`, bound to *flags,
// and the exit-status rule (tool.h) as its footer; a command with more to
// say sets its own footer afterwards and ends it with kExitCodesHelp or its
// own "Exit status: ..." sentence. *flags must outlive parsing.
void AddCommonFlags(CLI::App* cmd, CommonFlags* flags);

// The number of hardware threads (at least 1).
int CoreCount();

// -j/--jobs N: the worker threads (or concurrent transfers) of a command,
// refused outside [1, max]. *jobs is the default shown in the help; 0
// there means CoreCount(). LibTorch's intra-op threads are not jobs: they
// are --torch-threads (swerl-train).
CLI::Option* AddJobsOption(CLI::App* cmd, int* jobs, const std::string& help, int max = 1024);

// An option taking a byte size (size.h: "64K", "1.5M", "2G"; K = 1024),
// type SIZE, refused outside [min, max]. The default shown is *value.
CLI::Option* AddSizeOption(CLI::App* cmd, const std::string& name, uint64_t* value,
                           const std::string& help, uint64_t min = 0, uint64_t max = UINT64_MAX);

// Checks of numeric values. Each refuses what is not a finite number, and
// describes its range in the help in one of the forms the convention test
// reads: "in [LO, HI]", ">= LO", "> LO", "in (LO, HI]".
CLI::Validator InRange(double lo, double hi);
CLI::Validator AtLeast(double lo);
CLI::Validator Above(double lo);
CLI::Validator AboveAtMost(double lo, double hi);

// Keeps a renamed option working: `name` (e.g. "--threads") is a hidden
// option writing *value, with the same check. Shown nowhere; docs/CLI.md
// lists the deprecated spellings.
template <class T>
CLI::Option* AddHiddenAlias(CLI::App* cmd, const std::string& name, T* value,
                            const CLI::Validator& check) {
  return cmd->add_option(name, *value)->check(check)->group("");
}

}  // namespace swerl::cli

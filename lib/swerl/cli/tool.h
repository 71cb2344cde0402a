// Shared conventions of the command-line tools (used only by tools/ and
// trainer/): exit codes and the flags every subcommand understands.
#pragma once

#include <string>

#include "swerl/core/error.h"

namespace swerl::cli {

// One rule for every command of both binaries (docs/CLI.md, "Exit status"),
// printed in every --help. A run that printed an "error:" line never exits
// 0; a run that exits 0 printed at most warnings.
//   0  the command did its work. Damaged input it is built to tolerate (a
//      bad line, a truncated gzip member, an invalid request) was skipped,
//      reported as a warning naming file and line, and counted in the
//      summary, within --max-errors; outcomes the data allows (an hour
//      GH Archive lacks, a repository that is gone) are counted too; a
//      downstream reader closing the pipe is success.
//   1  a check ran and its answer is "no" (swerl check): the findings are
//      listed as errors.
//   2  error: usage (unknown command or flag, a value out of range), an
//      input that cannot be opened or read, a database or I/O failure, an
//      item the command had to produce that failed (a download, a clone),
//      or more than --max-errors problems.
inline constexpr int kExitOk = 0;
inline constexpr int kExitNo = 1;
inline constexpr int kExitError = 2;

inline constexpr const char* kExitCodesHelp =
    "Exit status: 0 success, also when damaged input was skipped with a warning (within "
    "--max-errors) or a downstream reader closed the pipe; 1 a check answered no; 2 error "
    "(usage, unreadable input, I/O, failed items, more than --max-errors problems). See "
    "docs/CLI.md.";

// The exit code for an error that reached the top of a command: kCancelled
// from a closed stdout pipe is success.
inline int ExitCodeFor(const Error& e) {
  return e.code() == Code::kCancelled ? kExitOk : kExitError;
}

}  // namespace swerl::cli

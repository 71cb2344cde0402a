// Shared conventions of the command-line tools (used only by tools/ and
// trainer/): exit codes and the flags every subcommand understands.
#pragma once

#include <string>

#include "swerl/core/error.h"

namespace swerl::cli {

// ripgrep's scheme; printed in every --help.
inline constexpr int kExitOk = 0;     // success, also when a reader closed the pipe
inline constexpr int kExitNo = 1;     // ran fine, the answer is "no" (check tools)
inline constexpr int kExitError = 2;  // usage, I/O, or --max-errors exceeded

inline constexpr const char* kExitCodesHelp =
    "Exit status: 0 success (also when a downstream reader closes the pipe), "
    "1 a check answered no, 2 error (usage, I/O, too many bad inputs).";

// The exit code for an error that reached the top of a command: kCancelled
// from a closed stdout pipe is success.
inline int ExitCodeFor(const Error& e) {
  return e.code() == Code::kCancelled ? kExitOk : kExitError;
}

}  // namespace swerl::cli

// Byte sizes on the command line (docs/CLI.md): "4096", "64K", "1.5M", "2G".
// Suffixes are binary (K = 1024, M = 1024^2, G = 1024^3, T = 1024^4),
// case-insensitive, optionally followed by "B" or "iB" ("64KiB", "2gb").
// Every option of `swerl` and `swerl-train` that takes a size parses it so.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "swerl/core/result.h"

namespace swerl::cli {

// The number of bytes `text` names. A fraction is allowed with a suffix
// ("1.5G"; the result is rounded down to whole bytes). Errors:
// kInvalidInput for an empty or negative value, an unknown suffix, trailing
// characters, or a value of 2^64 bytes or more; the message quotes `text`.
Result<uint64_t> ParseSize(std::string_view text);

// The shortest exact spelling of `bytes` that ParseSize reads back:
// "8M" for 8 MiB, "1536K" for 1.5 MiB, "1000" for 1000, "0" for 0.
std::string FormatSize(uint64_t bytes);

}  // namespace swerl::cli

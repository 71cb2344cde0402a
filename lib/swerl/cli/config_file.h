// --config FILE for subcommands: the keys of a TOML file (the long option
// names without "--", at the top level or under a [<subcommand>] table) are
// given to the command as if typed before its other options; an option the
// command line also gives keeps the command line's value. CLI11 itself
// reads config files only for the top-level app, so commands call this on
// their arguments before parsing. Used only by tools/ and trainer/.
#pragma once

#include <string>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::cli {

// `args` are a subcommand's arguments (after its name). When they hold
// `--config FILE` (or `--config=FILE`), returns them with that pair replaced
// by the file's settings as `--key=value` (arrays: `--key v1 v2 ...`);
// otherwise returns them unchanged. Errors: kNotFound / kInvalidInput naming
// the file (unreadable, not TOML, a table other than [<command>]), and
// kInvalidInput for a second --config.
Result<std::vector<std::string>> ExpandConfigFile(const std::vector<std::string>& args,
                                                  const std::string& command);

}  // namespace swerl::cli

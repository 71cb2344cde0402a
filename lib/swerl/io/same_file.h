// The same-file guard: a command refuses to run when a path it writes names
// the same file as a path it reads, or as another path it writes, before it
// opens anything for writing. One rule for every subcommand of `swerl` and
// `swerl-train` (README "Files: no typo destroys a store").
#pragma once

#include <string>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::io {

// A path a command was given, with the flag (or role) that names it in
// messages: "--db", "input", "--out".
struct NamedPath {
  std::string flag;
  // "-" is standard input among inputs and standard output among outputs
  // (named "standard input" / "standard output" in messages; only a regular
  // file there can collide with a path).
  std::string path;
};

// OkStatus when no output is the same file as an input or as another
// output. Files are compared by device and inode, after symbolic links, so
// hard links, symlinks and different spellings of one path all match. An
// output that does not exist yet is identified through its nearest existing
// ancestor directory (its device and inode) and the rest of the path, so
// `--out x` and `--explain ./x` match before either is created; an input
// that does not exist matches nothing. Only
// regular files and directories collide (not /dev/null, pipes or
// terminals). Empty paths are ignored (a flag that was not given).
// A path that cannot be examined (a directory without search permission)
// matches nothing: the command reports it when it opens it. Errors:
// kInvalidInput naming both flags and paths, e.g. "--out 'e.db' is the same
// file as --db 'e.db'".
Status CheckDistinctFiles(const std::vector<NamedPath>& inputs,
                          const std::vector<NamedPath>& outputs);

}  // namespace swerl::io

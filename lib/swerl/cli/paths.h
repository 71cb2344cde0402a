// The file rules every command applies before it writes anything (README
// "Conventions"): the same-file guard over its inputs and outputs, and
// messages that say which flag wanted which kind of database.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/error.h"
#include "swerl/db/file_kind.h"
#include "swerl/io/same_file.h"

namespace swerl::cli {

// io::CheckDistinctFiles over the run's paths; logs why and returns false
// when an output is the same file as an input or another output. A written
// database (`--db` of ingest, link, filter...) is an output.
bool DistinctFiles(const std::vector<io::NamedPath>& inputs,
                   const std::vector<io::NamedPath>& outputs);

// {flag, path} for each of `paths` (positional inputs, a repeated flag).
std::vector<io::NamedPath> NamedPaths(std::string_view flag, const std::vector<std::string>& paths);

// `e` with "(FLAG wants a KIND made by COMMAND)" appended when it says the
// file is not a database of `kind` (the wrong kind, or not SQLite at all):
// "'shard.db' is a swerl shard, not a store (--db wants a store made by
// swerl ingest)". Other errors come back unchanged.
Error WantsKind(Error e, std::string_view flag, const db::FileKind& kind);

}  // namespace swerl::cli

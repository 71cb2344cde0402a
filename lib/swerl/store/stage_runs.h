// Stage runs: the command line of the last run of each store-writing stage
// (table stage_runs, schemas/store.md), normalized so that it names no
// local path and no setting that cannot change the store's contents. What
// `swerl export` records in a shard's manifest and `swerl rebuild` runs.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::store {

// A file a stage read through a flag (filter --rules): its contents.
struct StageFile {
  std::string sha256;  // lowercase hex of text
  std::string text;

  friend bool operator==(const StageFile&, const StageFile&) = default;
};

struct StageRun {
  std::string stage;              // "link", "enrich", "clone", ...
  std::vector<std::string> args;  // after the stage's name, normalized
  std::map<std::string, StageFile> files;  // by flag: "--rules"

  friend bool operator==(const StageRun&, const StageRun&) = default;
};

// The stages recorded, in pipeline order: link, enrich, clone, assemble,
// relevant, license, filter.
const std::vector<std::string>& RecordedStages();

// Whether `stage` is one of RecordedStages().
bool IsRecordedStage(std::string_view stage);

// The run of `stage` with the arguments `argv` (those after the stage's
// name, as typed): "--flag=value" is split in two; the values of --db and
// --repos become "{db}" and "{repos}"; -j/--jobs, -q/--quiet, -v/--verbose,
// --progress, --no-progress, --json, --explain and --shard (with their
// values) are left out; --rules FILE becomes "--rules {rules}" with the file's contents
// in files["--rules"]. Errors: kNotFound, kIo (the rules file).
Result<StageRun> NormalizeStageRun(std::string_view stage, const std::vector<std::string>& argv);

// The value that followed `flag` in argv as typed ("--db X" or "--db=X"),
// or "" when absent.
std::string FlagValue(const std::vector<std::string>& argv, std::string_view flag);

// Replaces the recorded run of run.stage. Errors: database failures.
Status RecordStageRun(db::Db* db, const StageRun& run);

// The recorded runs in pipeline order. Errors: kCorrupt (a row whose JSON
// does not parse), database failures.
Result<std::vector<StageRun>> ListStageRuns(db::Db* db);

// args and files as the JSON stage_runs holds (compact, files' keys
// sorted), and back. Errors (parse): kCorrupt.
std::string StageArgsJson(const std::vector<std::string>& args);
std::string StageFilesJson(const std::map<std::string, StageFile>& files);
Result<std::vector<std::string>> ParseStageArgsJson(std::string_view json);
Result<std::map<std::string, StageFile>> ParseStageFilesJson(std::string_view json);

}  // namespace swerl::store

// The subcommand table of the `swerl` binary (git style): each
// cmd_<name>.cc defines Register<Name>, which adds its CLI11 subcommand and
// sets ctx.run when selected.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "swerl/cli/flags.h"
#include "swerl/cli/log.h"
#include "swerl/cli/paths.h"
#include "swerl/cli/progress.h"
#include "swerl/cli/size.h"
#include "swerl/cli/summary.h"
#include "swerl/cli/tool.h"
#include "swerl/db/sqlite.h"
#include "swerl/store/repo_shard.h"

namespace swerl::tools {

// The flags every subcommand has (quiet, verbose, progress, json; see
// swerl/cli/flags.h and docs/CLI.md), and the selected subcommand's run.
struct Context : cli::CommonFlags {
  std::function<int()> run;  // set by the selected subcommand's callback
  std::vector<std::string> argv;  // the whole command line, argv[0] included
};

// cli::AddCommonFlags: -q, -v, --progress, --no-progress, --json and the
// exit-status footer. Call from each Register function.
void AddCommonFlags(CLI::App* cmd, Context& ctx);

// Applies the common flags to the process log; the first thing ctx.run does.
void ApplyCommonFlags(const Context& ctx, const std::string& command);

// The input paths of a stdin-reading command: `paths`, or "-" when none is
// given. nullopt (after logging why) when none is given and stdin is a
// terminal, where reading would look like a hang.
std::optional<std::vector<std::string>> InputsOrStdin(const std::vector<std::string>& paths);

// store::OpenStore for the store given as --db, logging a failure (with
// "(--db wants a store made by swerl ingest)" when the file is something
// else); nullopt when it failed.
std::optional<db::Db> OpenStoreOrLog(const std::string& path, db::Db::Mode mode);

// --shard K/N (store/repo_shard.h: repo_id mod N = K), parsed and checked
// by store::ParseRepoShard, so every command refuses a bad value with the
// same message: "--shard: '4/4' is out of range: K must be in [0, 3] for N =
// 4". `what` names what the command keeps ("pull requests of repositories");
// `recorded_in_store`: the command records the shard (RecordShardOrLog).
CLI::Option* AddShardOption(CLI::App* cmd, std::optional<store::RepoShard>* shard,
                            const std::string& what, bool recorded_in_store = true);

// Records in the store that `command` runs with --shard (worker_shards, for
// swerl merge), when a shard was given; logs a failure and returns false.
bool RecordShardOrLog(db::Db* db, const std::string& command,
                      const std::optional<store::RepoShard>& shard);

// A duration for messages: "1.5 s".
std::string Seconds(double s);
template <class Rep, class Period>
std::string Seconds(std::chrono::duration<Rep, Period> d) {
  return Seconds(std::chrono::duration<double>(d).count());
}

// A byte count for summaries of blob storage: "12.3 MB" (decimal).
std::string Megabytes(uint64_t bytes);

// Logs the first few of a pass's failures as errors (each after `prefix`),
// then how many more there are and where they are recorded (`where`, e.g.
// "repo_clones.error").
void LogFailures(const std::vector<std::string>& failures, const std::string& prefix,
                 const std::string& where);

void RegisterFetch(CLI::App& root, Context& ctx);
void RegisterEvents(CLI::App& root, Context& ctx);
void RegisterReward(CLI::App& root, Context& ctx);
void RegisterIngest(CLI::App& root, Context& ctx);
void RegisterStats(CLI::App& root, Context& ctx);
void RegisterLink(CLI::App& root, Context& ctx);
void RegisterEnrich(CLI::App& root, Context& ctx);
void RegisterClone(CLI::App& root, Context& ctx);
void RegisterAssemble(CLI::App& root, Context& ctx);
void RegisterRelevant(CLI::App& root, Context& ctx);
void RegisterFilter(CLI::App& root, Context& ctx);
void RegisterExport(CLI::App& root, Context& ctx);
void RegisterCheck(CLI::App& root, Context& ctx);
void RegisterLicense(CLI::App& root, Context& ctx);
void RegisterMerge(CLI::App& root, Context& ctx);
void RegisterRebuild(CLI::App& root, Context& ctx);

}  // namespace swerl::tools

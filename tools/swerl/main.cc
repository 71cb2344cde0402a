// swerl: GH Archive and git clones to SWE-RL datasets. One binary, one
// subcommand per pipeline stage (see README.md).
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "command.h"
#include "provenance.h"
#include "swerl/cli/run_app.h"
#include "swerl/store/store.h"

namespace swerl::tools {

void AddCommonFlags(CLI::App* cmd, Context& ctx) { cli::AddCommonFlags(cmd, &ctx); }

void ApplyCommonFlags(const Context& ctx, const std::string& command) {
  cli::ApplyLogFlags("swerl " + command, ctx.quiet, ctx.verbose);
}

CLI::Option* AddShardOption(CLI::App* cmd, std::optional<store::RepoShard>* shard,
                            const std::string& what, bool recorded_in_store) {
  const std::string recorded =
      recorded_in_store ? "; recorded in the store's worker_shards for swerl merge" : "";
  CLI::Validator check(
      [](std::string& input) -> std::string {
        auto parsed = store::ParseRepoShard(input);
        return parsed ? std::string() : parsed.error().message();
      },
      "");
  return cmd
      ->add_option_function<std::string>(
          "--shard", [shard](const std::string& v) { *shard = *store::ParseRepoShard(v); },
          "One shard of the work, for several processes or machines: only " + what +
              " with repo_id mod N = K (0 <= K < N <= " + std::to_string(store::kMaxShardCount) +
              ")" + recorded)
      ->type_name("K/N")
      ->check(check);
}

bool RecordShardOrLog(db::Db* db, const std::string& command,
                      const std::optional<store::RepoShard>& shard) {
  if (!shard) return true;
  if (Status st = store::RecordWorkerShard(db, command, *shard); !st) {
    cli::Log::Get().Error("recording --shard " + shard->ToString() + ": " + st.error().message());
    return false;
  }
  return true;
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

std::string Megabytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

void LogFailures(const std::vector<std::string>& failures, const std::string& prefix,
                 const std::string& where) {
  constexpr size_t kListed = 5;
  auto& log = cli::Log::Get();
  for (size_t k = 0; k < failures.size() && k < kListed; ++k) log.Error(prefix + failures[k]);
  if (failures.size() > kListed) {
    log.Error("... and " + std::to_string(failures.size() - kListed) + " more (see " + where + ")");
  }
}

std::optional<std::vector<std::string>> InputsOrStdin(const std::vector<std::string>& paths) {
  if (!paths.empty()) return paths;
  if (::isatty(0)) {
    cli::Log::Get().Error("no input files and standard input is a terminal (see --help)");
    return std::nullopt;
  }
  return std::vector<std::string>{"-"};
}

std::optional<db::Db> OpenStoreOrLog(const std::string& path, db::Db::Mode mode) {
  auto db = store::OpenStore(path, mode);
  if (db) return std::move(*db);
  cli::Log::Get().Error(cli::WantsKind(std::move(db).error(), "--db", db::kStoreKind).message());
  return std::nullopt;
}

namespace {

// Input files of 1 MiB and more are memory-mapped (io::MapMode::kAuto). A
// mapped file that shrinks under the reader, or whose storage fails, raises
// SIGBUS where read() would have failed: say so, then die of the signal
// (the handler resets itself, so the faulting access raises it again).
void ReportSigbus(int) {
  static constexpr char kMessage[] =
      "swerl: fatal: SIGBUS reading a memory-mapped input file (was it truncated, or did its "
      "storage fail, while swerl was reading it?)\n";
  [[maybe_unused]] const ssize_t n = ::write(2, kMessage, sizeof kMessage - 1);
}

}  // namespace
}  // namespace swerl::tools

int main(int argc, char** argv) {
  using namespace swerl;
  std::signal(SIGPIPE, SIG_IGN);
  struct sigaction bus {};
  bus.sa_handler = tools::ReportSigbus;
  bus.sa_flags = SA_RESETHAND;
  ::sigaction(SIGBUS, &bus, nullptr);
  CLI::App app{"swerl - GH Archive and git clones to SWE-RL training data"};
  app.set_version_flag("--version", "swerl " SWERL_VERSION);
  app.footer(cli::kExitCodesHelp);
  tools::Context ctx;
  tools::RegisterFetch(app, ctx);
  tools::RegisterEvents(app, ctx);
  tools::RegisterReward(app, ctx);
  tools::RegisterIngest(app, ctx);
  tools::RegisterStats(app, ctx);
  tools::RegisterLink(app, ctx);
  tools::RegisterEnrich(app, ctx);
  tools::RegisterClone(app, ctx);
  tools::RegisterAssemble(app, ctx);
  tools::RegisterRelevant(app, ctx);
  tools::RegisterMerge(app, ctx);
  tools::RegisterLicense(app, ctx);
  tools::RegisterFilter(app, ctx);
  tools::RegisterExport(app, ctx);
  tools::RegisterCheck(app, ctx);
  tools::RegisterRebuild(app, ctx);
  app.require_subcommand(1);
  ctx.argv.assign(argv, argv + argc);
  // A store-writing stage that ran records its command line in the store
  // (stage_runs), for the shard manifest of swerl export and swerl rebuild.
  const std::function<int()> run = [&ctx]() -> int {
    if (!ctx.run) return cli::kExitError;
    const int status = ctx.run();
    if (Status st = tools::RecordStageRunOf(ctx.argv, status); !st) {
      cli::Log::Get().Warning(st.error().message());
    }
    return status;
  };
  return cli::RunApp(app, "swerl", argc, argv, run);
}

// swerl assemble: the instances of the store's merged pull requests, from
// the mirrors of swerl clone. The pass is store::Assemble (lib/swerl/store/
// assemble.h) over git::AssembleInstance (lib/swerl/git/instance.h); this
// file holds its flags, the progress line and the summary.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "command.h"
#include "swerl/git/git_handles.h"
#include "swerl/store/assemble.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

struct AssembleFlags {
  std::string db;
  std::string repos;
  std::string where;
  std::optional<store::RepoShard> shard;
  bool refresh = false;
  uint64_t max_file_bytes = 1 << 20;
  int zstd_level = 3;
  int jobs = 0;  // 0: one per core
};

class AssembleReporter : public store::AssembleObserver {
 public:
  explicit AssembleReporter(bool progress) : progress_(progress, [this] { return Render(); }) {}

  void OnInstance(const std::string& repo, int64_t number, std::string_view status,
                  const std::string& error) override {
    if (status != "unresolved") return;
    cli::Log::Get().Info(repo + "#" + std::to_string(number) + ": unresolved: " + error);
  }
  void OnProgress(const store::AssembleProgress& progress) override {
    last_ = progress;
    progress_.Tick();
  }
  void Done() { progress_.Done(); }

 private:
  std::string Render() const {
    std::string line =
        std::to_string(last_.done) + "/" + std::to_string(last_.total) + " pull requests";
    if (last_.unresolved) line += ", " + std::to_string(last_.unresolved) + " unresolved";
    if (last_.failed) line += ", " + std::to_string(last_.failed) + " failed";
    return line;
  }

  store::AssembleProgress last_;
  cli::Progress progress_;
};

int RunAssemble(const AssembleFlags& flags, Context& ctx) {
  ApplyCommonFlags(ctx, "assemble");
  auto& log = cli::Log::Get();
  if (!cli::DistinctFiles({{"--repos", flags.repos}}, {{"--db", flags.db}})) {
    return cli::kExitError;
  }
  auto db = OpenStoreOrLog(flags.db, db::Db::Mode::kReadWrite);
  if (!db) return cli::kExitError;
  if (!RecordShardOrLog(&*db, "assemble", flags.shard)) return cli::kExitError;
  git::GitGlobal git;
  if (Status s = git.status(); !s) {
    log.Error(s.error().message());
    return cli::kExitError;
  }
  store::AssembleStoreOptions options;
  options.repos_dir = flags.repos;
  options.where = flags.where;
  if (flags.shard) options.shard = *flags.shard;
  options.refresh = flags.refresh;
  options.max_file_bytes = flags.max_file_bytes;
  options.zstd_level = flags.zstd_level;
  options.jobs = flags.jobs;

  AssembleReporter reporter(cli::ProgressEnabled(ctx.progress));
  auto result = store::Assemble(&*db, options, &reporter);
  reporter.Done();
  if (!result) {
    log.Error(result.error().message());
    return cli::kExitError;
  }
  LogFailures(result->failures, "", "instances.error");
  const std::string took = Seconds(result->elapsed);
  log.Summary(
      cli::WithCommas(result->selected) + " merged PRs, " + cli::WithCommas(result->already_done) +
      " done before, " + cli::WithCommas(result->assembled) + " assembled, " +
      cli::WithCommas(result->unresolved) + " unresolved, " + cli::WithCommas(result->failed) +
      " failed, " + cli::WithCommas(result->blobs) + " blobs (" + Megabytes(result->raw_bytes) +
      " -> " + Megabytes(result->stored_bytes) + " zstd) in " + took);
  if (ctx.json) {
    cli::JsonSummary()
        .Add("selected", static_cast<uint64_t>(result->selected))
        .Add("already_done", static_cast<uint64_t>(result->already_done))
        .Add("assembled", static_cast<uint64_t>(result->assembled))
        .Add("unresolved", static_cast<uint64_t>(result->unresolved))
        .Add("failed", static_cast<uint64_t>(result->failed))
        .Add("blobs", static_cast<uint64_t>(result->blobs))
        .Add("raw_bytes", static_cast<uint64_t>(result->raw_bytes))
        .Add("stored_bytes", static_cast<uint64_t>(result->stored_bytes))
        .Add("seconds", std::chrono::duration<double>(result->elapsed).count())
        .Emit();
  }
  return result->failed ? cli::kExitError : cli::kExitOk;
}

}  // namespace

void RegisterAssemble(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<AssembleFlags>();
  CLI::App* cmd = root.add_subcommand(
      "assemble",
      "Build the instance of every merged pull request whose repository swerl clone mirrored: "
      "resolved commits, merge base, history, patch split into code and tests, changed files "
      "and their contents before and after (zstd blobs), in instances, instance_commits, "
      "instance_files and blobs (schemas/store.md). Resumable; parallel across pull requests");
  cmd->add_option("--db", flags->db, "The store (made by swerl ingest, mirrored by swerl clone)")
      ->required();
  cmd->add_option("--repos", flags->repos, "Directory of the mirrors (as given to swerl clone)")
      ->required();
  cmd->add_option("--where", flags->where,
                  "SQL condition on the pull requests (columns of the view prs, e.g. repo, "
                  "number, merged_at)");
  AddShardOption(cmd, &flags->shard, "pull requests of repositories");
  cmd->add_flag("--refresh", flags->refresh,
                "Redo pull requests recorded assembled or unresolved, replacing their rows");
  cli::AddSizeOption(cmd, "--max-file-bytes", &flags->max_file_bytes,
                     "Do not store the contents of a changed file with a side larger than this: "
                     "skip 'huge'");
  cli::AddJobsOption(cmd, &flags->jobs,
                     "Worker threads computing instances (default: the number of cores)",
                     /*max=*/256);
  cmd->add_option("--zstd-level", flags->zstd_level, "zstd compression level of the blobs")
      ->capture_default_str()
      ->check(cli::InRange(-7, 22));
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "Pull requests: prs rows with merged = 1 whose repository is recorded cloned in "
      "repo_clones, after --where and --shard. Without --refresh, a rerun skips those recorded "
      "assembled "
      "or unresolved and retries those recorded failed. Pull requests are committed in order, "
      "with their new blobs, whenever the workers have no more ready (64 at most per "
      "transaction); an interrupted run keeps what was committed. Exit status: 0 when every pull "
      "request ended assembled "
      "or unresolved (no commit resolves; the reason is in instances.error); 2 when some "
      "failed (mirror missing or unreadable, octopus merge; the first five are listed), or on "
      "usage, database or I/O errors.");
  cmd->callback([flags, &ctx] { ctx.run = [flags, &ctx] { return RunAssemble(*flags, ctx); }; });
}

}  // namespace swerl::tools

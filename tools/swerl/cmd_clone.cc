// swerl clone: bare mirrors of the repositories of the store's merged pull
// requests, through libgit2. The pass is store::Clone (lib/swerl/store/
// clone.h) over git::UpdateMirror (lib/swerl/git/mirror.h); this file holds
// its flags, the progress line and the summary.
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "command.h"
#include "swerl/git/git_handles.h"
#include "swerl/git/mirror.h"
#include "swerl/store/clone.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

struct CloneFlags {
  std::string db;
  std::string repos;
  std::string url_template = "https://github.com/{owner}/{name}.git";
  int jobs = 4;
  std::string where;
  std::optional<store::RepoShard> shard;
  int retries = 3;
  int64_t retry_base_ms = 1000;
  double timeout_s = 300;
  uint64_t max_repo_bytes = 0;
  uint64_t disk_budget = 0;
  bool refresh = false;
  uint64_t seed = 0;
};

class CloneReporter : public store::CloneObserver {
 public:
  explicit CloneReporter(bool progress) : progress_(progress, [this] { return Render(); }) {}

  void OnRetry(const std::string& repo, int attempt, const std::string& why,
               std::chrono::milliseconds delay) override {
    auto& log = cli::Log::Get();
    if (!log.enabled(cli::Level::kInfo)) return;
    log.Warning(repo + ": attempt " + std::to_string(attempt) + " failed: " + why +
                "; retrying in " + Seconds(delay));
  }

  void OnRepoDone(const std::string& repo, const git::MirrorOutcome& outcome) override {
    if (outcome.status != git::MirrorStatus::kCloned) return;
    cli::Log::Get().Info(repo + ": " + (outcome.created ? "cloned" : "fetched") + ", " +
                         cli::HumanBytes(static_cast<double>(outcome.disk_bytes)));
  }

  void OnProgress(const store::CloneProgress& progress) override {
    last_ = progress;
    progress_.Tick();
  }

  void Done() { progress_.Done(); }

 private:
  std::string Render() const {
    std::string line = std::to_string(last_.done) + "/" + std::to_string(last_.total) +
                       " repositories, " + std::to_string(last_.active) + " active";
    if (last_.received_bytes) {
      line += ", " + cli::HumanBytes(static_cast<double>(last_.received_bytes)) + " in flight";
    }
    if (last_.failed) line += ", " + std::to_string(last_.failed) + " failed";
    return line;
  }

  store::CloneProgress last_;
  cli::Progress progress_;
};

int RunClone(const CloneFlags& flags, Context& ctx) {
  ApplyCommonFlags(ctx, "clone");
  auto& log = cli::Log::Get();
  // The mirrors directory is written too.
  if (!cli::DistinctFiles({}, {{"--db", flags.db}, {"--repos", flags.repos}})) {
    return cli::kExitError;
  }
  store::CloneOptions options;
  if (flags.shard) options.shard = *flags.shard;
  auto db = OpenStoreOrLog(flags.db, db::Db::Mode::kReadWrite);
  if (!db) return cli::kExitError;
  if (!RecordShardOrLog(&*db, "clone", flags.shard)) return cli::kExitError;
  git::GitGlobal git;
  if (Status s = git.status(); !s) {
    log.Error(s.error().message());
    return cli::kExitError;
  }
  options.repos_dir = flags.repos;
  options.url_template = flags.url_template;
  options.jobs = flags.jobs;
  options.where = flags.where;
  options.refresh = flags.refresh;
  options.disk_budget_bytes = flags.disk_budget;
  options.retries = flags.retries;
  options.retry_base_ms = flags.retry_base_ms;
  options.seed = flags.seed;
  options.stall_timeout_ms = static_cast<int64_t>(flags.timeout_s * 1000);
  options.max_repo_bytes = flags.max_repo_bytes;

  CloneReporter reporter(cli::ProgressEnabled(ctx.progress));
  auto result = store::Clone(&*db, options, &reporter);
  reporter.Done();
  if (!result) {
    log.Error(result.error().message());
    return cli::kExitError;
  }
  // Under the exit-status rule a repository that is gone, private or over
  // --max-repo-bytes is an outcome the data allows: a warning, exit 0. The
  // failures (failed, timed_out, corrupt) are errors and exit 2.
  std::vector<std::string> errors, outcomes;
  for (const std::string& line : result->failures) {
    const bool allowed = line.find(": not_found: ") != std::string::npos ||
                         line.find(": auth_required: ") != std::string::npos ||
                         line.find(": too_large: ") != std::string::npos;
    (allowed ? outcomes : errors).push_back(line);
  }
  constexpr size_t kListed = 5;
  for (size_t k = 0; k < outcomes.size() && k < kListed; ++k) log.Warning(outcomes[k]);
  if (outcomes.size() > kListed) {
    log.Warning("... and " + std::to_string(outcomes.size() - kListed) +
                " more not cloned (see repo_clones.error)");
  }
  LogFailures(errors, "", "repo_clones.error");
  // Refs left out of a partial remote: the repository is mirrored, so a
  // warning (exit 0), one line per ref up to a few.
  for (size_t k = 0; k < result->skipped_refs.size() && k < kListed; ++k) {
    log.Warning(result->skipped_refs[k]);
  }
  if (result->skipped_refs.size() > kListed) {
    log.Warning("... and " + std::to_string(result->skipped_refs.size() - kListed) +
                " more refs left out (see clone_skipped_refs)");
  }
  using git::MirrorStatus;
  std::string counts;
  for (size_t s = 0; s < git::kMirrorStatuses; ++s) {
    // cloned always; the other statuses when they occurred.
    if (s != 0 && result->statuses[s] == 0) continue;
    if (!counts.empty()) counts += ", ";
    counts += cli::WithCommas(result->statuses[s]) + " " +
              std::string(git::MirrorStatusName(static_cast<MirrorStatus>(s)));
  }
  const std::string took = Seconds(result->elapsed);
  std::string summary = cli::WithCommas(result->selected) + " repositories, " +
                        cli::WithCommas(result->already_done) + " done before, " +
                        cli::WithCommas(result->finished()) + " processed: " + counts + " (" +
                        cli::WithCommas(result->created) + " new, " +
                        cli::WithCommas(result->fetched) + " fetched)";
  if (result->partial) {
    summary += "; " + cli::WithCommas(result->partial) + " mirrored without " +
               cli::WithCommas(result->skipped_refs.size()) +
               " refs whose objects the remote lacks";
  }
  if (result->over_budget) {
    summary +=
        "; " + cli::WithCommas(result->over_budget) + " left for a later run (disk budget spent)";
  }
  log.Summary(summary + " in " + took);
  if (ctx.json) {
    cli::JsonSummary summary_json;
    summary_json.Add("selected", static_cast<uint64_t>(result->selected))
        .Add("already_done", static_cast<uint64_t>(result->already_done))
        .Add("created", static_cast<uint64_t>(result->created))
        .Add("fetched", static_cast<uint64_t>(result->fetched))
        .Add("over_budget", static_cast<uint64_t>(result->over_budget))
        .Add("partial", static_cast<uint64_t>(result->partial))
        .Add("skipped_refs", static_cast<uint64_t>(result->skipped_refs.size()));
    for (size_t s = 0; s < git::kMirrorStatuses; ++s) {
      summary_json.Add(git::MirrorStatusName(static_cast<MirrorStatus>(s)),
                       static_cast<uint64_t>(result->statuses[s]));
    }
    summary_json.Add("seconds", std::chrono::duration<double>(result->elapsed).count()).Emit();
  }
  const bool failed = result->count(MirrorStatus::kFailed) ||
                      result->count(MirrorStatus::kTimedOut) ||
                      result->count(MirrorStatus::kCorrupt);
  return failed ? cli::kExitError : cli::kExitOk;
}

}  // namespace

void RegisterClone(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<CloneFlags>();
  CLI::App* cmd = root.add_subcommand(
      "clone",
      "Mirror the repositories of the store's merged pull requests as bare git repositories "
      "under DIR/<owner>/<name>.git (branches, tags and refs/pull/*/head), recording each "
      "outcome in repo_clones (schemas/store.md). Resumable");
  cmd->add_option("--db", flags->db, "The store (made by swerl ingest)")->required();
  cmd->add_option("--repos", flags->repos, "Directory of the mirrors")->required();
  cmd->add_option("--url-template", flags->url_template,
                  "Remote URL; {owner} and {name} are replaced (file://, git://, http(s):// "
                  "mirrors or servers)")
      ->capture_default_str();
  cli::AddJobsOption(cmd, &flags->jobs, "Repositories cloned at once", /*max=*/256);
  cmd->add_option("--where", flags->where,
                  "SQL condition on the repositories (columns: repo_id, repo = owner/name)");
  AddShardOption(cmd, &flags->shard, "the repositories");
  cmd->add_flag("--refresh", flags->refresh,
                "Also fetch mirrors cloned before, and retry repositories found missing, "
                "refused or too large");
  cmd->add_option("--retries", flags->retries,
                  "Retries per repository after a transient failure (network, stall, server "
                  "closing mid-transfer, HTTP 5xx)")
      ->capture_default_str()
      ->check(cli::InRange(0, 100));
  cmd->add_option("--retry-base-ms", flags->retry_base_ms,
                  "First retry delay; doubles per retry with jitter, capped at 60 s")
      ->capture_default_str()
      ->check(cli::InRange(0, 60000));
  cmd->add_option("--timeout", flags->timeout_s,
                  "Seconds a connection may make no progress (git://, http(s)://); then the "
                  "attempt fails as timed out")
      ->capture_default_str()
      ->check(cli::InRange(0.001, 86400));
  cli::AddSizeOption(cmd, "--max-repo-bytes", &flags->max_repo_bytes,
                     "Abort a transfer beyond this size (0: no limit): too_large, nothing kept");
  cli::AddSizeOption(cmd, "--disk-budget", &flags->disk_budget,
                     "Start no repository once DIR holds more than this (0: none); the rest are "
                     "left for a later run");
  cmd->add_option("--seed", flags->seed, "Seed for the retry jitter (tests)")
      ->check(cli::AtLeast(0))
      ->group("");
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "Repositories: those with a merged pull request (prs.merged = 1), after --where and "
      "--shard. Without --refresh, a rerun skips repositories recorded cloned whose mirror "
      "exists, and those recorded not_found, auth_required or too_large; it retries the rest "
      "(failed, timed_out, corrupt, never tried, or a mirror gone from DIR). With --refresh, "
      "every existing mirror is fetched incrementally and every other repository tried. A new "
      "mirror is built in <name>.git.tmp and renamed when complete; a corrupt mirror is left "
      "as is (delete it to clone afresh). Exit status: 0 when every repository ended cloned, "
      "not_found, auth_required or too_large (the first five of those are listed as warnings "
      "and all are counted in the summary) or was left for the disk budget; 2 when some ended "
      "failed, timed_out or corrupt (the first five are listed as errors; all are in "
      "repo_clones.error), or on usage, database or I/O errors (docs/CLI.md).");
  cmd->callback([flags, &ctx] { ctx.run = [flags, &ctx] { return RunClone(*flags, ctx); }; });
}

}  // namespace swerl::tools

// swerl relevant: the relevant-but-unmodified files of the store's assembled
// instances, ranked by BM25 or named by a chat model. The pass is
// curate::RankRelevant (lib/swerl/curate/relevant.h); this file holds its
// flags, the progress line and the summary.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "command.h"
#include "swerl/curate/relevant.h"
#include "swerl/git/git_handles.h"
#include "swerl/net/curl_handles.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

struct RelevantFlags {
  std::string db;
  std::string repos;
  std::string where;
  std::optional<store::RepoShard> shard;
  bool refresh = false;
  size_t k = 5;
  uint64_t max_file_bytes = 1 << 20;
  int zstd_level = 3;
  int jobs = 0;  // 0: one per core
  std::string llm_url;
  std::string llm_model;
  std::string llm_key_env;
  double llm_timeout_s = 120;
  int llm_attempts = 4;
  size_t llm_max_paths = 2000;
};

class RelevantReporter : public curate::RelevantObserver {
 public:
  explicit RelevantReporter(bool progress) : progress_(progress, [this] { return Render(); }) {}

  void OnInstance(const std::string& repo, int64_t number, std::string_view status, size_t files,
                  const std::string& error) override {
    if (status != "ranked") return;
    cli::Log::Get().Info(repo + "#" + std::to_string(number) + ": " + std::to_string(files) +
                         " relevant files");
  }
  void OnProgress(const curate::RelevantProgress& progress) override {
    last_ = progress;
    progress_.Tick();
  }
  void Done() { progress_.Done(); }

 private:
  std::string Render() const {
    std::string line =
        std::to_string(last_.done) + "/" + std::to_string(last_.total) + " instances";
    if (last_.failed) line += ", " + std::to_string(last_.failed) + " failed";
    return line;
  }

  curate::RelevantProgress last_;
  cli::Progress progress_;
};

int RunRelevant(const RelevantFlags& flags, Context& ctx) {
  ApplyCommonFlags(ctx, "relevant");
  auto& log = cli::Log::Get();
  if (!cli::DistinctFiles({{"--repos", flags.repos}}, {{"--db", flags.db}})) {
    return cli::kExitError;
  }
  if (flags.llm_url.empty() != flags.llm_model.empty()) {
    log.Error("--llm-url and --llm-model go together");
    return cli::kExitError;
  }
  curate::RelevantOptions options;
  options.repos_dir = flags.repos;
  options.where = flags.where;
  if (flags.shard) options.shard = *flags.shard;
  options.refresh = flags.refresh;
  options.k = flags.k;
  options.max_file_bytes = flags.max_file_bytes;
  options.zstd_level = flags.zstd_level;
  options.jobs = flags.jobs;
  if (!flags.llm_url.empty()) {
    curate::RelevantLlmOptions llm;
    llm.chat.url = flags.llm_url;
    llm.chat.model = flags.llm_model;
    if (!flags.llm_key_env.empty()) {
      const char* key = std::getenv(flags.llm_key_env.c_str());
      if (!key || !*key) {
        log.Error("the environment variable " + flags.llm_key_env + " (--llm-key-env) is unset");
        return cli::kExitError;
      }
      llm.chat.api_key = key;
    }
    llm.chat.timeout_ms = static_cast<int64_t>(flags.llm_timeout_s * 1000);
    llm.chat.attempts = flags.llm_attempts;
    llm.max_paths = flags.llm_max_paths;
    options.llm = std::move(llm);
  }
  auto db = OpenStoreOrLog(flags.db, db::Db::Mode::kReadWrite);
  if (!db) return cli::kExitError;
  if (!RecordShardOrLog(&*db, "relevant", flags.shard)) return cli::kExitError;
  git::GitGlobal git;
  if (Status s = git.status(); !s) {
    log.Error(s.error().message());
    return cli::kExitError;
  }
  net::CurlGlobal curl;
  if (Status s = curl.status(); !s) {
    log.Error(s.error().message());
    return cli::kExitError;
  }

  RelevantReporter reporter(cli::ProgressEnabled(ctx.progress));
  auto result = curate::RankRelevant(&*db, options, &reporter);
  reporter.Done();
  if (!result) {
    log.Error(result.error().message());
    return cli::kExitError;
  }
  LogFailures(result->failures, "", "relevant_runs.error");
  log.Summary(cli::WithCommas(result->selected) + " assembled instances, " +
              cli::WithCommas(result->already_done) + " done before, " +
              cli::WithCommas(result->ranked) + " ranked (" + (options.llm ? "llm" : "bm25") +
              "), " + cli::WithCommas(result->failed) + " failed, " +
              cli::WithCommas(result->files) + " files, " + cli::WithCommas(result->blobs) +
              " blobs (" + Megabytes(result->raw_bytes) + " -> " + Megabytes(result->stored_bytes) +
              " zstd) in " + Seconds(result->elapsed));
  if (ctx.json) {
    cli::JsonSummary()
        .Add("source", options.llm ? "llm" : "bm25")
        .Add("selected", static_cast<uint64_t>(result->selected))
        .Add("already_done", static_cast<uint64_t>(result->already_done))
        .Add("ranked", static_cast<uint64_t>(result->ranked))
        .Add("failed", static_cast<uint64_t>(result->failed))
        .Add("files", static_cast<uint64_t>(result->files))
        .Add("blobs", static_cast<uint64_t>(result->blobs))
        .Add("raw_bytes", static_cast<uint64_t>(result->raw_bytes))
        .Add("stored_bytes", static_cast<uint64_t>(result->stored_bytes))
        .Add("seconds", std::chrono::duration<double>(result->elapsed).count())
        .Emit();
  }
  return result->failed ? cli::kExitError : cli::kExitOk;
}

}  // namespace

void RegisterRelevant(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<RelevantFlags>();
  CLI::App* cmd = root.add_subcommand(
      "relevant",
      "Find the relevant but unmodified files of every assembled instance: BM25 over the "
      "repository's files at the merge base, queried with the closing issues, the PR title "
      "and body and the changed paths; or, with --llm-url, the files an OpenAI-compatible chat "
      "model names. Stores the top k in relevant_files, their contents in blobs "
      "(schemas/store.md). Resumable; parallel across instances");
  cmd->add_option("--db", flags->db, "The store (assembled by swerl assemble)")->required();
  cmd->add_option("--repos", flags->repos, "Directory of the mirrors (as given to swerl clone)")
      ->required();
  cmd->add_option("--where", flags->where,
                  "SQL condition on the pull requests (columns of the view prs, e.g. repo, "
                  "number, merged_at)");
  AddShardOption(cmd, &flags->shard, "instances of repositories");
  cmd->add_flag("--refresh", flags->refresh,
                "Redo instances already ranked for this source, replacing their rows");
  cmd->add_option("-k,--top-k", flags->k, "Files kept per instance, at most")
      ->capture_default_str()
      ->check(cli::InRange(1, 1000));
  cli::AddSizeOption(cmd, "--max-file-bytes", &flags->max_file_bytes,
                     "Larger files are neither ranked nor stored");
  cli::AddJobsOption(cmd, &flags->jobs,
                     "Worker threads ranking instances (default: the number of cores)",
                     /*max=*/256);
  cmd->add_option("--zstd-level", flags->zstd_level, "zstd compression level of the blobs")
      ->capture_default_str()
      ->check(cli::InRange(-7, 22));
  cmd->add_option("--llm-url", flags->llm_url,
                  "Base URL of an OpenAI-compatible API (e.g. http://127.0.0.1:8000/v1); "
                  "requests go to <url>/chat/completions. Selects source 'llm'");
  cmd->add_option("--llm-model", flags->llm_model, "The model name sent with each request");
  cmd->add_option("--llm-key-env", flags->llm_key_env,
                  "Name of an environment variable holding the API key (sent as Authorization: "
                  "Bearer; never printed or stored)");
  cmd->add_option("--llm-timeout", flags->llm_timeout_s, "Seconds per request attempt")
      ->capture_default_str()
      ->check(cli::Above(0));
  cmd->add_option("--llm-attempts", flags->llm_attempts,
                  "Tries per request; connection errors, timeouts, 429 and 5xx are retried "
                  "with exponential backoff")
      ->capture_default_str()
      ->check(cli::InRange(1, 100));
  cmd->add_option("--llm-max-paths", flags->llm_max_paths,
                  "Repository paths listed in the prompt, preferring those near the changed "
                  "files")
      ->capture_default_str()
      ->check(cli::InRange(1, 1000000));
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "Instances: instances rows with status 'assembled', joined to the view prs, after "
      "--where and --shard. Candidates: regular text files of the tree at the merge base, not "
      "vendored, "
      "not changed by the pull request, at most --max-file-bytes. Without --refresh, a rerun "
      "skips instances recorded ranked for the source (bm25, or llm with --llm-url) and "
      "retries those recorded failed. Instances are committed in order, with their new blobs, "
      "whenever the workers have no more ready (64 at most per transaction). Exit status: 0 "
      "when every instance was ranked (possibly with no file); 2 when some failed (mirror or "
      "merge base missing, model request failed; the first five are listed, all in "
      "relevant_runs.error), or on usage, database or I/O errors.");
  cmd->callback([flags, &ctx] { ctx.run = [flags, &ctx] { return RunRelevant(*flags, ctx); }; });
}

}  // namespace swerl::tools

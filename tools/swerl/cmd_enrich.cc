// swerl enrich: fills the pull requests and issues whose events lack text or
// state from the GitHub REST API (SPEC §2.5). The pass itself is
// store::Enrich (lib/swerl/store/enrich.h); this file holds its flags, the
// client's options and token, the progress line and the summary.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "command.h"
#include "swerl/core/utc_time.h"
#include "swerl/db/sqlite.h"
#include "swerl/net/curl_handles.h"
#include "swerl/net/github_client.h"
#include "swerl/store/enrich.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

struct EnrichFlags {
  std::string db;
  std::string api_url = "https://api.github.com";
  std::string token_env = "GITHUB_TOKEN";
  int jobs = 4;
  int64_t limit = -1;
  std::string where;
  std::optional<store::RepoShard> shard;
  bool refresh = false;
  int retries = 5;
  int64_t retry_base_ms = 1000;
  double timeout_s = 30;
  double connect_timeout_s = 10;
  int64_t max_wait_s = 3600;
  uint64_t seed = 0;
  bool has_seed = false;
};

// Reports the pass on stderr: retries and rate-limit waits through the log,
// and the progress line.
class EnrichReporter : public store::EnrichObserver {
 public:
  explicit EnrichReporter(bool progress) : progress_(progress, [this] { return Render(); }) {}

  void OnWarning(const std::string& message) override { cli::Log::Get().Warning(message); }

  void OnRetry(const std::string& url, int attempt, const Error& why,
               std::chrono::milliseconds delay) override {
    auto& log = cli::Log::Get();
    if (!log.enabled(cli::Level::kInfo)) return;
    log.Warning("attempt " + std::to_string(attempt) + " failed: " + why.message() +
                "; retrying in " + Seconds(delay));
    (void)url;
  }

  void OnRateWait(std::chrono::seconds wait, std::string_view why) override {
    cli::Log::Get().Info("waiting " + std::to_string(wait.count()) + " s (" + std::string(why) +
                         ")");
  }

  void OnProgress(const store::EnrichProgress& progress) override {
    last_ = progress;
    progress_.Tick();
  }

  void Done() { progress_.Done(); }

 private:
  std::string Render() const {
    const net::GithubStats& http = last_.http;
    std::string line = std::to_string(last_.done) + "/" + std::to_string(last_.total) + " items, " +
                       std::to_string(http.requests) + " requests, " + std::to_string(http.active) +
                       " active";
    if (last_.failed) line += ", " + std::to_string(last_.failed) + " failed";
    if (http.paused_ms > 0) {
      line += ", rate limit: waiting " + std::to_string((http.paused_ms + 999) / 1000) + " s";
    }
    return line;
  }

  store::EnrichProgress last_;
  cli::Progress progress_;
};

int RunEnrich(const EnrichFlags& flags, Context& ctx) {
  ApplyCommonFlags(ctx, "enrich");
  auto& log = cli::Log::Get();
  if (!cli::DistinctFiles({}, {{"--db", flags.db}})) return cli::kExitError;
  auto db = OpenStoreOrLog(flags.db, db::Db::Mode::kReadWrite);
  if (!db) return cli::kExitError;
  if (!RecordShardOrLog(&*db, "enrich", flags.shard)) return cli::kExitError;
  std::string token;
  if (const char* value = std::getenv(flags.token_env.c_str()); value && *value) token = value;
  if (token.empty()) {
    log.Warning("$" + flags.token_env +
                " is not set: unauthenticated requests (GitHub allows 60 an hour)");
  }
  net::CurlGlobal curl;
  if (Status s = curl.status(); !s) {
    log.Error(s.error().message());
    return cli::kExitError;
  }
  net::GithubOptions options;
  options.api_url = flags.api_url;
  while (!options.api_url.empty() && options.api_url.back() == '/') options.api_url.pop_back();
  options.token = std::move(token);
  options.user_agent = "swerl/" SWERL_VERSION;
  options.parallel = flags.jobs;
  options.retries = flags.retries;
  options.retry_base_ms = flags.retry_base_ms;
  options.timeout_ms = static_cast<int64_t>(flags.timeout_s * 1000);
  options.connect_timeout_ms = static_cast<int64_t>(flags.connect_timeout_s * 1000);
  options.max_wait_s = flags.max_wait_s;
  if (flags.has_seed) options.seed = flags.seed;
  store::EnrichOptions enrich;
  enrich.api_url = options.api_url;
  enrich.where = flags.where;
  if (flags.shard) enrich.shard = *flags.shard;
  enrich.refresh = flags.refresh;
  enrich.limit = flags.limit;
  enrich.window = static_cast<size_t>(flags.jobs) * 4;
  auto client = net::GithubClient::Create(std::move(options));
  if (!client) {
    log.Error(client.error().message());
    return cli::kExitError;
  }
  EnrichReporter reporter(cli::ProgressEnabled(ctx.progress));
  auto result = store::Enrich(&*db, &*client, enrich, &reporter);
  reporter.Done();
  if (!result) {
    log.Error(result.error().message());
    return cli::kExitError;
  }
  LogFailures(result->failures, "failed: ", "api_fetches.error");
  const net::GithubStats& s = client->stats();
  const std::string took = Seconds(result->elapsed);
  using store::ItemOutcome;
  log.Summary(cli::WithCommas(result->selected) + " items lacking data, " +
              cli::WithCommas(result->already_done) + " done before, " +
              cli::WithCommas(result->finished()) +
              " processed: " + cli::WithCommas(result->count(ItemOutcome::kEnriched)) +
              " enriched, " + cli::WithCommas(result->count(ItemOutcome::kUnchanged)) +
              " unchanged, " + cli::WithCommas(result->count(ItemOutcome::kGone)) + " gone, " +
              cli::WithCommas(result->count(ItemOutcome::kFailed)) + " failed; " +
              cli::WithCommas(s.requests) + " requests (" + cli::WithCommas(s.not_modified) +
              " not modified, " + cli::WithCommas(s.retries) + " retried, " +
              cli::WithCommas(s.rate_waits) + " rate-limit waits) in " + took);
  if (result->rate_limited_until) {
    const int64_t wait = *result->rate_limited_until - static_cast<int64_t>(std::time(nullptr));
    log.Error("stopped: the rate limit resets at " + FormatUtc(*result->rate_limited_until) +
              " (in " + std::to_string(std::max<int64_t>(wait, 0)) + " s, beyond --max-wait " +
              std::to_string(flags.max_wait_s) + " s); rerun then to resume");
  }
  if (ctx.json) {
    cli::JsonSummary()
        .Add("selected", static_cast<uint64_t>(result->selected))
        .Add("already_done", static_cast<uint64_t>(result->already_done))
        .Add("enriched", static_cast<uint64_t>(result->count(ItemOutcome::kEnriched)))
        .Add("unchanged", static_cast<uint64_t>(result->count(ItemOutcome::kUnchanged)))
        .Add("gone", static_cast<uint64_t>(result->count(ItemOutcome::kGone)))
        .Add("failed", static_cast<uint64_t>(result->count(ItemOutcome::kFailed)))
        .Add("requests", static_cast<uint64_t>(s.requests))
        .Add("not_modified", static_cast<uint64_t>(s.not_modified))
        .Add("retries", static_cast<uint64_t>(s.retries))
        .Add("rate_waits", static_cast<uint64_t>(s.rate_waits))
        .Add("rate_limited", result->rate_limited_until.has_value())
        .Add("seconds", std::chrono::duration<double>(result->elapsed).count())
        .Emit();
  }
  return result->rate_limited_until || result->count(ItemOutcome::kFailed) ? cli::kExitError
                                                                           : cli::kExitOk;
}

}  // namespace

void RegisterEnrich(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<EnrichFlags>();
  CLI::App* cmd = root.add_subcommand(
      "enrich",
      "Fill pull requests and issues whose events lack text or state (trimmed-era events) "
      "from the GitHub REST API: the object, its comments, review comments and reviews, "
      "folded into the store like events (schemas/store.md). Resumable");
  cmd->add_option("--db", flags->db, "The store (made by swerl ingest)")->required();
  cmd->add_option("--api-url", flags->api_url, "The REST API's base URL")->capture_default_str();
  cmd->add_option("--token-env", flags->token_env,
                  "Environment variable holding the token (sent as a Bearer token; never "
                  "printed or stored)")
      ->capture_default_str();
  cli::AddJobsOption(cmd, &flags->jobs, "Concurrent requests", /*max=*/64);
  cmd->add_option("--limit", flags->limit, "Fetch at most N items this run")
      ->check(cli::AtLeast(0));
  cmd->add_option("--where", flags->where,
                  "SQL condition on the items (columns: kind 'pr'/'issue', repo_id, number, "
                  "repo)");
  AddShardOption(cmd, &flags->shard, "items of repositories");
  cmd->add_flag("--refresh", flags->refresh,
                "Also refetch items fetched before (conditional requests: a 304 keeps the "
                "stored data)");
  cmd->add_option("--max-wait", flags->max_wait_s,
                  "Longest rate-limit wait in seconds; beyond it, stop and say when to resume")
      ->capture_default_str()
      ->check(cli::InRange(0, 7 * 86400));
  cmd->add_option("--retries", flags->retries, "Retries per request after the first attempt")
      ->capture_default_str()
      ->check(cli::InRange(0, 100));
  cmd->add_option("--retry-base-ms", flags->retry_base_ms,
                  "First retry delay; doubles per retry with jitter, capped at 60 s")
      ->capture_default_str()
      ->check(cli::InRange(0, 60000));
  cmd->add_option("--timeout", flags->timeout_s, "Seconds a request may take; then it is retried")
      ->capture_default_str()
      ->check(cli::InRange(0.001, 3600));
  cmd->add_option("--connect-timeout", flags->connect_timeout_s,
                  "Seconds to establish a connection")
      ->capture_default_str()
      ->check(cli::InRange(0.001, 3600));
  CLI::Option* seed = cmd->add_option("--seed", flags->seed, "Seed for the retry jitter (tests)")
                          ->check(cli::AtLeast(0))
                          ->group("");
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "Items: pull_requests rows without title/body (detail) or without any state, and issues "
      "without body or main fields. An item fetched OK (or answered 404/410: gone) is not "
      "fetched again unless --refresh. Exit status: 0 when every item is enriched, unchanged "
      "or gone; 2 when items failed after retries (a few are listed), when a rate limit asks "
      "for a wait beyond --max-wait (rerun at the time printed), or on usage or I/O errors.");
  cmd->callback([flags, seed, &ctx] {
    flags->has_seed = seed->count() > 0;
    ctx.run = [flags, &ctx] { return RunEnrich(*flags, ctx); };
  });
}

}  // namespace swerl::tools

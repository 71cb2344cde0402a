// swerl fetch: download GH Archive hour files (SPEC §2.1) into a directory,
// in parallel, resumably and verified, with a manifest of every outcome.
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "command.h"
#include "swerl/gharchive/hour.h"
#include "swerl/io/atomic_file.h"
#include "swerl/json/json_writer.h"
#include "swerl/net/curl_handles.h"
#include "swerl/net/hour_fetcher.h"

namespace swerl::tools {
namespace {

struct FetchFlags {
  std::string from;
  std::string to;
  std::string dir;
  std::string base_url = "https://data.gharchive.org";
  int parallel = 8;
  int retries = 5;
  int64_t retry_base_ms = 1000;
  int64_t timeout_s = 30;
  double connect_timeout_s = 10;
  int64_t max_time_s = 3600;
  uint64_t seed = 0;
  bool has_seed = false;
};

// Turns fetch events into log lines and the progress line.
class CliObserver : public net::FetchObserver {
 public:
  explicit CliObserver(bool progress)
      : start_(std::chrono::steady_clock::now()),
        progress_(progress, [this] { return Render(); }) {}

  void OnRetry(const gharchive::Hour& hour, int attempt, const Error& why,
               std::chrono::milliseconds delay) override {
    auto& log = cli::Log::Get();
    if (!log.enabled(cli::Level::kInfo)) return;
    log.Warning(hour.FileName() + ": attempt " + std::to_string(attempt) +
                " failed: " + why.message() + "; retrying in " + Seconds(delay));
  }
  void OnResume(const gharchive::Hour& hour, uint64_t offset) override {
    if (!cli::Log::Get().enabled(cli::Level::kDebug)) return;
    cli::Log::Get().Info(hour.FileName() + ": resuming at byte " + cli::WithCommas(offset));
  }
  void OnRestart(const gharchive::Hour& hour, std::string_view why) override {
    cli::Log::Get().Info(hour.FileName() + ": starting over: " + std::string(why));
  }
  void OnHourDone(const net::HourOutcome& o) override {
    auto& log = cli::Log::Get();
    const std::string name = o.hour.FileName();
    switch (o.state) {
      case net::HourState::kMissing:
        log.Info(name + ": missing (HTTP 404)");
        break;
      case net::HourState::kOk:
        if (log.enabled(cli::Level::kDebug)) {
          log.Info(name + ": ok, " + cli::HumanBytes(static_cast<double>(o.bytes)) + " in " +
                   std::to_string(o.attempts) + (o.attempts == 1 ? " attempt" : " attempts"));
        }
        break;
      case net::HourState::kSkipped:
        if (log.enabled(cli::Level::kDebug)) log.Info(name + ": already present, skipped");
        break;
      case net::HourState::kFailed:
        break;  // listed at the end
    }
  }
  void OnProgress(const net::FetchStats& stats) override {
    stats_ = stats;
    progress_.Tick();
  }
  void Done() { progress_.Done(); }

 private:
  std::string Render() const {
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::string line = std::to_string(stats_.done()) + "/" + std::to_string(stats_.hours) +
                       " hours, " + std::to_string(stats_.active) + " active, " +
                       cli::HumanBytes(static_cast<double>(stats_.received_bytes));
    if (secs > 0) {
      line += " at " + cli::HumanBytes(static_cast<double>(stats_.received_bytes) / secs) + "/s";
    }
    if (stats_.verifying) line += ", " + std::to_string(stats_.verifying) + " verifying";
    if (stats_.failed) line += ", " + std::to_string(stats_.failed) + " failed";
    return line;
  }

  std::chrono::steady_clock::time_point start_;
  net::FetchStats stats_;
  cli::Progress progress_;
};

cli::JsonSummary StatsJson(const net::FetchResult& r) {
  cli::JsonSummary summary;
  json::JsonWriter& w = summary.writer();
  const auto& s = r.stats;
  w.Key("hours");
  w.Uint(s.hours);
  w.Key("ok");
  w.Uint(s.ok);
  w.Key("missing");
  w.Uint(s.missing);
  w.Key("skipped");
  w.Uint(s.skipped);
  w.Key("failed");
  w.Uint(s.failed);
  w.Key("ok_bytes");
  w.Uint(s.ok_bytes);
  w.Key("received_bytes");
  w.Uint(s.received_bytes);
  w.Key("retries");
  w.Uint(s.retries);
  w.Key("resumed");
  w.Uint(s.resumed);
  w.Key("restarted");
  w.Uint(s.restarted);
  w.Key("seconds");
  w.Double(r.seconds);
  w.Key("failed_hours");
  w.BeginArray();
  for (const auto& o : r.outcomes) {
    if (o.state == net::HourState::kFailed) w.String(o.hour.FileName());
  }
  w.EndArray();
  return summary;
}

int RunFetch(const FetchFlags& flags, Context& ctx) {
  ApplyCommonFlags(ctx, "fetch");
  auto& log = cli::Log::Get();
  // The hour files and the manifest go into --dir; fetch reads no path.
  if (!cli::DistinctFiles({}, {{"--dir", flags.dir}})) return cli::kExitError;
  auto range = gharchive::HourRange::Parse(flags.from, flags.to);
  if (!range) {
    log.Error(range.error().message());
    return cli::kExitError;
  }
  std::vector<gharchive::Hour> hours(range->begin(), range->end());

  net::CurlGlobal curl;
  if (Status s = curl.status(); !s) {
    log.Error(s.error().message());
    return cli::kExitError;
  }
  net::FetchOptions options;
  options.base_url = flags.base_url;
  options.dir = flags.dir;
  options.parallel = flags.parallel;
  options.retries = flags.retries;
  options.retry_base_ms = flags.retry_base_ms;
  options.stall_timeout_s = flags.timeout_s;
  options.connect_timeout_ms = static_cast<int64_t>(flags.connect_timeout_s * 1000);
  options.attempt_timeout_s = flags.max_time_s;
  if (flags.has_seed) options.seed = flags.seed;
  options.user_agent = "swerl/" SWERL_VERSION " (fetch)";

  CliObserver observer(cli::ProgressEnabled(ctx.progress));
  auto result = net::FetchHours(hours, options, &observer);
  observer.Done();
  if (!result) {
    log.Error(result.error().message());
    return cli::kExitError;
  }
  const auto& s = result->stats;
  for (const auto& o : result->outcomes) {
    if (o.state != net::HourState::kFailed) continue;
    log.Error(o.hour.FileName() + " failed: " + (o.error ? o.error->message() : "unknown error"));
  }
  log.Summary(std::to_string(s.hours) + (s.hours == 1 ? " hour: " : " hours: ") +
              std::to_string(s.ok) + " ok (" + cli::HumanBytes(static_cast<double>(s.ok_bytes)) +
              "), " + std::to_string(s.missing) + " missing, " + std::to_string(s.skipped) +
              " skipped, " + std::to_string(s.failed) + " failed in " + Seconds(result->seconds));
  if (ctx.json) StatsJson(*result).Emit();
  return s.failed ? cli::kExitError : cli::kExitOk;
}

}  // namespace

void RegisterFetch(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<FetchFlags>();
  CLI::App* cmd = root.add_subcommand(
      "fetch",
      "Download GH Archive hour files (<base-url>/YYYY-MM-DD-H.json.gz) into a directory: "
      "parallel, retried, resumable, verified as gzip before being renamed into place, and "
      "recorded in <dir>/manifest.ndjson");
  cmd->add_option("--from", flags->from, "First hour, e.g. 2024-01-01T00 or 2024-01-01-0")
      ->required();
  cmd->add_option("--to", flags->to, "Last hour, inclusive")->required();
  cmd->add_option("--dir", flags->dir, "Directory for the files (created if absent)")->required();
  cmd->add_option("--base-url", flags->base_url, "Where the hour files are served")
      ->capture_default_str();
  cli::AddJobsOption(cmd, &flags->parallel, "Parallel transfers (and connections)",
                     /*max=*/256);
  cmd->add_option("--retries", flags->retries, "Retries per hour after the first attempt")
      ->capture_default_str()
      ->check(cli::InRange(0, 1000));
  cmd->add_option("--retry-base-ms", flags->retry_base_ms,
                  "First retry delay; doubles per retry with jitter, capped at 60 s")
      ->capture_default_str()
      ->check(cli::InRange(0, 60000));
  cmd->add_option("--timeout", flags->timeout_s,
                  "Abort an attempt that receives nothing for this many seconds")
      ->capture_default_str()
      ->check(cli::InRange(1, 86400));
  cmd->add_option("--connect-timeout", flags->connect_timeout_s,
                  "Seconds to establish a connection")
      ->capture_default_str()
      ->check(cli::InRange(0.001, 3600));
  cmd->add_option("--max-time", flags->max_time_s,
                  "Abort any single attempt after this many seconds (0 = no limit)")
      ->capture_default_str()
      ->check(cli::InRange(0, 7 * 86400));
  CLI::Option* seed = cmd->add_option("--seed", flags->seed, "Seed for the retry jitter (tests)")
                          ->check(cli::AtLeast(0))
                          ->group("");
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "Hours already present are skipped; <name>.part files are resumed. Exit status: 0 when "
      "every hour is ok, missing (HTTP 404, recorded as missing) or skipped; 2 when any hour "
      "failed after all retries (each is listed on stderr) or on usage or I/O errors.");
  cmd->callback([cmd, flags, seed, &ctx] {
    flags->has_seed = seed->count() > 0;
    ctx.run = [flags, &ctx] { return RunFetch(*flags, ctx); };
  });
}

}  // namespace swerl::tools

// swerl events: GH Archive hours (or any NDJSON of events) -> normalized
// records on stdout (schemas/records/event.md).
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include "command.h"
#include "swerl/gharchive/event_stream.h"
#include "swerl/io/output.h"
#include "swerl/json/json_writer.h"

namespace swerl::tools {
namespace {

struct EventsOptions {
  std::vector<std::string> inputs;
  std::string types = "default";
  int jobs = 0;  // 0: one per core
  int64_t max_errors = -1;
  size_t dedup_window = 1'000'000;
  size_t max_line_bytes = gharchive::EventStreamOptions{}.max_line_bytes;
  std::string gzip = "auto";
  size_t errors_shown_per_file = 20;
  bool strict = false;
};

// Block-buffered, but flushed after every write when stdout is a terminal
// (records then appear batch by batch).
class StdoutSink final : public gharchive::RecordSink {
 public:
  StdoutSink() : out_(1, "standard output"), interactive_(::isatty(1)) {}
  Status Write(std::string_view records) override {
    SWERL_RETURN_IF_ERROR(out_.Write(records));
    return interactive_ ? out_.Flush() : OkStatus();
  }
  Status Flush() { return out_.Flush(); }

 private:
  io::BufferedOutput out_;
  bool interactive_;
};

// Prints diagnostics, at most `limit` per file unless -v.
class LogReporter final : public gharchive::EventStreamReporter {
 public:
  LogReporter(size_t limit, cli::Progress* progress, std::chrono::steady_clock::time_point start)
      : limit_(limit), progress_(progress), start_(start) {}

  void LineError(const std::string& file, uint64_t line, const Error& why) override {
    if (!Shown(file)) return;
    std::string msg = Where(file, line) + "skipped: " + why.message();
    if (why.message().starts_with("line longer than")) msg += " (--max-line-bytes)";
    cli::Log::Get().Warning(msg);
  }
  void LineRepaired(const std::string& file, uint64_t line, std::string_view what) override {
    if (Shown(file)) cli::Log::Get().Warning(Where(file, line) + "repaired: " + std::string(what));
  }
  // Damage (a truncated or corrupt gzip stream: the lines before it were
  // processed) is a warning under the exit-status rule; an input that
  // cannot be opened or read is an error (exit 2).
  void FileError(const std::string& file, const Error& why) override {
    if (why.code() == Code::kCorrupt) {
      cli::Log::Get().Warning(why.message());
    } else {
      cli::Log::Get().Error(why.message());
    }
  }
  void Progress(const gharchive::EventStreamStats& stats) override {
    stats_ = &stats;
    progress_->Tick();
  }
  std::string ProgressLine() const {
    if (!stats_) return "";
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return cli::WithCommas(stats_->lines) + " lines, " + cli::WithCommas(stats_->emitted) +
           " records, " + cli::HumanBytes(stats_->input_bytes / std::max(secs, 1e-9)) + "/s";
  }
  void Finish() {
    for (const auto& [file, count] : per_file_) {
      if (count > limit_ && !cli::Log::Get().enabled(cli::Level::kInfo)) {
        cli::Log::Get().Warning("'" + file + "': " + std::to_string(count - limit_) +
                                " more problem lines not shown (use -v)");
      }
    }
  }

 private:
  static std::string Where(const std::string& file, uint64_t line) {
    return "'" + file + "' line " + std::to_string(line) + ": ";
  }
  bool Shown(const std::string& file) {
    const size_t n = ++per_file_[file];
    return n <= limit_ || cli::Log::Get().enabled(cli::Level::kInfo);
  }

  size_t limit_;
  cli::Progress* progress_;
  std::chrono::steady_clock::time_point start_;
  const gharchive::EventStreamStats* stats_ = nullptr;
  std::map<std::string, size_t> per_file_;
};

cli::JsonSummary StatsJson(const gharchive::EventStreamStats& s, double seconds) {
  cli::JsonSummary summary;
  json::JsonWriter& w = summary.writer();
  auto num = [&](std::string_view k, uint64_t v) { summary.Add(k, v); };
  num("files", s.files);
  num("lines", s.lines);
  num("input_bytes", s.input_bytes);
  num("emitted", s.emitted);
  w.Key("emitted_per_type");
  w.BeginObject();
  for (int t = 0; t < gharchive::kEventTypeCount; ++t) {
    const auto name = gharchive::EventTypeName(static_cast<gharchive::EventType>(t));
    if (!name.empty()) num(name, s.per_type[t]);
  }
  w.EndObject();
  num("duplicates", s.duplicates);
  num("skipped_type", s.skipped_type);
  num("skipped_timeline", s.skipped_timeline);
  num("malformed", s.malformed);
  num("repaired", s.repaired);
  num("oversized", s.oversized);
  num("damaged_files", s.damaged_files);
  num("unreadable_files", s.unreadable_files);
  summary.Add("seconds", seconds);
  return summary;
}

std::string Summary(const gharchive::EventStreamStats& s, double seconds) {
  std::string types;
  for (int t = 0; t < gharchive::kEventTypeCount; ++t) {
    if (!s.per_type[t]) continue;
    if (!types.empty()) types += ", ";
    types += cli::WithCommas(s.per_type[t]) + " " +
             std::string(gharchive::EventTypeName(static_cast<gharchive::EventType>(t)));
  }
  char rate[64];
  std::snprintf(rate, sizeof rate, " in %.2f s (%s/s)", seconds,
                cli::HumanBytes(s.input_bytes / std::max(seconds, 1e-9)).c_str());
  std::string line = cli::WithCommas(s.files) + " files, " + cli::WithCommas(s.lines) + " lines (" +
                     cli::HumanBytes(static_cast<double>(s.input_bytes)) + ") -> " +
                     cli::WithCommas(s.emitted) + " records";
  if (!types.empty()) line += " (" + types + ")";
  line += "; " + cli::WithCommas(s.duplicates) + " duplicates, " + cli::WithCommas(s.skipped_type) +
          " other types, " + cli::WithCommas(s.skipped_timeline) + " timeline-era, " +
          cli::WithCommas(s.malformed + s.oversized) + " bad lines, " +
          cli::WithCommas(s.repaired) + " repaired, " +
          cli::WithCommas(s.damaged_files + s.unreadable_files) + " bad files" + rate;
  return line;
}

int RunEvents(const EventsOptions& opt, const Context& ctx) {
  ApplyCommonFlags(ctx, "events");
  auto& log = cli::Log::Get();
  const auto resolved = InputsOrStdin(opt.inputs);
  if (!resolved) return cli::kExitError;
  const std::vector<std::string>& inputs = *resolved;
  if (!cli::DistinctFiles(cli::NamedPaths("input", inputs), {{"standard output", "-"}})) {
    return cli::kExitError;
  }
  auto types = gharchive::TypeSet::Parse(opt.types);
  if (!types) {
    log.Error(types.error().message());
    return cli::kExitError;
  }
  gharchive::EventStreamOptions options;
  options.types = *types;
  options.threads = opt.jobs > 0 ? opt.jobs : cli::CoreCount();
  options.max_errors = opt.max_errors;
  options.max_line_bytes = opt.max_line_bytes;
  options.dedup_window = opt.dedup_window;
  options.strict = opt.strict;
  if (opt.gzip == "isal") options.gzip = io::GzipBackend::kIsal;
  if (opt.gzip == "zlib") options.gzip = io::GzipBackend::kZlib;

  const auto start = std::chrono::steady_clock::now();
  LogReporter* reporter_ptr = nullptr;
  cli::Progress progress(cli::ProgressEnabled(ctx.progress),
                         [&] { return reporter_ptr ? reporter_ptr->ProgressLine() : ""; });
  LogReporter reporter(opt.errors_shown_per_file, &progress, start);
  reporter_ptr = &reporter;
  StdoutSink sink;
  gharchive::EventStreamStats stats;
  Status st = gharchive::RunEventStream(inputs, options, &sink, &reporter, &stats);
  // Records already counted as emitted are written even when the run stops
  // on --max-errors; only a closed pipe makes flushing pointless.
  if (st || st.error().code() != Code::kCancelled) {
    if (Status flushed = sink.Flush(); !flushed && st) st = std::move(flushed);
  }
  progress.Done();
  reporter.Finish();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!st && cli::ExitCodeFor(st.error()) == cli::kExitOk) return cli::kExitOk;  // closed pipe
  log.Summary(Summary(stats, secs));
  if (!st) log.Error(st.error().message());
  if (ctx.json) StatsJson(stats, secs).Emit();
  if (!st) return cli::kExitError;
  // Unreadable inputs are I/O errors; damaged data within --max-errors is not.
  return stats.unreadable_files ? cli::kExitError : cli::kExitOk;
}

}  // namespace

void RegisterEvents(CLI::App& root, Context& ctx) {
  auto opt = std::make_shared<EventsOptions>();
  CLI::App* cmd = root.add_subcommand(
      "events",
      "Stream PR/issue events from GH Archive hours (.json.gz or NDJSON, '-' = stdin) as "
      "normalized NDJSON records on stdout (schemas/records/event.md)");
  cmd->add_option("inputs", opt->inputs,
                  "Input files (.json.gz or plain NDJSON); '-' or none = stdin");
  cmd->add_option("--types", opt->types,
                  "Comma list of event types to emit: PullRequestEvent, IssuesEvent, "
                  "IssueCommentEvent, PullRequestReviewEvent, PullRequestReviewCommentEvent, "
                  "PushEvent; 'default' (all but PushEvent) or 'all'")
      ->capture_default_str();
  cli::AddJobsOption(cmd, &opt->jobs,
                     "Worker threads: one decompresses ahead, the others parse (default: the "
                     "number of cores)");
  cli::AddHiddenAlias(cmd, "--threads", &opt->jobs, cli::InRange(1, 1024));
  cmd->add_option("--max-errors", opt->max_errors,
                  "Exit 2 once more than N problems (bad or oversized lines, damaged or "
                  "unreadable files) were seen; default: no limit")
      ->check(cli::AtLeast(0));
  cmd->add_option("--dedup-window", opt->dedup_window,
                  "Repeated event ids are dropped exactly within at least this many recent "
                  "records (~32 bytes each)")
      ->check(cli::InRange(1, 100'000'000))
      ->capture_default_str();
  cli::AddSizeOption(cmd, "--max-line-bytes", &opt->max_line_bytes,
                     "Longer input lines are skipped and reported (counted as bad lines)",
                     /*min=*/1024, /*max=*/uint64_t{1} << 30);
  cmd->add_option("--gzip", opt->gzip, "Gzip decoder: auto, isal or zlib")
      ->check(CLI::IsMember({"auto", "isal", "zlib"}))
      ->capture_default_str();
  cmd->add_option("--errors-per-file", opt->errors_shown_per_file,
                  "Problem lines reported per file before the rest are only counted (all with -v)")
      ->check(cli::AtLeast(0))
      ->capture_default_str();
  cmd->add_flag("--strict", opt->strict,
                "Parse every line in full, reporting damage anywhere in it (by default lines of "
                "other types are skipped by their prefix, and values a record does not carry "
                "are not checked); slower, same records");
  AddCommonFlags(cmd, ctx);
  cmd->callback([opt, &ctx] { ctx.run = [opt, &ctx] { return RunEvents(*opt, ctx); }; });
}

}  // namespace swerl::tools

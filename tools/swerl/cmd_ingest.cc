// swerl ingest: folds `swerl events` records into the SQLite store
// (schemas/swerl.sql): current state of pull requests, issues and their
// conversation. Order-independent, idempotent and resumable.
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "command.h"
#include "swerl/core/utc_time.h"
#include "swerl/io/input.h"
#include "swerl/io/line_chunker.h"
#include "swerl/store/ingest.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

struct IngestOptions {
  std::string db;
  std::vector<std::string> inputs;
  size_t batch = 50'000;
  int64_t max_errors = -1;
};

// A line `swerl ingest` refused that is a raw GH Archive event (an "actor"
// and a "payload" object) rather than a `swerl events` record.
bool LooksLikeRawEvent(std::string_view line) {
  return line.find("\"payload\":{") != std::string_view::npos &&
         line.find("\"actor\":{") != std::string_view::npos;
}

// Bad lines before ingest gives up on an input whose lines are all raw
// GH Archive events: a few warnings, then the hint.
constexpr uint64_t kRawEventsBeforeHint = 5;

int RunIngest(const IngestOptions& opt, const Context& ctx) {
  ApplyCommonFlags(ctx, "ingest");
  auto& log = cli::Log::Get();
  const auto resolved = InputsOrStdin(opt.inputs);
  if (!resolved) return cli::kExitError;
  const std::vector<std::string>& inputs = *resolved;
  if (!cli::DistinctFiles(cli::NamedPaths("input", inputs), {{"--db", opt.db}})) {
    return cli::kExitError;
  }
  // Every input must open before the store is created: a typo in an input
  // name leaves no empty store behind.
  for (const std::string& path : inputs) {
    if (auto in = io::OpenFile(path, io::MapMode::kNever); !in) {
      log.Error(in.error().message());
      return cli::kExitError;
    }
  }
  auto db = OpenStoreOrLog(opt.db, db::Db::Mode::kCreate);
  if (!db) return cli::kExitError;
  auto ingester = store::Ingester::Create(&*db, opt.batch);
  if (!ingester) {
    log.Error(ingester.error().message());
    return cli::kExitError;
  }
  const auto start = std::chrono::steady_clock::now();
  store::IngestCounts total;
  uint64_t errors = 0;
  uint64_t damaged_inputs = 0;
  const auto too_many_errors = [&] {
    return opt.max_errors >= 0 && errors > static_cast<uint64_t>(opt.max_errors);
  };
  cli::Progress progress(cli::ProgressEnabled(ctx.progress), [&] {
    return cli::WithCommas(total.lines + ingester->counts().lines) + " records";
  });
  for (const std::string& path : inputs) {
    const std::string started = FormatUtc(std::time(nullptr));
    ingester->ResetCounts();
    auto in = io::OpenInput(path);
    if (!in) {
      log.Error(in.error().message());
      return cli::kExitError;
    }
    io::LineChunker chunker(in->get());
    io::LineChunk chunk;
    uint64_t raw_events = 0;  // bad lines of this input that are raw GH Archive events
    bool damaged = false;
    for (;;) {
      auto more = chunker.Next(&chunk);
      if (!more && more.error().code() == Code::kCorrupt) {
        // Damaged data (a truncated or corrupt gzip stream): the lines
        // before it were folded; warn, count it, go on (exit-status rule).
        // The input is not logged as done, so a rerun reads it again.
        damaged = true;
        ++damaged_inputs;
        ++errors;
        log.Warning(more.error().message() + "; the records before it were ingested");
        if (too_many_errors()) {
          (void)!ingester->Commit();
          log.Error("more than " + std::to_string(opt.max_errors) + " errors");
          return cli::kExitError;
        }
        break;
      }
      if (!more) {
        // What was folded so far stays; the input is not logged as done.
        (void)!ingester->Commit();
        log.Error(more.error().message());
        return cli::kExitError;
      }
      if (!*more) break;
      for (uint64_t k = 0; k < chunk.line_count; ++k) {
        const size_t begin = k ? chunk.line_ends[k - 1] : 0;
        std::string_view line(chunk.bytes.data() + begin, chunk.line_ends[k] - begin - 1);
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        Status st = ingester->Add(line);
        if (st) continue;
        if (st.error().code() != Code::kInvalidInput) {
          log.Error(st.error().message());
          return cli::kExitError;
        }
        ++errors;
        log.Warning("'" + (*in)->name() + "' line " + std::to_string(chunk.first_line + k) +
                    ": skipped: " + st.error().message());
        // Raw GH Archive lines (`swerl ingest hours/*.json.gz`): say what to
        // run instead of warning about every line of the hour.
        if (LooksLikeRawEvent(line) && ++raw_events == kRawEventsBeforeHint &&
            ingester->counts().lines == raw_events) {
          (void)!ingester->Commit();
          log.Error("'" + (*in)->name() +
                    "' holds raw GH Archive events, not `swerl events` records: run `swerl "
                    "events` first, e.g. swerl events " +
                    (path == "-" ? std::string("-") : path) + " | swerl ingest --db " + opt.db);
          return cli::kExitError;
        }
        if (too_many_errors()) {
          (void)!ingester->Commit();
          log.Error("more than " + std::to_string(opt.max_errors) + " bad lines");
          return cli::kExitError;
        }
      }
      progress.Tick();
    }
    Status st = damaged ? ingester->Commit()
                        : ingester->FinishInput(path == "-" ? "<stdin>" : path, started);
    if (!st) {
      log.Error(st.error().message());
      return cli::kExitError;
    }
    const store::IngestCounts& c = ingester->counts();
    total.lines += c.lines;
    total.new_events += c.new_events;
    total.duplicates += c.duplicates;
    total.skipped += c.skipped;
    total.bad_lines += c.bad_lines;
  }
  progress.Done();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char rate[64];
  std::snprintf(rate, sizeof rate, " in %.2f s (%s records/s)", secs,
                cli::WithCommas(static_cast<uint64_t>(total.lines / std::max(secs, 1e-9))).c_str());
  log.Summary(cli::WithCommas(inputs.size()) + " inputs, " + cli::WithCommas(total.lines) +
              " records: " + cli::WithCommas(total.new_events) + " new events, " +
              cli::WithCommas(total.duplicates) + " already ingested, " +
              cli::WithCommas(total.skipped) + " skipped, " + cli::WithCommas(total.bad_lines) +
              " bad lines, " + cli::WithCommas(damaged_inputs) + " damaged inputs" + rate);
  if (ctx.json) {
    cli::JsonSummary()
        .Add("inputs", static_cast<uint64_t>(inputs.size()))
        .Add("records", total.lines)
        .Add("new_events", total.new_events)
        .Add("duplicates", total.duplicates)
        .Add("skipped", total.skipped)
        .Add("bad_lines", total.bad_lines)
        .Add("damaged_inputs", damaged_inputs)
        .Add("seconds", secs)
        .Emit();
  }
  return cli::kExitOk;
}

}  // namespace

void RegisterIngest(CLI::App& root, Context& ctx) {
  auto opt = std::make_shared<IngestOptions>();
  CLI::App* cmd = root.add_subcommand(
      "ingest",
      "Fold `swerl events` records into the SQLite store: current state of pull requests, "
      "issues and their conversation (schemas/store.md). Idempotent; safe to rerun after a "
      "crash");
  cmd->add_option("--db", opt->db, "The store (created when missing)")->required();
  cmd->add_option("inputs", opt->inputs, "Record files (NDJSON, may be gzip); '-' or none = stdin");
  cmd->add_option("--batch", opt->batch, "Events per transaction")
      ->check(cli::AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--max-errors", opt->max_errors,
                  "Exit 2 once more than N problems (bad lines, damaged inputs) were seen; "
                  "default: no limit")
      ->check(cli::AtLeast(0));
  AddCommonFlags(cmd, ctx);
  cmd->callback([opt, &ctx] { ctx.run = [opt, &ctx] { return RunIngest(*opt, ctx); }; });
}

}  // namespace swerl::tools

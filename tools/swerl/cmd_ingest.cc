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
    for (;;) {
      auto more = chunker.Next(&chunk);
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
        if (opt.max_errors >= 0 && errors > static_cast<uint64_t>(opt.max_errors)) {
          (void)!ingester->Commit();
          log.Error("more than " + std::to_string(opt.max_errors) + " bad lines");
          return cli::kExitError;
        }
      }
      progress.Tick();
    }
    if (Status st = ingester->FinishInput(path == "-" ? "<stdin>" : path, started); !st) {
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
              " bad lines" + rate);
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
  cmd->add_option("--batch", opt->batch, "Events per transaction")->capture_default_str();
  cmd->add_option("--max-errors", opt->max_errors,
                  "Exit 2 once more than N bad lines were seen; default: no limit");
  AddCommonFlags(cmd, ctx);
  cmd->callback([opt, &ctx] { ctx.run = [opt, &ctx] { return RunIngest(*opt, ctx); }; });
}

}  // namespace swerl::tools

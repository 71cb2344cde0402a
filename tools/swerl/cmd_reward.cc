// swerl reward: scores model outputs with the SWE-RL reward. Reads request
// lines (schemas/records/reward.md) and writes one result line per request,
// in input order; requests are scored in parallel.
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "command.h"
#include "swerl/io/line_map.h"
#include "swerl/io/output.h"
#include "swerl/reward/request.h"

namespace swerl::tools {
namespace {

struct RewardOptions {
  std::vector<std::string> inputs;
  int jobs = 0;  // 0: one per core
  bool no_guard = false;
  reward::RewardLimits limits;
  int64_t max_errors = -1;
  size_t max_line_bytes = 1u << 30;
  bool line_buffered = false;
};

// One request line once scored: its result line, or why it is invalid.
struct Scored {
  std::string result;
  std::optional<std::string> error;
  reward::RequestCounts counts;
};

struct Totals {
  uint64_t requests = 0, invalid = 0, scores = 0, failed = 0;
};

// Reports an invalid request (or an oversized line) and answers it in place,
// then writes the result line. The scorer already answered an invalid
// request (echoing its id when it could be read); an oversized line, never
// parsed, is answered here with id null. Errors: the --max-errors budget,
// writing.
Status EmitScored(const std::string& stream_name, uint64_t line_no, Scored& s,
                  const RewardOptions& opt, io::BufferedOutput* out, Totals* totals) {
  if (s.error) {
    ++totals->invalid;
    cli::Log::Get().Warning("'" + stream_name + "' line " + std::to_string(line_no) + ": " +
                            *s.error);
    if (s.result.empty()) reward::RequestScorer::AppendInvalid(*s.error, &s.result);
  }
  ++totals->requests;
  totals->scores += s.counts.scores;
  totals->failed += s.counts.failed;
  SWERL_RETURN_IF_ERROR(out->Write(s.result));
  if (opt.max_errors >= 0 && totals->invalid > static_cast<uint64_t>(opt.max_errors)) {
    return Error(Code::kInvalidInput,
                 "more than " + std::to_string(opt.max_errors) + " invalid requests");
  }
  return OkStatus();
}

// --line-buffered: answers each request as soon as its line is complete
// and flushes the answer before reading on, so a parent that writes one
// request at a time and waits (swerl-train's --reward-cmd) gets its answer.
// The members of a group are still scored in parallel. The batch path
// below reads whole chunks first, which would leave such a parent waiting.
Status ServeStream(io::InputStream* in, const RewardOptions& opt, io::BufferedOutput* out,
                   Totals* totals) {
  const reward::RewardLimits limits = opt.no_guard ? reward::RewardLimits::Unlimited() : opt.limits;
  reward::RequestScorer scorer(limits);
  std::string pending;    // bytes after the last complete line
  std::string padded;     // the line being scored, plus the padding the scorer reads
  bool draining = false;  // inside a line over --max-line-bytes: skip to its end
  uint64_t line_no = 0;
  std::vector<char> buf(1 << 16);
  auto serve = [&](std::string_view line, bool oversized) -> Status {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!oversized && line.find_first_not_of(" \t") == std::string_view::npos) {
      return OkStatus();  // blank: no result line, as in the batch path
    }
    Scored s;
    if (oversized) {
      s.error =
          "line longer than --max-line-bytes (" + std::to_string(opt.max_line_bytes) + " bytes)";
    } else {
      padded.assign(line);
      padded.append(reward::kRequestPadding, '\0');
      auto scored = scorer.Score(std::string_view(padded.data(), line.size()), &s.result);
      if (scored) {
        s.counts = *scored;
      } else {
        s.error = std::move(scored).error().message();
      }
    }
    SWERL_RETURN_IF_ERROR(EmitScored(in->name(), line_no, s, opt, out, totals));
    return out->Flush();
  };
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(const size_t got, in->Read(buf.data(), buf.size()));
    if (got == 0) break;
    std::string_view data(buf.data(), got);
    while (!data.empty()) {
      const size_t nl = data.find('\n');
      const std::string_view piece = data.substr(0, nl);
      if (!draining) pending.append(piece);
      if (pending.size() > opt.max_line_bytes) {
        draining = true;
        pending.clear();
      }
      if (nl == std::string_view::npos) break;
      data.remove_prefix(nl + 1);
      SWERL_RETURN_IF_ERROR(serve(pending, draining));
      pending.clear();
      draining = false;
    }
  }
  if (!pending.empty() || draining) SWERL_RETURN_IF_ERROR(serve(pending, draining));
  return OkStatus();
}

// Scores one input stream, writing results in input order. Errors: the
// --max-errors budget exceeded (kInvalidInput), I/O, or a closed stdout.
Status ScoreStream(io::InputStream* in, const RewardOptions& opt, int threads,
                   io::BufferedOutput* out, Totals* totals) {
  const reward::RewardLimits limits = opt.no_guard ? reward::RewardLimits::Unlimited() : opt.limits;
  tbb::enumerable_thread_specific<reward::RequestScorer> scorers(limits);
  io::LineMapOptions map_opt;
  map_opt.chunk_bytes = 256 << 10;  // requests are heavy (whole files): keep both threads busy
  map_opt.max_line_bytes = opt.max_line_bytes;
  map_opt.in_flight = static_cast<size_t>(threads) * 2;
  return io::MapLines<Scored>(
      in, map_opt,
      [&](std::string_view line, Scored* s) {
        // The bytes after the line (the next lines, then the chunk's zero
        // padding) are readable, as the scorer requires.
        auto scored = scorers.local().Score(line, &s->result);
        if (scored) {
          s->counts = *scored;
        } else {
          s->error = std::move(scored).error().message();
        }
      },
      [&](uint64_t line_no, Scored& s, bool oversized) -> Status {
        if (oversized) {
          s.error = "line longer than --max-line-bytes (" + std::to_string(opt.max_line_bytes) +
                    " bytes)";
          s.result.clear();
        }
        return EmitScored(in->name(), line_no, s, opt, out, totals);
      });
}

int RunReward(const RewardOptions& opt, const Context& ctx) {
  ApplyCommonFlags(ctx, "reward");
  auto& log = cli::Log::Get();
  const auto resolved = InputsOrStdin(opt.inputs);
  if (!resolved) return cli::kExitError;
  const std::vector<std::string>& inputs = *resolved;
  if (!cli::DistinctFiles(cli::NamedPaths("input", inputs), {{"standard output", "-"}})) {
    return cli::kExitError;
  }
  const int threads = opt.jobs > 0 ? opt.jobs : cli::CoreCount();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  const auto start = std::chrono::steady_clock::now();
  io::BufferedOutput out(1, "standard output");
  Totals totals;
  Status st = io::MapInputs(inputs, &out, [&](io::InputStream* in) {
    return opt.line_buffered ? ServeStream(in, opt, &out, &totals)
                             : ScoreStream(in, opt, threads, &out, &totals);
  });
  if (!st && cli::ExitCodeFor(st.error()) == cli::kExitOk) return cli::kExitOk;  // closed pipe
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char rate[64];
  std::snprintf(rate, sizeof rate, " in %.2f s (%.1f requests/s)", secs,
                static_cast<double>(totals.requests) / std::max(secs, 1e-9));
  log.Summary(cli::WithCommas(totals.requests) + " requests (" + cli::WithCommas(totals.invalid) +
              " invalid): " + cli::WithCommas(totals.scores) + " outputs scored, " +
              cli::WithCommas(totals.failed) + " of them -1" + rate);
  if (!st) log.Error(st.error().message());
  if (ctx.json) {
    cli::JsonSummary()
        .Add("requests", totals.requests)
        .Add("invalid", totals.invalid)
        .Add("scores", totals.scores)
        .Add("failed", totals.failed)
        .Add("seconds", secs)
        .Emit();
  }
  return st ? cli::kExitOk : cli::kExitError;
}

}  // namespace

void RegisterReward(CLI::App& root, Context& ctx) {
  auto opt = std::make_shared<RewardOptions>();
  CLI::App* cmd = root.add_subcommand(
      "reward",
      "Score model outputs with the SWE-RL reward: request lines "
      "{\"id\",\"context\",\"oracle\",\"output\"|\"outputs\"|\"predicted\"} in, one result line "
      "per request out, in order (schemas/records/reward.md)");
  cmd->add_option("inputs", opt->inputs,
                  "Request files (NDJSON, may be gzip); '-' or none = stdin");
  cli::AddJobsOption(cmd, &opt->jobs, "Worker threads (default: the number of cores)");
  cli::AddHiddenAlias(cmd, "--threads", &opt->jobs, cli::InRange(1, 1024));
  cmd->add_flag("--no-guard", opt->no_guard,
                "Disable the size guard (exact reference behaviour, unbounded time and memory)");
  cli::AddSizeOption(cmd, "--max-output-bytes", &opt->limits.max_output_bytes,
                     "Size guard: longer model outputs score -1, unless the oracle's own answer "
                     "needs as much (0 = no limit)");
  cli::AddSizeOption(cmd, "--max-file-bytes", &opt->limits.max_file_bytes,
                     "Size guard: edits growing a file past this score -1, unless the oracle's "
                     "file is as large (0 = no limit)");
  cli::AddSizeOption(cmd, "--max-scan-bytes", &opt->limits.max_scan_bytes,
                     "Size guard: applying one output's edits may search this much file text, "
                     "or what applying the oracle's answer searches if more (0 = no limit)");
  cmd->add_option(
         "--max-match-work", opt->limits.max_match_work,
         "Size guard: a line diff or diff comparison estimated to take more steps than this, "
         "and than the oracle's own diff of that file, scores -1 (~1e9 steps/s; 0 = no limit)")
      ->check(cli::AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--max-errors", opt->max_errors,
                  "Exit 2 once more than N requests were invalid; default: no limit")
      ->check(cli::AtLeast(0));
  cli::AddSizeOption(cmd, "--max-line-bytes", &opt->max_line_bytes,
                     "Longer request lines are reported as invalid", /*min=*/1,
                     /*max=*/uint64_t{1} << 40);
  cmd->add_flag("--line-buffered", opt->line_buffered,
                "Answer each request as soon as its line is read and flush the answer (for a "
                "long-lived scorer on a pipe, e.g. swerl-train grpo --reward-cmd); a group's "
                "outputs are still scored in parallel");
  AddCommonFlags(cmd, ctx);
  cmd->callback([opt, &ctx] { ctx.run = [opt, &ctx] { return RunReward(*opt, ctx); }; });
}

}  // namespace swerl::tools

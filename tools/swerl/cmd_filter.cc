// swerl filter: drops seeds by the rules of lib/swerl/curate/filter_rules.h
// (decontamination, bots, size, noise, programming files, seed selection,
// prompt budget, dedup). NDJSON in, kept lines out unchanged, so it sits in
// a pipeline; with --db it records a decision per instance in
// filter_decisions instead. The funnel goes to stderr.
#include <unistd.h>

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "command.h"
#include "swerl/core/utc_time.h"
#include "swerl/curate/filter_rules.h"
#include "swerl/curate/seed_source.h"
#include "swerl/io/atomic_file.h"
#include "swerl/io/line_chunker.h"
#include "swerl/io/output.h"
#include "swerl/json/json_writer.h"
#include "swerl/shard/seed.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

struct FilterFlags {
  std::string preset;
  std::string rules_file;
  std::string explain;
  std::string db;
  std::string where;
  std::optional<store::RepoShard> shard;
  std::string created_after;
  std::string created_before;
  std::vector<std::string> inputs;
  int64_t max_errors = -1;
  size_t batch = 1000;
};

// One NDJSON line per dropped instance, written to `path` atomically when
// the run ends well.
class ExplainWriter {
 public:
  static Result<std::unique_ptr<ExplainWriter>> Open(const std::string& path) {
    auto file = io::AtomicFile::Create(path);
    if (!file) return std::move(file).error();
    return std::unique_ptr<ExplainWriter>(new ExplainWriter(std::move(*file)));
  }

  Status Add(const shard::Seed& seed, const curate::FilterDecision& d) {
    return Add(seed.instance_id, d);
  }
  Status Add(const std::string& instance_id, const curate::FilterDecision& d) {
    json::JsonWriter w(&buf_);
    w.BeginObject();
    w.Key("instance_id");
    w.String(instance_id);
    w.Key("rule");
    w.String(curate::FilterRuleName(d.rule));
    w.Key("detail");
    w.String(d.detail);
    w.EndObject();
    buf_.push_back('\n');
    return buf_.size() >= (1 << 20) ? Drain() : OkStatus();
  }

  Status Commit() {
    SWERL_RETURN_IF_ERROR(Drain());
    return file_.Commit();
  }

 private:
  explicit ExplainWriter(io::AtomicFile file) : file_(std::move(file)) {}
  Status Drain() {
    SWERL_RETURN_IF_ERROR(file_.Append(buf_));
    buf_.clear();
    return OkStatus();
  }

  io::AtomicFile file_;
  std::string buf_;
};

// The funnel: input, each rule's drops in order, kept; as lines or as one
// JSON object.
void PrintFunnel(const curate::Filter& filter, uint64_t bad_lines, bool json) {
  auto& log = cli::Log::Get();
  const curate::FilterRules& rules = filter.rules();
  if (json) {
    cli::JsonSummary summary;
    json::JsonWriter& w = summary.writer();
    w.Key("rules");
    w.String(rules.name);
    w.Key("input");
    w.Int(static_cast<int64_t>(filter.seen()));
    w.Key("bad_lines");
    w.Int(static_cast<int64_t>(bad_lines));
    w.Key("dropped");
    w.BeginObject();
    for (size_t k = 0; k < curate::kFilterRuleCount; ++k) {
      const auto rule = static_cast<curate::FilterRule>(k);
      w.Key(curate::FilterRuleName(rule));
      w.Int(static_cast<int64_t>(filter.dropped(rule)));
    }
    w.EndObject();
    w.Key("kept");
    w.Int(static_cast<int64_t>(filter.kept()));
    w.Key("bot_keywords");
    w.BeginObject();
    for (size_t k = 0; k < rules.bot_keywords.size(); ++k) {
      w.Key(rules.bot_keywords[k]);
      w.Int(static_cast<int64_t>(filter.bot_keyword_hits()[k]));
    }
    w.Key("author_type:Bot");
    w.Int(static_cast<int64_t>(filter.bot_keyword_hits().back()));
    w.EndObject();
    summary.Emit();
    return;
  }
  auto row = [&](uint64_t n, std::string_view what) {
    std::string count = cli::WithCommas(n);
    if (count.size() < 12) count.insert(0, 12 - count.size(), ' ');
    log.Summary(count + "  " + std::string(what));
  };
  log.Summary("funnel (rules: " + rules.name + ")");
  row(filter.seen(), "input");
  if (bad_lines) row(bad_lines, "bad lines (not counted as input)");
  for (size_t k = 0; k < curate::kFilterRuleCount; ++k) {
    const auto rule = static_cast<curate::FilterRule>(k);
    row(filter.dropped(rule), "- " + std::string(curate::FilterRuleName(rule)));
  }
  row(filter.kept(), "kept");
  if (filter.dropped(curate::FilterRule::kBot)) {
    std::string hits;
    for (size_t k = 0; k < rules.bot_keywords.size(); ++k) {
      hits += (k ? ", " : "") + rules.bot_keywords[k] + " " +
              cli::WithCommas(filter.bot_keyword_hits()[k]);
    }
    hits += ", author_type Bot " + cli::WithCommas(filter.bot_keyword_hits().back());
    log.Summary("bot keyword hits: " + hits);
  }
}

// Reports a failed write: quietly for a closed pipe (exit 0), else as an error.
int WriteFailed(const Error& e) {
  if (e.code() == Code::kCancelled) return cli::kExitOk;
  cli::Log::Get().Error(e.message());
  return cli::kExitError;
}

int RunNdjson(const FilterFlags& flags, curate::Filter& filter, ExplainWriter* explain,
              const Context& ctx) {
  auto& log = cli::Log::Get();
  const auto resolved = InputsOrStdin(flags.inputs);
  if (!resolved) return cli::kExitError;
  io::BufferedOutput out(1, "standard output");
  const bool interactive = ::isatty(1);
  uint64_t bad_lines = 0;
  cli::Progress progress(cli::ProgressEnabled(ctx.progress), [&] {
    return cli::WithCommas(filter.seen()) + " seeds, " + cli::WithCommas(filter.kept()) + " kept";
  });
  auto bad_line = [&](const std::string& name, uint64_t line_no, const std::string& why) {
    ++bad_lines;
    log.Warning("'" + name + "' line " + std::to_string(line_no) + ": skipped: " + why);
    return flags.max_errors < 0 || bad_lines <= static_cast<uint64_t>(flags.max_errors);
  };
  for (const std::string& path : *resolved) {
    auto in = io::OpenInput(path);
    if (!in) {
      log.Error(in.error().message());
      return cli::kExitError;
    }
    // Seeds carry whole files; allow long lines rather than skip them.
    io::LineChunker chunker(in->get(), 4 << 20, size_t{1} << 30);
    io::LineChunk chunk;
    for (;;) {
      auto more = chunker.Next(&chunk);
      if (!more) {
        log.Error(more.error().message());
        return cli::kExitError;
      }
      if (!*more) break;
      size_t oversized = 0;
      for (uint64_t k = 0; k < chunk.line_count; ++k) {
        const uint64_t line_no = chunk.first_line + k;
        const size_t begin = k ? chunk.line_ends[k - 1] : 0;
        // With its '\n', which the chunker adds to a final line lacking one.
        const std::string_view with_newline(chunk.bytes.data() + begin, chunk.line_ends[k] - begin);
        const std::string_view line = with_newline.substr(0, with_newline.size() - 1);
        if (oversized < chunk.oversized_lines.size() &&
            chunk.oversized_lines[oversized] == line_no) {
          ++oversized;
          if (!bad_line((*in)->name(), line_no, "longer than 1 GiB")) break;
          continue;
        }
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        auto seed = shard::ParseSeedJson(line);
        if (!seed) {
          if (!bad_line((*in)->name(), line_no, seed.error().message())) break;
          continue;
        }
        const curate::FilterDecision d = filter.Evaluate(*seed);
        if (d.kept) {
          if (Status st = out.Write(with_newline); !st) return WriteFailed(st.error());
        } else if (explain) {
          if (Status st = explain->Add(*seed, d); !st) return WriteFailed(st.error());
        }
      }
      if (flags.max_errors >= 0 && bad_lines > static_cast<uint64_t>(flags.max_errors)) {
        (void)!out.Flush();
        log.Error("more than " + std::to_string(flags.max_errors) + " bad lines");
        return cli::kExitError;
      }
      if (interactive) {
        if (Status st = out.Flush(); !st) return WriteFailed(st.error());
      }
      progress.Tick();
    }
  }
  progress.Done();
  if (Status st = out.Flush(); !st) return WriteFailed(st.error());
  if (explain) {
    if (Status st = explain->Commit(); !st) return WriteFailed(st.error());
  }
  PrintFunnel(filter, bad_lines, ctx.json);
  return cli::kExitOk;
}

int RunDb(const FilterFlags& flags, curate::Filter& filter, ExplainWriter* explain,
          const Context& ctx) {
  auto& log = cli::Log::Get();
  // Seeds are read on one connection while decisions are written on
  // another: in WAL mode the reader's snapshot and the writer's commits do
  // not block each other.
  auto reader = OpenStoreOrLog(flags.db, db::Db::Mode::kReadWrite);
  if (!reader) return cli::kExitError;
  auto writer = OpenStoreOrLog(flags.db, db::Db::Mode::kReadWrite);
  if (!writer) return cli::kExitError;
  if (!RecordShardOrLog(&*writer, "filter", flags.shard)) return cli::kExitError;
  auto insert = writer->Prepare(
      "INSERT OR REPLACE INTO filter_decisions "
      "(repo_id, number, kept, rule, detail, rules, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!insert) {
    log.Error(insert.error().message());
    return cli::kExitError;
  }
  const std::string decided_at = FormatUtc(std::time(nullptr));
  std::optional<db::Txn> txn;
  size_t in_txn = 0;
  cli::Progress progress(cli::ProgressEnabled(ctx.progress), [&] {
    return cli::WithCommas(filter.seen()) + " instances, " + cli::WithCommas(filter.kept()) +
           " kept";
  });

  curate::SeedQuery query;
  query.where = flags.where;
  if (flags.shard) query.shard = *flags.shard;
  query.contents = filter.needs_contents();
  Status st = curate::ForEachSeed(&*reader, query, [&](shard::Seed& seed) -> Status {
    const curate::FilterDecision d = filter.Evaluate(seed);
    if (!txn) {
      auto begun = db::Txn::Begin(&*writer);
      if (!begun) return std::move(begun).error();
      txn.emplace(std::move(*begun));
    }
    insert->BindInt(1, seed.repo_id);
    insert->BindInt(2, seed.pull_number);
    insert->BindInt(3, d.kept ? 1 : 0);
    insert->BindOptionalText(
        4, d.kept ? std::nullopt : std::optional<std::string_view>(curate::FilterRuleName(d.rule)));
    insert->BindOptionalText(5, d.kept ? std::nullopt : std::optional<std::string_view>(d.detail));
    insert->BindText(6, filter.rules().name);
    insert->BindText(7, decided_at);
    SWERL_RETURN_IF_ERROR(insert->Run());
    if (!d.kept && explain) SWERL_RETURN_IF_ERROR(explain->Add(seed, d));
    // A near duplicate created earlier than a seed kept before replaces it.
    for (const curate::Retraction& r : filter.TakeRetractions()) {
      insert->BindInt(1, r.repo_id);
      insert->BindInt(2, r.pull_number);
      insert->BindInt(3, 0);
      insert->BindOptionalText(4, curate::FilterRuleName(r.decision.rule));
      insert->BindOptionalText(5, r.decision.detail);
      insert->BindText(6, filter.rules().name);
      insert->BindText(7, decided_at);
      SWERL_RETURN_IF_ERROR(insert->Run());
      if (explain) SWERL_RETURN_IF_ERROR(explain->Add(r.instance_id, r.decision));
    }
    if (++in_txn >= flags.batch) {
      SWERL_RETURN_IF_ERROR(txn->Commit());
      txn.reset();
      in_txn = 0;
    }
    progress.Tick();
    return OkStatus();
  });
  if (st && txn) st = txn->Commit();
  progress.Done();
  if (!st) {
    // Batches committed so far stay; a rerun replaces them.
    log.Error(st.error().message());
    return cli::kExitError;
  }
  if (explain) {
    if (Status s = explain->Commit(); !s) return WriteFailed(s.error());
  }
  PrintFunnel(filter, 0, ctx.json);
  return cli::kExitOk;
}

int RunFilter(const FilterFlags& flags, Context& ctx) {
  ApplyCommonFlags(ctx, "filter");
  auto& log = cli::Log::Get();
  // Before anything is read or the --explain file created: it must not replace the store,
  // the rules or an input (`swerl filter --explain in.ndjson in.ndjson`).
  std::vector<io::NamedPath> inputs = {{"--rules", flags.rules_file}};
  std::vector<io::NamedPath> outputs = {{"--explain", flags.explain}};
  if (flags.db.empty()) {
    for (const std::string& in : flags.inputs) inputs.push_back({"input", in});
    if (flags.inputs.empty()) inputs.push_back({"input", "-"});
    outputs.push_back({"standard output", "-"});
  } else {
    outputs.push_back({"--db", flags.db});
  }
  if (!cli::DistinctFiles(inputs, outputs)) return cli::kExitError;
  auto rules = flags.rules_file.empty()
                   ? curate::PresetFilterRules(flags.preset.empty() ? "default" : flags.preset)
                   : curate::LoadFilterRules(flags.rules_file);
  if (!rules) {
    log.Error(rules.error().message());
    return cli::kExitError;
  }
  for (const auto& [flag, value, target] :
       {std::tuple{"--created-after", &flags.created_after, &rules->created_after},
        std::tuple{"--created-before", &flags.created_before, &rules->created_before}}) {
    if (value->empty()) continue;
    auto normal = curate::NormalizeCutoff(*value);
    if (!normal) {
      log.Error(std::string(flag) + ": '" + *value +
                "' is not a time: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ; see 'swerl filter "
                "--help'");
      return cli::kExitError;
    }
    *target = *normal;
  }
  if (!flags.db.empty() && !flags.inputs.empty()) {
    log.Error("--db reads the store: give no input files");
    return cli::kExitError;
  }
  std::unique_ptr<ExplainWriter> explain;
  if (!flags.explain.empty()) {
    auto opened = ExplainWriter::Open(flags.explain);
    if (!opened) {
      log.Error(opened.error().message());
      return cli::kExitError;
    }
    explain = std::move(*opened);
  }
  curate::Filter filter(std::move(*rules));
  // Decisions in the store can be revised: a near duplicate created earlier
  // replaces the kept one. On a stream the kept lines are already written.
  filter.set_retract(!flags.db.empty());
  return flags.db.empty() ? RunNdjson(flags, filter, explain.get(), ctx)
                          : RunDb(flags, filter, explain.get(), ctx);
}

}  // namespace

void RegisterFilter(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<FilterFlags>();
  CLI::App* cmd = root.add_subcommand(
      "filter",
      "Drop seeds by rule: SWE-bench repositories, creation time outside --created-after/"
      "--created-before, public benchmark instances and near duplicates of them, bots, empty or "
      "extremely large changes, "
      "changes whose every hunk is noise, no programming file, over the prompt budget, "
      "duplicate and near-duplicate patches; --preset seeds adds seed selection (closing issue, "
      "bug-fix signal, "
      "stored contents). Reads seed NDJSON (swerl export --ndjson) and writes the kept lines "
      "unchanged to stdout, or with --db records a decision per instance in filter_decisions");
  auto* preset = cmd->add_option("--preset", flags->preset,
                                 "Shipped rules: default or seeds (data/filters/*.toml; "
                                 "default: default)")
                     ->check(CLI::IsMember({"default", "seeds"}));
  cmd->add_option("--rules", flags->rules_file,
                  "Rules file (TOML, data/filters/README.md); keys left out keep the defaults")
      ->excludes(preset);
  cmd->add_option("--explain", flags->explain,
                  "Write one NDJSON line per dropped instance: {instance_id, rule, detail}");
  auto* db = cmd->add_option("--db", flags->db,
                             "Filter the store's assembled instances and record the decisions "
                             "in filter_decisions instead of reading NDJSON");
  cmd->add_option("--where", flags->where,
                  "With --db: SQL condition on the view prs (repo_id, repo, number, ...)")
      ->needs(db);
  AddShardOption(cmd, &flags->shard,
                 "with --db: instances of repositories (dedup then sees only this shard: "
                 "run filter without --shard after swerl merge for dedup over all seeds)")
      ->needs(db);
  cmd->add_option("--created-after", flags->created_after,
                  "Keep only seeds whose PR and closing issues were created at or after this UTC "
                  "time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ; a model's training cutoff); "
                  "overrides the rules' contamination.created_after");
  cmd->add_option("--created-before", flags->created_before,
                  "Keep only seeds whose PR and closing issues were created before this UTC time; "
                  "overrides the rules' contamination.created_before");
  cmd->add_option("inputs", flags->inputs, "Seed files (NDJSON, may be gzip); '-' or none = stdin");
  cmd->add_option("--max-errors", flags->max_errors,
                  "Exit 2 once more than N bad lines were seen; default: no limit")
      ->check(cli::AtLeast(0));
  cmd->add_option("--batch", flags->batch, "With --db: decisions per transaction")
      ->capture_default_str()
      ->check(cli::AtLeast(1));
  AddCommonFlags(cmd, ctx);
  cmd->get_option("--json")->description(
      "The funnel as one JSON object on stderr instead of the table");
  cmd->footer(
      "Rules apply in this order; the first that applies drops the instance: decontaminated, "
      "created_window, benchmark_instance, benchmark_near_duplicate, secret, license, "
      "utf8_repaired, "
      "bot, "
      "empty, "
      "too_large, noise, no_code_file, no_closing_issue, no_bugfix_signal, leaked_fix, "
      "missing_contents, "
      "over_budget, degenerate_reward, duplicate (the first instance kept with a normalized "
      "patch wins), "
      "near_duplicate (with --db the earliest created of similar patches wins; on a stream the "
      "first). Defaults and heuristics: data/filters/README.md. The "
      "funnel (input, drops per rule, kept, bot keyword hits) goes to stderr unless -q. "
      "Exit status: 0 on success, also when a downstream reader closed the pipe; 2 on usage, "
      "rules-file, database or I/O errors, or more than --max-errors bad lines.");
  cmd->callback([flags, &ctx] { ctx.run = [flags, &ctx] { return RunFilter(*flags, ctx); }; });
}

}  // namespace swerl::tools

// swerl export: seeds as a shard (schemas/shard.md), as NDJSON
// (schemas/records/seed.md), or as Parquet for other trainers: SWE-bench's
// columns (schemas/export_hf.md) or verl's RL dataset (schemas/export_verl.md).
// The seeds come from the store (curate::ExportSeeds, lib/swerl/curate/
// export.h: prompts rendered, oracle answers checked) or from a shard as they
// are. This file holds the flags, the outputs and the summary.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>

#include "command.h"
#include "provenance.h"
#include "swerl/curate/dataset_writer.h"
#include "swerl/curate/export.h"
#include "swerl/db/file_kind.h"
#include "swerl/io/atomic_file.h"
#include "swerl/io/output.h"
#include "swerl/json/json_writer.h"
#include "swerl/prompt/prompt.h"
#include "swerl/shard/sampling.h"
#include "swerl/shard/shard.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

namespace fs = std::filesystem;

struct ExportFlags {
  std::string db;
  std::string seeds;
  std::string out;
  std::string format = "shard";
  bool ndjson = false;
  bool all = false;
  std::string where;
  std::optional<store::RepoShard> shard;
  std::string relevant;
  std::string patch_format = "swerl";
  std::string data_source = "swerl";
  double eval_fraction = 0;
  std::string split = "all";
  bool force = false;
  std::string manifest;  // --manifest FILE
  std::string hours;     // --hours DIR (swerl fetch's)
  int jobs = 0;  // 0: one per core
};

bool IsParquetFormat(const std::string& format) { return format == "hf" || format == "verl"; }

// What the file at `path` (size > 0) is, for messages, and whether it is
// the kind --format writes: a shard for shards, a Parquet file (PAR1 at both
// ends) for hf and verl.
std::pair<std::string, bool> DescribeOut(const std::string& path, off_t size,
                                         const std::string& format) {
  char head[4] = {}, tail[4] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(head, 4);
  if (size >= 8) {
    in.seekg(size - 4);
    in.read(tail, 4);
  }
  if (in && size >= 8 && std::string_view(head, 4) == "PAR1" &&
      std::string_view(tail, 4) == "PAR1") {
    return {"a Parquet file", IsParquetFormat(format)};
  }
  auto db = db::Db::Open(path, db::Db::Mode::kReadOnly);
  auto id = db ? db::IdentifyFile(&*db) : Result<db::FileIdentity>(db.error());
  if (!id) return {"a file that is neither an SQLite database nor a Parquet file", false};
  return {db::DescribeFile(*id), id->kind == &db::kShardKind && format == "shard"};
}

// Whether --out may be written: a new path, or (with --force) an empty file
// or one of the kind --format writes (a shard; a Parquet file). Anything else
// that exists is refused whatever --force says: it is not ours to replace.
// Errors: kInvalidInput.
Status CheckOutAvailable(const std::string& out, const std::string& format, bool force) {
  struct stat st;
  if (::stat(out.c_str(), &st) != 0) return OkStatus();  // new (or unreachable: the write says)
  if (!S_ISREG(st.st_mode)) {
    return Error(Code::kInvalidInput, "--out '" + out + "' exists and is not a regular file");
  }
  std::string what = "an empty file";
  bool replaceable = true;
  if (st.st_size > 0) std::tie(what, replaceable) = DescribeOut(out, st.st_size, format);
  if (!replaceable) {
    return Error(Code::kInvalidInput, "--out '" + out + "' exists and is " + what +
                                          ": refusing to replace it with " +
                                          (format == "shard" ? "a shard" : "--format " + format) +
                                          ", even with --force");
  }
  if (!force) {
    return Error(Code::kInvalidInput,
                 "--out '" + out + "' exists (" + what + "): pass --force to replace it");
  }
  return OkStatus();
}

// Removes a shard's temporary file and the journals SQLite may have left.
void RemoveShardFiles(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ec;
    fs::remove(path + suffix, ec);
  }
}

// Where the seeds come from, as the outputs' metadata says it (the pairs a
// shard's meta table holds, schemas/shard.md).
struct Provenance {
  std::string system_prompt;
  std::vector<std::pair<std::string, std::string>> meta;  // source, selection, where, patch_format
};

// The output shard, written beside --out and renamed over it once complete.
class ShardOutput {
 public:
  static Result<std::unique_ptr<ShardOutput>> Create(const std::string& out) {
    SWERL_ASSIGN_OR_RETURN(std::string temp, io::UnusedTempPath(out));
    auto writer = shard::ShardWriter::Create(temp);
    if (!writer) {
      RemoveShardFiles(temp);
      return std::move(writer).error();
    }
    return std::unique_ptr<ShardOutput>(new ShardOutput(out, temp, std::move(*writer)));
  }
  ~ShardOutput() {
    writer_.reset();
    if (!done_) RemoveShardFiles(temp_);
  }
  Status Add(const shard::Seed& seed) { return writer_->Add(seed); }
  Status Finish(const Provenance& from) {
    Status st = writer_->Finish(from.meta);
    writer_.reset();  // closes the file before it is renamed
    SWERL_RETURN_IF_ERROR(st);
    std::error_code ec;
    fs::rename(temp_, out_, ec);
    if (ec) {
      return Error(Code::kIo, "cannot rename '" + temp_ + "' to '" + out_ + "': " + ec.message());
    }
    done_ = true;
    return io::SyncParentDir(out_);
  }

 private:
  ShardOutput(std::string out, std::string temp, shard::ShardWriter writer)
      : out_(std::move(out)),
        temp_(std::move(temp)),
        writer_(std::make_unique<shard::ShardWriter>(std::move(writer))) {}
  std::string out_, temp_;
  std::unique_ptr<shard::ShardWriter> writer_;
  bool done_ = false;
};

// The Parquet options of --format hf|verl: the system turn and the
// provenance go into the file's metadata (keys "swerl.<meta key>").
curate::DatasetOptions DatasetOptionsFor(const ExportFlags& flags, const Provenance& from) {
  curate::DatasetOptions options;
  options.format = flags.format == "hf" ? curate::DatasetFormat::kHf : curate::DatasetFormat::kVerl;
  options.system_prompt = from.system_prompt;
  options.data_source = flags.data_source;
  options.eval_fraction = flags.eval_fraction;
  options.threads = flags.jobs > 0 ? flags.jobs : cli::CoreCount();
  for (const auto& [key, value] : from.meta) options.metadata.emplace_back("swerl." + key, value);
  std::string fraction;
  json::AppendPythonRepr(&fraction, flags.eval_fraction);
  options.metadata.emplace_back("swerl.eval_fraction", fraction);
  options.metadata.emplace_back("swerl.split", flags.split);
  if (options.format == curate::DatasetFormat::kVerl) {
    options.metadata.emplace_back("swerl.data_source", flags.data_source);
  }
  return options;
}

int RunExport(const ExportFlags& flags, Context& ctx) {
  ApplyCommonFlags(ctx, "export");
  auto& log = cli::Log::Get();
  std::vector<io::NamedPath> outputs = {{"--out", flags.out}};
  if (flags.ndjson) outputs.push_back({"standard output", "-"});
  const bool from_shard = !flags.seeds.empty();
  const io::NamedPath input =
      from_shard ? io::NamedPath{"--seeds", flags.seeds} : io::NamedPath{"--db", flags.db};
  if (!flags.manifest.empty()) outputs.push_back({"--manifest", flags.manifest});
  std::vector<io::NamedPath> inputs = {input};
  if (!flags.hours.empty()) inputs.push_back({"--hours", flags.hours});
  if (!cli::DistinctFiles(inputs, outputs)) return cli::kExitError;
  if (!flags.out.empty()) {
    if (Status st = CheckOutAvailable(flags.out, flags.format, flags.force); !st) {
      log.Error(st.error().message());
      return cli::kExitError;
    }
  }

  // Both sources are opened read-only: they work on read-only files.
  std::optional<db::Db> db;
  std::optional<shard::ShardReader> reader;
  Provenance from;
  if (from_shard) {
    auto opened = shard::ShardReader::Open(flags.seeds);
    if (!opened) {
      log.Error(cli::WantsKind(std::move(opened).error(), "--seeds", db::kShardKind).message());
      return cli::kExitError;
    }
    reader.emplace(std::move(*opened));
    // What the shard says of itself travels on; the trainer reads the same
    // system_prompt (trainer/loop/training_run.cc).
    for (const char* key : {"system_prompt", "source", "selection", "where", "patch_format"}) {
      auto value = reader->Meta(key);
      if (!value) {
        log.Error(value.error().message());
        return cli::kExitError;
      }
      if (std::string_view(key) == "system_prompt") {
        from.system_prompt = *value;
      } else {
        from.meta.emplace_back(std::string(key) == "source" ? "store" : key, *value);
      }
    }
    from.meta.insert(from.meta.begin(), {"source", flags.seeds});
    if (from.system_prompt.empty() && flags.format == "verl") {
      // As swerl-train refuses it: verl's prompt would lack its system turn.
      log.Error("shard '" + flags.seeds + "' has no system_prompt");
      return cli::kExitError;
    }
  } else {
    db = OpenStoreOrLog(flags.db, db::Db::Mode::kReadOnly);
    if (!db) return cli::kExitError;
    if (!flags.all) {
      auto decided = db->Prepare("SELECT count(*) FROM filter_decisions");
      if (!decided || !*decided->Step() || decided->Int(0) == 0) {
        log.Error("no filter decisions in '" + flags.db +
                  "': run `swerl filter --db` first, or pass --all to export every instance");
        return cli::kExitError;
      }
    }
    from.system_prompt = std::string(prompt::ThinkingSystem());
    from.meta = {{"source", flags.db},
                 {"selection", flags.all ? "all assembled instances" : "kept by swerl filter --db"},
                 {"where", flags.where},
                 {"patch_format", flags.patch_format}};
    if (flags.shard) from.meta.emplace_back("shard", flags.shard->ToString());
  }

  // Outputs are written under names of their own beside --out and renamed
  // over it once complete: a failed export leaves --out as it was.
  std::unique_ptr<ShardOutput> shard_out;
  std::optional<curate::DatasetWriter> dataset;
  std::unique_ptr<io::BufferedOutput> out;
  if (!flags.out.empty() && flags.format == "shard") {
    auto created = ShardOutput::Create(flags.out);
    if (!created) {
      log.Error(created.error().message());
      return cli::kExitError;
    }
    shard_out = std::move(*created);
  } else if (!flags.out.empty()) {
    auto created = curate::DatasetWriter::Create(flags.out, DatasetOptionsFor(flags, from));
    if (!created) {
      log.Error(created.error().message());
      return cli::kExitError;
    }
    dataset.emplace(std::move(*created));
  }
  if (flags.ndjson) out = std::make_unique<io::BufferedOutput>(STDOUT_FILENO, "stdout");

  // --split keeps the seeds of one side of the trainer's held-out split.
  const bool keep_eval = flags.split == "eval";
  uint64_t other_split = 0;
  std::string line;
  std::vector<std::string> seed_ids;  // the shard's, for its manifest
  auto sink = [&](const shard::Seed& seed) -> Status {
    if (flags.split != "all" &&
        shard::IsEvalSeed(seed.instance_id, flags.eval_fraction) != keep_eval) {
      ++other_split;
      return OkStatus();
    }
    if (shard_out) SWERL_RETURN_IF_ERROR(shard_out->Add(seed));
    if (shard_out) seed_ids.push_back(seed.instance_id);
    if (dataset) SWERL_RETURN_IF_ERROR(dataset->Add(seed));
    if (out) {
      line.clear();
      shard::AppendSeedJson(seed, &line);
      SWERL_RETURN_IF_ERROR(out->Write(line));
    }
    return OkStatus();
  };
  Result<curate::ExportResult> result = curate::ExportResult{};
  if (reader) {
    Status st = reader->ForEach([&](shard::Seed& seed) -> Status {
      ++result->instances;
      SWERL_RETURN_IF_ERROR(sink(seed));
      ++result->exported;
      return OkStatus();
    });
    if (!st) result = std::move(st).error();
  } else {
    curate::SeedQuery query;
    query.where = flags.where;
    if (flags.shard) query.shard = *flags.shard;
    query.kept_only = !flags.all;
    query.relevant_source = flags.relevant;
    query.swebench_patches = flags.patch_format == "swebench";
    result = curate::ExportSeeds(&*db, query, sink);
  }
  if (result && out) {
    if (Status st = out->Flush(); !st) result = std::move(st).error();
  }
  if (result && shard_out && db) {
    // What made the shard (schemas/manifest.md), and created_at from it;
    // the store's file name only as source: no local path in its bytes.
    for (auto& [key, value] : from.meta) {
      if (key == "source") value = fs::path(flags.db).filename().string();
    }
    auto manifest = ExportManifestMeta(&*db, flags.hours, {ctx.argv.begin() + 2, ctx.argv.end()},
                                       seed_ids);
    if (manifest) from.meta.insert(from.meta.end(), manifest->begin(), manifest->end());
    if (!manifest) result = std::move(manifest).error();
  }
  if (result && shard_out) {
    if (Status st = shard_out->Finish(from); !st) result = std::move(st).error();
  }
  if (result && shard_out && !flags.manifest.empty()) {
    const auto it = std::find_if(from.meta.begin(), from.meta.end(),
                                 [](const auto& kv) { return kv.first == "manifest"; });
    if (Status st = WriteManifestFile(flags.manifest, it->second, flags.out); !st) {
      result = std::move(st).error();
    }
  }
  if (result && dataset) {
    if (Status st = dataset->Finish(); !st) result = std::move(st).error();
  }
  if (!result) {
    shard_out.reset();  // removes the temporary files
    dataset.reset();
    if (result.error().code() == Code::kCancelled) return cli::kExitOk;  // reader closed the pipe
    log.Error(result.error().message());
    return cli::kExitError;
  }
  result->exported -= other_split;
  std::string dropped;
  for (const auto& [why, n] : result->dropped) {
    dropped += ", " + cli::WithCommas(n) + " " + why;
  }
  if (flags.split != "all") {
    dropped += ", " + cli::WithCommas(other_split) + " in the " +
               (keep_eval ? "training" : "held-out") + " split";
  }
  std::string written;
  if (!flags.out.empty()) {
    written = " -> " + flags.out;
    if (dataset) {
      written += " (" + flags.format + ", " + cli::WithCommas(dataset->rows()) + " rows in " +
                 cli::WithCommas(dataset->row_groups()) + " row groups)";
    }
  }
  log.Summary(cli::WithCommas(result->instances) + " seeds read, " +
              cli::WithCommas(result->exported) + " exported" + dropped + written);
  if (ctx.json) {
    cli::JsonSummary summary;
    summary.Add("instances", static_cast<uint64_t>(result->instances))
        .Add("exported", static_cast<uint64_t>(result->exported));
    json::JsonWriter& w = summary.writer();
    w.Key("dropped");
    w.BeginObject();
    for (const auto& [why, n] : result->dropped) {
      w.Key(why);
      w.Uint(n);
    }
    w.EndObject();
    summary.Add("other_split", other_split).Add("format", flags.format).Add("out", flags.out);
    if (dataset) summary.Add("row_groups", dataset->row_groups());
    summary.Emit();
  }
  return cli::kExitOk;
}

}  // namespace

void RegisterExport(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* cmd = root.add_subcommand(
      "export",
      "Write seeds — the store's, kept by `swerl filter --db`, or a shard's — as a shard for "
      "training (schemas/shard.md), as Parquet for other trainers (--format hf: SWE-bench's "
      "columns, schemas/export_hf.md; --format verl: verl's RL dataset, "
      "schemas/export_verl.md) and/or as NDJSON on stdout (schemas/records/seed.md)");
  cmd->add_option("--db", flags->db,
                  "The store: its seeds get their SWE-RL prompt and a checked oracle answer");
  cmd->add_option("--seeds", flags->seeds,
                  "A shard (swerl export --out) instead of a store: its seeds as they are");
  cmd->add_option("--out", flags->out,
                  "The file to write in --format (written beside it, then renamed into place; "
                  "an existing file of that format only with --force)");
  cmd->add_option("--format", flags->format,
                  "What --out holds: a shard, Parquet with SWE-bench's columns (hf), or "
                  "Parquet in verl's RL dataset schema (verl)")
      ->check(CLI::IsMember({"shard", "hf", "verl"}))
      ->capture_default_str();
  cmd->add_flag("--force", flags->force,
                "Replace an existing shard or Parquet file at --out (never a store or another "
                "file)");
  cmd->add_flag("--ndjson", flags->ndjson, "Write the seeds as NDJSON on stdout");
  cmd->add_option("--manifest", flags->manifest,
                  "Also write the shard's manifest (schemas/manifest.md: what made it, for "
                  "swerl rebuild) to this file, with the shard file's sha256 (--db, shards)");
  cmd->add_option("--hours", flags->hours,
                  "swerl fetch's directory: its manifest.ndjson's hours and sha256 go into the "
                  "shard's manifest (--db only)");
  cmd->add_flag("--all", flags->all,
                "Every assembled instance, not only those swerl filter --db kept (--db only)");
  cmd->add_option("--where", flags->where,
                  "SQL condition on the pull requests (columns of the view prs; --db only)");
  AddShardOption(cmd, &flags->shard, "seeds of repositories (--db only)",
                 /*recorded_in_store=*/false);
  cmd->add_option("--relevant", flags->relevant,
                  "Relevant files from this source of swerl relevant (default: llm where an "
                  "instance has them, else bm25; --db only)")
      ->check(CLI::IsMember({"bm25", "llm"}));
  cmd->add_option("--patch-format", flags->patch_format,
                  "patch/test_patch as swerl splits them (code vs test files, every file "
                  "kept) or as SWE-bench Lite/Verified ship them (no index lines, git's python "
                  "hunk context, the old split that drops non-.py files outside tests; --db "
                  "only)")
      ->check(CLI::IsMember({"swerl", "swebench"}))
      ->capture_default_str();
  cmd->add_option("--data-source", flags->data_source,
                  "verl's data_source of each row; {repo} becomes the seed's owner/name (e.g. "
                  "swerl/{repo}: verl then reports validation scores per repository)")
      ->capture_default_str();
  cmd->add_option("--eval-fraction", flags->eval_fraction,
                  "The held-out fraction of swerl-train --eval-fraction (by instance id): "
                  "names each row's split (hf split, verl extra_info.split) and --split's seeds")
      ->capture_default_str()
      ->check(cli::InRange(0.0, 1.0));
  cmd->add_option("--split", flags->split,
                  "Write only the training or the held-out seeds at --eval-fraction (every "
                  "output), e.g. verl's train_files and val_files")
      ->check(CLI::IsMember({"all", "train", "eval"}))
      ->capture_default_str();
  cli::AddJobsOption(cmd, &flags->jobs,
                     "Threads that encode Parquet columns (--format hf|verl; the same bytes for "
                     "any number; default: the number of cores)");
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "From a store, each seed's context is the merge-base contents of its changed code files "
      "(tests aside) and of its relevant files; its oracle, their contents after the change; "
      "its prompt, SWE-RL's user message over the context in path order. A seed is exported "
      "only when its oracle answer (the real change as SEARCH/REPLACE blocks) scores exactly "
      "1.0 with the reward; the others are counted as no_oracle or inexpressible. From a "
      "shard (--seeds), its seeds are written as they are. Parquet files carry the source "
      "and selection in their key-value metadata (swerl.*); verl's prompt is the system and "
      "user turns swerl-train feeds, and reward_model.ground_truth what `swerl reward` needs "
      "(python/swerl_reward.py scores with it). Exit status: 0 on success; 2 on usage, "
      "database or I/O errors (nothing is left at --out).");
  cmd->callback([flags, cmd, &ctx] {
    const bool db = !flags->db.empty(), seeds = !flags->seeds.empty();
    if (db == seeds) throw CLI::ValidationError("swerl export", "give --db STORE or --seeds SHARD");
    if (flags->out.empty() && !flags->ndjson) {
      throw CLI::ValidationError("swerl export", "give --out FILE, --ndjson, or both");
    }
    if (!flags->manifest.empty() && (flags->out.empty() || flags->format != "shard" || seeds)) {
      throw CLI::ValidationError(
          "--manifest", "describes a shard made from a store: needs --db and --out FILE (--format shard)");
    }
    if (!flags->hours.empty() && seeds) {
      throw CLI::ValidationError("--hours", "goes into the manifest of a shard made from a store: not with --seeds");
    }
    if (seeds) {
      for (const char* only_db : {"--all", "--where", "--shard", "--relevant", "--patch-format"}) {
        if (cmd->count(only_db) > 0) {
          throw CLI::ValidationError(
              "swerl export", std::string(only_db) + " selects from a store: not with --seeds");
        }
      }
    }
    if (flags->format != "shard" && flags->out.empty()) {
      throw CLI::ValidationError("swerl export", "--format " + flags->format + " needs --out FILE");
    }
    if (cmd->count("--data-source") > 0 && flags->format != "verl") {
      throw CLI::ValidationError("swerl export", "--data-source is for --format verl");
    }
    ctx.run = [flags, &ctx] { return RunExport(*flags, ctx); };
  });
}

}  // namespace swerl::tools

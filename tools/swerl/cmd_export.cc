// swerl export: the store's seeds as a shard (schemas/shard.md) or as NDJSON
// (schemas/records/seed.md). The step is curate::ExportSeeds (lib/swerl/
// curate/export.h); this file holds its flags, the output and the summary.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "command.h"
#include "swerl/curate/export.h"
#include "swerl/db/file_kind.h"
#include "swerl/io/atomic_file.h"
#include "swerl/io/output.h"
#include "swerl/shard/shard.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

namespace fs = std::filesystem;

struct ExportFlags {
  std::string db;
  std::string out;
  bool ndjson = false;
  bool all = false;
  std::string where;
  std::optional<store::RepoShard> shard;
  std::string relevant;
  std::string patch_format = "swerl";
  bool force = false;
};

// Whether --out may be written: a new path, or (with --force) an existing
// shard or empty file. Anything else that exists is refused whatever
// --force says: it is not ours to replace. Errors: kInvalidInput.
Status CheckOutAvailable(const std::string& out, bool force) {
  struct stat st;
  if (::stat(out.c_str(), &st) != 0) return OkStatus();  // new (or unreachable: the write says)
  if (!S_ISREG(st.st_mode)) {
    return Error(Code::kInvalidInput, "--out '" + out + "' exists and is not a regular file");
  }
  std::string what = "an empty file";
  bool shard = false;
  if (st.st_size > 0) {
    auto db = db::Db::Open(out, db::Db::Mode::kReadOnly);
    auto id = db ? db::IdentifyFile(&*db) : Result<db::FileIdentity>(db.error());
    shard = id && id->kind == &db::kShardKind;
    what = id ? db::DescribeFile(*id) : "a file that is not an SQLite database";
  }
  if (st.st_size > 0 && !shard) {
    return Error(Code::kInvalidInput, "--out '" + out + "' exists and is " + what +
                                          ": refusing to replace it, even with --force");
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

int RunExport(const ExportFlags& flags, Context& ctx) {
  ApplyCommonFlags(ctx, "export");
  auto& log = cli::Log::Get();
  std::vector<io::NamedPath> outputs = {{"--out", flags.out}};
  if (flags.ndjson) outputs.push_back({"standard output", "-"});
  if (!cli::DistinctFiles({{"--db", flags.db}}, outputs)) return cli::kExitError;
  if (!flags.out.empty()) {
    if (Status st = CheckOutAvailable(flags.out, flags.force); !st) {
      log.Error(st.error().message());
      return cli::kExitError;
    }
  }
  // Export only reads the store: it works on a read-only one.
  auto db = OpenStoreOrLog(flags.db, db::Db::Mode::kReadOnly);
  if (!db) return cli::kExitError;
  curate::SeedQuery query;
  query.where = flags.where;
  if (flags.shard) query.shard = *flags.shard;
  query.kept_only = !flags.all;
  query.relevant_source = flags.relevant;
  query.swebench_patches = flags.patch_format == "swebench";
  if (!flags.all) {
    auto decided = db->Prepare("SELECT count(*) FROM filter_decisions");
    if (!decided || !*decided->Step() || decided->Int(0) == 0) {
      log.Error("no filter decisions in '" + flags.db +
                "': run `swerl filter --db` first, or pass --all to export every instance");
      return cli::kExitError;
    }
  }

  // The shard is written under a name of its own beside --out and renamed
  // over it once complete: a failed export leaves --out as it was.
  std::unique_ptr<shard::ShardWriter> shard;
  std::unique_ptr<io::BufferedOutput> out;
  std::string temp;
  if (!flags.out.empty()) {
    auto name = io::UnusedTempPath(flags.out);
    if (!name) {
      log.Error(name.error().message());
      return cli::kExitError;
    }
    temp = *name;
    auto writer = shard::ShardWriter::Create(temp);
    if (!writer) {
      RemoveShardFiles(temp);
      log.Error(writer.error().message());
      return cli::kExitError;
    }
    shard = std::make_unique<shard::ShardWriter>(std::move(*writer));
  }
  if (flags.ndjson) out = std::make_unique<io::BufferedOutput>(STDOUT_FILENO, "stdout");
  std::string line;
  auto result = curate::ExportSeeds(&*db, query, [&](const shard::Seed& seed) -> Status {
    if (shard) SWERL_RETURN_IF_ERROR(shard->Add(seed));
    if (out) {
      line.clear();
      shard::AppendSeedJson(seed, &line);
      SWERL_RETURN_IF_ERROR(out->Write(line));
    }
    return OkStatus();
  });
  if (result && out) {
    if (Status st = out->Flush(); !st) result = std::move(st).error();
  }
  if (result && shard) {
    std::vector<std::pair<std::string, std::string>> meta = {
        {"source", flags.db},
        {"selection", flags.all ? "all assembled instances" : "kept by swerl filter --db"},
        {"where", flags.where},
        {"patch_format", flags.patch_format}};
    if (flags.shard) meta.emplace_back("shard", flags.shard->ToString());
    Status st = shard->Finish(meta);
    shard.reset();  // closes the file before it is renamed
    std::error_code ec;
    if (st) fs::rename(temp, flags.out, ec);
    if (!st) {
      result = std::move(st).error();
    } else if (ec) {
      result =
          Error(Code::kIo, "cannot rename '" + temp + "' to '" + flags.out + "': " + ec.message());
    } else if (Status synced = io::SyncParentDir(flags.out); !synced) {
      result = std::move(synced).error();
    }
  }
  if (!result) {
    shard.reset();
    if (!flags.out.empty()) RemoveShardFiles(temp);
    if (result.error().code() == Code::kCancelled) return cli::kExitOk;  // reader closed the pipe
    log.Error(result.error().message());
    return cli::kExitError;
  }
  std::string dropped;
  for (const auto& [why, n] : result->dropped) {
    dropped += ", " + cli::WithCommas(n) + " " + why;
  }
  log.Summary(cli::WithCommas(result->instances) + " seeds read, " +
              cli::WithCommas(result->exported) + " exported" + dropped +
              (flags.out.empty() ? "" : " -> " + flags.out));
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
    summary.Add("out", flags.out).Emit();
  }
  return cli::kExitOk;
}

}  // namespace

void RegisterExport(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* cmd = root.add_subcommand(
      "export",
      "Write the store's seeds, kept by `swerl filter --db`, as a shard for training "
      "(schemas/shard.md) and/or as NDJSON on stdout (schemas/records/seed.md), each with its "
      "SWE-RL prompt and a checked oracle answer");
  cmd->add_option("--db", flags->db, "The store")->required();
  cmd->add_option("--out", flags->out,
                  "The shard to write (written beside it, then renamed into place; an "
                  "existing shard only with --force)");
  cmd->add_flag("--force", flags->force,
                "Replace an existing shard at --out (never a store or another file)");
  cmd->add_flag("--ndjson", flags->ndjson, "Write the seeds as NDJSON on stdout");
  cmd->add_flag("--all", flags->all,
                "Every assembled instance, not only those swerl filter --db kept");
  cmd->add_option("--where", flags->where,
                  "SQL condition on the pull requests (columns of the view prs)");
  AddShardOption(cmd, &flags->shard, "seeds of repositories", /*recorded_in_store=*/false);
  cmd->add_option("--relevant", flags->relevant,
                  "Relevant files from this source of swerl relevant (default: llm where an "
                  "instance has them, else bm25)")
      ->check(CLI::IsMember({"bm25", "llm"}));
  cmd->add_option("--patch-format", flags->patch_format,
                  "patch/test_patch as swerl splits them (code vs test files, every file "
                  "kept) or as SWE-bench Lite/Verified ship them (no index lines, git's python "
                  "hunk context, the old split that drops non-.py files outside tests)")
      ->check(CLI::IsMember({"swerl", "swebench"}))
      ->capture_default_str();
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "Each seed's context is the merge-base contents of its changed code files (tests aside) "
      "and of its relevant files; its oracle, their contents after the change; its prompt, "
      "SWE-RL's user message over the context in path order. A seed is exported only when its "
      "oracle answer (the real change as SEARCH/REPLACE blocks) scores exactly 1.0 with the "
      "reward; the others are counted as no_oracle or inexpressible. Exit status: 0 on "
      "success; 2 on usage, database or I/O errors (no shard is left behind).");
  cmd->callback([flags, &ctx] {
    if (flags->out.empty() && !flags->ndjson) {
      throw CLI::ValidationError("swerl export", "give --out FILE, --ndjson, or both");
    }
    ctx.run = [flags, &ctx] { return RunExport(*flags, ctx); };
  });
}

}  // namespace swerl::tools

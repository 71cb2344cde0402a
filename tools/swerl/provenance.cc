#include "provenance.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "build_info.h"
#include "swerl/core/sha256.h"
#include "swerl/curate/filter_rules.h"
#include "swerl/curate/shard_manifest.h"
#include "swerl/gharchive/hour.h"
#include "swerl/io/atomic_file.h"
#include "swerl/io/input.h"
#include "swerl/json/json_writer.h"
#include "swerl/net/manifest.h"
#include "swerl/store/stage_runs.h"
#include "swerl/store/store.h"

namespace swerl::tools {

Status RecordStageRunOf(const std::vector<std::string>& argv, int exit_status) {
  // The command is the first word that is not an option (main's rule).
  size_t cmd_idx = 1;
  while (cmd_idx < argv.size() && argv[cmd_idx].starts_with("-")) ++cmd_idx;
  if (exit_status != 0) return OkStatus();  // a failed run may not have touched the store
  if (cmd_idx >= argv.size() || !store::IsRecordedStage(argv[cmd_idx])) return OkStatus();
  const std::vector<std::string> args(argv.begin() + static_cast<ptrdiff_t>(cmd_idx) + 1,
                                      argv.end());
  const std::string db_path = store::FlagValue(args, "--db");
  if (db_path.empty()) return OkStatus();  // filter without --db writes no store
  std::error_code ec;
  if (!std::filesystem::exists(db_path, ec)) return OkStatus();
  SWERL_ASSIGN_OR_RETURN(store::StageRun run,
                         store::NormalizeStageRun(argv[cmd_idx], args));
  if (run.stage == "filter" && !run.files.count("--rules")) {
    std::string preset = store::FlagValue(args, "--preset");
    if (preset.empty()) preset = "default";
    std::string text(curate::ShippedFilterFile(preset + ".toml"));
    if (!text.empty()) run.files["--preset"] = store::StageFile{Sha256::Hex(text), text};
  }
  SWERL_ASSIGN_OR_RETURN(db::Db db, store::OpenStore(db_path, db::Db::Mode::kReadWrite));
  if (Status st = store::RecordStageRun(&db, run); !st) {
    return std::move(st).error().With("recording the run in stage_runs");
  }
  return OkStatus();
}

Result<std::vector<std::pair<std::string, std::string>>> ExportManifestMeta(
    db::Db* store, const std::string& hours_dir, const std::vector<std::string>& export_argv,
    const std::vector<std::string>& seed_ids) {
  std::vector<net::ManifestEntry> hours;
  if (!hours_dir.empty()) {
    const std::string path =
        (std::filesystem::path(hours_dir) / net::Manifest::kFileName).string();
    SWERL_ASSIGN_OR_RETURN(auto in, io::OpenFile(path));
    SWERL_ASSIGN_OR_RETURN(std::string text, io::ReadAll(*in));
    // Latest line per hour wins (net/manifest.h), in time order once compacted.
    std::map<std::string, net::ManifestEntry> latest;
    std::vector<std::string> order;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      std::string_view line(text.data() + pos, end - pos);
      pos = end + 1;
      if (line.empty()) continue;
      auto entry = net::ParseManifestLine(line);
      if (!entry) return std::move(entry).error().With("reading '" + path + "'");
      if (!latest.count(entry->hour)) order.push_back(entry->hour);
      latest[entry->hour] = std::move(*entry);
    }
    for (const auto& hour : order) hours.push_back(latest[hour]);
    std::stable_sort(hours.begin(), hours.end(), [](const auto& a, const auto& b) {
      auto ha = gharchive::Hour::Parse(a.hour), hb = gharchive::Hour::Parse(b.hour);
      if (ha && hb) return ha->index() < hb->index();
      return static_cast<bool>(ha) && !hb;
    });
  }
  curate::ShardManifest m;
  m.swerl_version = SwerlVersion();
  m.swerl_git = SwerlGitRevision();
  SWERL_RETURN_IF_ERROR(curate::CollectManifestInputs(store, hours, &m));
  m.export_args = curate::NormalizeExportArgs(export_argv);
  m.seeds = seed_ids;
  return std::vector<std::pair<std::string, std::string>>{
      {"manifest", curate::ShardManifestJson(m)}, {"created_at", m.created_at}};
}

Result<std::pair<std::string, uint64_t>> HashFile(const std::string& path) {
  SWERL_ASSIGN_OR_RETURN(auto in, io::OpenFile(path, io::MapMode::kNever));
  Sha256 hash;
  uint64_t bytes = 0;
  std::string buf(1 << 16, '\0');
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(size_t n, in->Read(buf.data(), buf.size()));
    if (n == 0) break;
    hash.Update(std::string_view(buf.data(), n));
    bytes += n;
  }
  return std::make_pair(hash.HexDigest(), bytes);
}

Status WriteManifestFile(const std::string& path, const std::string& manifest_json,
                         const std::string& shard_path) {
  SWERL_ASSIGN_OR_RETURN(auto digest, HashFile(shard_path));
  std::string out;
  json::JsonWriter w(&out);
  w.BeginObject();
  w.Key("manifest");
  w.Raw(manifest_json);
  w.Key("shard");
  w.BeginObject();
  w.Key("bytes");
  w.Uint(digest.second);
  w.Key("sha256");
  w.String(digest.first);
  w.EndObject();
  w.EndObject();
  out.push_back('\n');
  return io::WriteFileAtomically(path, out);
}

Result<ManifestFile> ReadManifestFile(const std::string& path) {
  SWERL_ASSIGN_OR_RETURN(auto in, io::OpenFile(path, io::MapMode::kNever));
  SWERL_ASSIGN_OR_RETURN(std::string text, io::ReadAll(*in));
  auto bad = [&](std::string_view what) {
    return Error(Code::kCorrupt, "'" + path + "' is not a shard manifest file: " +
                                     std::string(what));
  };
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(text).get(root)) return bad("not a JSON object");
  simdjson::dom::element manifest;
  if (root["manifest"].get(manifest)) return bad("no 'manifest'");
  std::string_view sha;
  uint64_t bytes = 0;
  if (root["shard"]["sha256"].get(sha) || root["shard"]["bytes"].get(bytes)) {
    return bad("no 'shard' with 'sha256' and 'bytes'");
  }
  // Read back through the manifest's own parser and writer: the document is
  // canonical (sorted keys, fixed escapes), so this gives the bytes the
  // shard's meta holds.
  auto parsed = curate::ParseShardManifest(simdjson::minify(manifest));
  if (!parsed) return std::move(parsed).error().With("reading '" + path + "'");
  return ManifestFile{curate::ShardManifestJson(*parsed), bytes, std::string(sha)};
}

}  // namespace swerl::tools

#include "swerl/curate/shard_manifest.h"

#include <simdjson.h>

#include <algorithm>
#include <map>

#include "swerl/core/utc_time.h"
#include "swerl/gharchive/hour.h"
#include "swerl/json/json_writer.h"

namespace swerl::curate {
namespace {

void Strings(json::JsonWriter& w, const std::vector<std::string>& values) {
  w.BeginArray();
  for (const auto& v : values) w.String(v);
  w.EndArray();
}

// 'text' (built by appending: g++ 12 warns falsely, -Wrestrict, on
// "'" + std::string(...)).
std::string Quoted(std::string_view text) {
  std::string out(1, '\'');
  out.append(text);
  out.push_back('\'');
  return out;
}

Error Bad(std::string_view what) {
  return Error(Code::kCorrupt, "manifest: " + std::string(what));
}

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

Status GetString(object o, std::string_view key, std::string* out) {
  std::string_view s;
  if (o[key].get(s)) return Bad(Quoted(key) + " is missing or not a string");
  *out = std::string(s);
  return OkStatus();
}

Status GetInt(object o, std::string_view key, int64_t* out) {
  if (o[key].get(*out)) return Bad(Quoted(key) + " is missing or not an integer");
  return OkStatus();
}

Status GetStrings(element e, std::string_view what, std::vector<std::string>* out) {
  array a;
  if (e.get(a)) return Bad(Quoted(what) + " is not an array");
  for (element item : a) {
    std::string_view s;
    if (item.get(s)) return Bad(Quoted(what) + " holds a non-string");
    out->emplace_back(s);
  }
  return OkStatus();
}

Status GetStringsAt(object o, std::string_view key, std::string_view what,
                    std::vector<std::string>* out) {
  element e;
  if (o[key].get(e)) return Bad(Quoted(what) + " is missing");
  return GetStrings(e, what, out);
}

Result<array> GetArray(object o, std::string_view key) {
  array a;
  if (o[key].get(a)) return Bad(Quoted(key) + " is missing or not an array");
  return a;
}

}  // namespace

std::string ShardManifestJson(const ShardManifest& m) {
  std::string out;
  json::JsonWriter w(&out);
  w.BeginObject();  // keys in sorted order, at every level
  w.Key("api");
  w.BeginArray();
  for (const auto& item : m.api) {
    w.BeginObject();
    w.Key("etag");
    w.String(item.etag);
    w.Key("status");
    w.Int(item.status);
    w.Key("url");
    w.String(item.url);
    w.EndObject();
  }
  w.EndArray();
  w.Key("created_at");
  w.String(m.created_at);
  w.Key("export");
  w.BeginObject();
  w.Key("args");
  Strings(w, m.export_args);
  w.EndObject();
  w.Key("hours");
  w.BeginArray();
  for (const auto& h : m.hours) {
    w.BeginObject();
    w.Key("bytes");
    w.Uint(h.bytes);
    w.Key("hour");
    w.String(h.hour);
    w.Key("sha256");
    w.String(h.sha256);
    w.Key("status");
    w.String(h.status);
    w.Key("url");
    w.String(h.url);
    w.EndObject();
  }
  w.EndArray();
  w.Key("manifest_version");
  w.Int(m.version);
  w.Key("repos");
  w.BeginArray();
  for (const auto& r : m.repos) {
    w.BeginObject();
    w.Key("commits");
    Strings(w, r.commits);
    w.Key("name");
    w.String(r.name);
    w.Key("repo_id");
    w.Int(r.repo_id);
    w.Key("status");
    w.String(r.status);
    w.Key("url");
    w.String(r.url);
    w.EndObject();
  }
  w.EndArray();
  w.Key("seeds");
  Strings(w, m.seeds);
  w.Key("stages");
  w.BeginArray();
  for (const auto& s : m.stages) {
    w.BeginObject();
    w.Key("args");
    Strings(w, s.args);
    w.Key("files");
    w.BeginObject();
    for (const auto& [flag, file] : s.files) {
      w.Key(flag);
      w.BeginObject();
      w.Key("sha256");
      w.String(file.sha256);
      w.Key("text");
      w.String(file.text);
      w.EndObject();
    }
    w.EndObject();
    w.Key("stage");
    w.String(s.stage);
    w.EndObject();
  }
  w.EndArray();
  w.Key("swerl");
  w.BeginObject();
  w.Key("git");
  w.String(m.swerl_git);
  w.Key("version");
  w.String(m.swerl_version);
  w.EndObject();
  w.EndObject();
  return out;
}

Result<ShardManifest> ParseShardManifest(std::string_view json) {
  simdjson::dom::parser parser;
  object root;
  if (parser.parse(json.data(), json.size()).get(root)) return Bad("not a JSON object");
  ShardManifest m;
  int64_t version = 0;
  SWERL_RETURN_IF_ERROR(GetInt(root, "manifest_version", &version));
  if (version > kShardManifestVersion) {
    return Error(Code::kUnsupported, "manifest version " + std::to_string(version) +
                                         " is newer than this swerl's (" +
                                         std::to_string(kShardManifestVersion) + ")");
  }
  m.version = static_cast<int>(version);
  SWERL_RETURN_IF_ERROR(GetString(root, "created_at", &m.created_at));
  object swerl;
  if (root["swerl"].get(swerl)) return Bad("'swerl' is missing");
  SWERL_RETURN_IF_ERROR(GetString(swerl, "version", &m.swerl_version));
  SWERL_RETURN_IF_ERROR(GetString(swerl, "git", &m.swerl_git));
  object exp;
  if (root["export"].get(exp)) return Bad("'export' is missing");
  SWERL_RETURN_IF_ERROR(GetStringsAt(exp, "args", "export.args", &m.export_args));
  SWERL_RETURN_IF_ERROR(GetStringsAt(root, "seeds", "seeds", &m.seeds));

  SWERL_ASSIGN_OR_RETURN(array hours, GetArray(root, "hours"));
  for (element e : hours) {
    object o;
    if (e.get(o)) return Bad("an hour is not an object");
    ManifestHour h;
    int64_t bytes = 0;
    SWERL_RETURN_IF_ERROR(GetString(o, "hour", &h.hour));
    SWERL_RETURN_IF_ERROR(GetString(o, "status", &h.status));
    SWERL_RETURN_IF_ERROR(GetInt(o, "bytes", &bytes));
    SWERL_RETURN_IF_ERROR(GetString(o, "sha256", &h.sha256));
    SWERL_RETURN_IF_ERROR(GetString(o, "url", &h.url));
    h.bytes = static_cast<uint64_t>(bytes);
    m.hours.push_back(std::move(h));
  }
  SWERL_ASSIGN_OR_RETURN(array stages, GetArray(root, "stages"));
  for (element e : stages) {
    object o;
    if (e.get(o)) return Bad("a stage is not an object");
    store::StageRun s;
    SWERL_RETURN_IF_ERROR(GetString(o, "stage", &s.stage));
    SWERL_RETURN_IF_ERROR(GetStringsAt(o, "args", "stages.args", &s.args));
    object files;
    if (o["files"].get(files)) return Bad("stage '" + s.stage + "' lacks files");
    for (auto [flag, value] : files) {
      object f;
      if (value.get(f)) return Bad("stage '" + s.stage + "' file is not an object");
      store::StageFile file;
      SWERL_RETURN_IF_ERROR(GetString(f, "sha256", &file.sha256));
      SWERL_RETURN_IF_ERROR(GetString(f, "text", &file.text));
      s.files[std::string(flag)] = std::move(file);
    }
    m.stages.push_back(std::move(s));
  }
  SWERL_ASSIGN_OR_RETURN(array repos, GetArray(root, "repos"));
  for (element e : repos) {
    object o;
    if (e.get(o)) return Bad("a repository is not an object");
    ManifestRepo r;
    SWERL_RETURN_IF_ERROR(GetInt(o, "repo_id", &r.repo_id));
    SWERL_RETURN_IF_ERROR(GetString(o, "name", &r.name));
    SWERL_RETURN_IF_ERROR(GetString(o, "url", &r.url));
    SWERL_RETURN_IF_ERROR(GetString(o, "status", &r.status));
    SWERL_RETURN_IF_ERROR(GetStringsAt(o, "commits", "repos.commits", &r.commits));
    m.repos.push_back(std::move(r));
  }
  SWERL_ASSIGN_OR_RETURN(array api, GetArray(root, "api"));
  for (element e : api) {
    object o;
    if (e.get(o)) return Bad("an api item is not an object");
    ManifestApiItem item;
    SWERL_RETURN_IF_ERROR(GetString(o, "url", &item.url));
    SWERL_RETURN_IF_ERROR(GetString(o, "etag", &item.etag));
    SWERL_RETURN_IF_ERROR(GetInt(o, "status", &item.status));
    m.api.push_back(std::move(item));
  }
  return m;
}

Status CollectManifestInputs(db::Db* store, const std::vector<net::ManifestEntry>& hours,
                             ShardManifest* m) {
  m->hours.clear();
  int64_t newest_hour = INT64_MIN;
  for (const auto& e : hours) {
    if (e.status == net::EntryStatus::kFailed) continue;
    m->hours.push_back({e.hour, std::string(net::EntryStatusName(e.status)), e.bytes, e.sha256,
                        e.url});
    auto h = gharchive::Hour::Parse(e.hour);
    if (h && e.status == net::EntryStatus::kOk) newest_hour = std::max(newest_hour, h->index());
  }
  SWERL_ASSIGN_OR_RETURN(m->stages, store::ListStageRuns(store));

  m->repos.clear();
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt repos,
      store->Prepare("SELECT repo_id, coalesce(repo, ''), coalesce(url, ''), status "
                     "FROM repo_clones ORDER BY repo_id"));
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt commits,
      store->Prepare("SELECT c FROM (SELECT merge_base AS c FROM instances WHERE repo_id = ?1 "
                     "AND status = 'assembled' UNION SELECT head_commit FROM instances "
                     "WHERE repo_id = ?1 AND status = 'assembled') WHERE c IS NOT NULL "
                     "ORDER BY c"));
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, repos.Step());
    if (!row) break;
    ManifestRepo r;
    r.repo_id = repos.Int(0);
    r.name = std::string(repos.Text(1));
    r.url = std::string(repos.Text(2));
    r.status = std::string(repos.Text(3));
    commits.Reset();
    commits.BindInt(1, r.repo_id);
    for (;;) {
      SWERL_ASSIGN_OR_RETURN(bool c, commits.Step());
      if (!c) break;
      r.commits.emplace_back(commits.Text(0));
    }
    m->repos.push_back(std::move(r));
  }

  m->api.clear();
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt api, store->Prepare("SELECT url, coalesce(etag, ''), coalesce(status, 0) "
                                   "FROM api_fetches ORDER BY url"));
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, api.Step());
    if (!row) break;
    m->api.push_back({std::string(api.Text(0)), std::string(api.Text(1)), api.Int(2)});
  }

  if (newest_hour != INT64_MIN) {
    m->created_at = FormatUtc((newest_hour + 1) * 3600);
  } else {
    SWERL_ASSIGN_OR_RETURN(db::Stmt q,
                           store->Prepare("SELECT coalesce(max(created_at), '') FROM pull_requests"));
    SWERL_ASSIGN_OR_RETURN(bool row, q.Step());
    m->created_at = row ? std::string(q.Text(0)) : "";
  }
  return OkStatus();
}

std::vector<std::string> NormalizeExportArgs(const std::vector<std::string>& argv) {
  std::vector<std::string> args;
  for (size_t arg_idx = 0; arg_idx < argv.size(); ++arg_idx) {
    std::string flag = argv[arg_idx];
    bool inline_value = false;
    if (flag.starts_with("--")) {
      if (size_t eq = flag.find('='); eq != std::string::npos) {
        flag.resize(eq);
        inline_value = true;
      }
    }
    // Paths, and -j (Parquet encoding threads: the same bytes for any number).
    const bool path_option = flag == "--db" || flag == "--out" || flag == "--manifest" ||
                             flag == "--hours" || flag == "-j" || flag == "--jobs";
    if (flag.size() > 2 && flag.starts_with("-j") && flag[2] != '-') continue;  // -j4
    const bool dropped_switch = flag == "--force" || flag == "--ndjson" || flag == "-q" ||
                                flag == "--quiet" || flag == "--verbose" ||
                                flag == "--progress" || flag == "--no-progress" ||
                                flag == "--json" ||
                                (flag.size() >= 2 && flag[0] == '-' && flag[1] == 'v' &&
                                 flag.find_first_not_of('v', 1) == std::string::npos);
    if (path_option) {
      if (!inline_value) ++arg_idx;
      continue;
    }
    if (dropped_switch) continue;
    args.push_back(argv[arg_idx]);
  }
  return args;
}

}  // namespace swerl::curate

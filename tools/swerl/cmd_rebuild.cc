// swerl rebuild: reruns the pipeline that made a shard from the inputs its
// manifest records (schemas/manifest.md) into a work directory, verifying
// each input on the way (the GH Archive hours' sha256, the REST items'
// ETags, the commit ids of the mirrors), and compares the new shard with the
// recorded one byte for byte. The stages run as child processes of this
// binary (the same swerl), with the recorded arguments.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "build_info.h"
#include "command.h"
#include "provenance.h"
#include "swerl/cli/paths.h"
#include "swerl/core/sha256.h"
#include "swerl/curate/filter_rules.h"
#include "swerl/curate/shard_manifest.h"
#include "swerl/gharchive/hour.h"
#include "swerl/git/git_handles.h"
#include "swerl/git/mirror.h"
#include "swerl/io/atomic_file.h"
#include "swerl/net/manifest.h"
#include "swerl/shard/shard.h"
#include "swerl/store/stage_runs.h"
#include "swerl/store/store.h"

extern char** environ;

namespace swerl::tools {
namespace {

namespace fs = std::filesystem;

struct RebuildFlags {
  std::string manifest;  // a manifest file of export --manifest, or a shard
  std::string workdir;
  std::string gharchive_url;
  std::string api_url;
  std::string git_url_template;
};

// Runs this swerl with `args` (after the program name); stdout goes to
// `stdout_path` when given. Returns the exit status (128 + signal when
// killed). Errors: kIo (the spawn failed).
Result<int> RunSwerl(const std::vector<std::string>& args, const std::string& stdout_path = "") {
  std::vector<std::string> full = {"/proc/self/exe"};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> cargs;
  for (auto& a : full) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!stdout_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, cargs.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return Error(Code::kIo, "cannot run 'swerl " + (args.empty() ? "" : args[0]) +
                                "': " + std::strerror(rc));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error(Code::kIo, std::string("waitpid: ") + std::strerror(errno));
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

std::string Join(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

// The manifest and the shard's expected sha256: from a manifest file, or
// from a shard (its meta "manifest"; the sha256 is the shard file's).
struct Recorded {
  curate::ShardManifest manifest;
  std::string manifest_json;
  std::string shard_sha256;
};

Result<Recorded> ReadRecorded(const std::string& path) {
  Recorded r;
  auto shard = shard::ShardReader::Open(path);
  if (shard) {
    SWERL_ASSIGN_OR_RETURN(r.manifest_json, shard->Meta("manifest"));
    if (r.manifest_json.empty()) {
      return Error(Code::kInvalidInput,
                   "'" + path + "' is a shard without a manifest (made before swerl recorded one)");
    }
    SWERL_ASSIGN_OR_RETURN(auto digest, HashFile(path));
    r.shard_sha256 = digest.first;
  } else {
    SWERL_ASSIGN_OR_RETURN(ManifestFile file, ReadManifestFile(path));
    r.manifest_json = std::move(file.manifest_json);
    r.shard_sha256 = std::move(file.shard_sha256);
  }
  SWERL_ASSIGN_OR_RETURN(r.manifest, curate::ParseShardManifest(r.manifest_json));
  return r;
}

// Fetches the recorded hours into dir/hours, one swerl fetch per run of
// consecutive hours, and checks each against the record: an ok hour must
// come back with its sha256. Errors: kCorrupt naming the hour.
Status FetchHours(const curate::ShardManifest& m, const RebuildFlags& flags,
                  const std::string& hours_dir, const std::vector<std::string>& quiet) {
  std::vector<std::pair<int64_t, const curate::ManifestHour*>> hours;
  for (const auto& h : m.hours) {
    SWERL_ASSIGN_OR_RETURN(gharchive::Hour hour, gharchive::Hour::Parse(h.hour));
    hours.emplace_back(hour.index(), &h);
  }
  auto base_of = [&](const curate::ManifestHour& h) {
    if (!flags.gharchive_url.empty()) return flags.gharchive_url;
    const std::string& url = h.url;
    return url.ends_with("/" + h.hour) ? url.substr(0, url.size() - h.hour.size() - 1) : url;
  };
  auto arg_of = [](const std::string& file) {
    return file.ends_with(".json.gz") ? file.substr(0, file.size() - 8) : file;
  };
  for (size_t first = 0; first < hours.size();) {
    size_t last = first;
    while (last + 1 < hours.size() && hours[last + 1].first == hours[last].first + 1 &&
           base_of(*hours[last + 1].second) == base_of(*hours[first].second)) {
      ++last;
    }
    std::vector<std::string> args = {"fetch", "--from", arg_of(hours[first].second->hour),
                                     "--to", arg_of(hours[last].second->hour), "--dir", hours_dir,
                                     "--base-url", base_of(*hours[first].second)};
    args.insert(args.end(), quiet.begin(), quiet.end());
    SWERL_ASSIGN_OR_RETURN(int status, RunSwerl(args));
    if (status != 0) {
      return Error(Code::kIo, "swerl " + Join(args) + " exited " + std::to_string(status));
    }
    first = last + 1;
  }
  SWERL_ASSIGN_OR_RETURN(net::Manifest fetched,
                         net::Manifest::Open((fs::path(hours_dir) / net::Manifest::kFileName)));
  for (const auto& h : m.hours) {
    const net::ManifestEntry* got = fetched.Find(h.hour);
    const std::string status = got ? std::string(net::EntryStatusName(got->status)) : "absent";
    if (h.status == "ok" && (!got || got->status != net::EntryStatus::kOk)) {
      return Error(Code::kCorrupt, "hour '" + h.hour + "' is " + status +
                                       " now, recorded ok with sha256 " + h.sha256);
    }
    if (h.status == "ok" && got->sha256 != h.sha256) {
      return Error(Code::kCorrupt, "hour '" + h.hour + "' has sha256 " + got->sha256 +
                                       ", recorded " + h.sha256 + " (the source changed)");
    }
    if (h.status == "missing" && got && got->status == net::EntryStatus::kOk) {
      cli::Log::Get().Warning("hour '" + h.hour +
                              "' exists now but was missing when recorded: left out");
    }
  }
  return OkStatus();
}

// The recorded hours as a fetch manifest of their own, for the export's
// --hours: the shard records where the hours came from originally.
Status WriteRecordedHours(const curate::ShardManifest& m, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::string text;
  for (const auto& h : m.hours) {
    net::ManifestEntry e;
    e.hour = h.hour;
    e.status = h.status == "ok" ? net::EntryStatus::kOk : net::EntryStatus::kMissing;
    e.bytes = h.bytes;
    e.sha256 = h.sha256;
    e.url = h.url;
    text += net::FormatManifestLine(e);
  }
  return io::WriteFileAtomically((fs::path(dir) / net::Manifest::kFileName).string(), text);
}

// The recorded stage's arguments for this work directory.
Result<std::vector<std::string>> StageArgs(const store::StageRun& run, const RebuildFlags& flags,
                                           const std::string& workdir) {
  std::vector<std::string> args = {run.stage};
  for (size_t arg_idx = 0; arg_idx < run.args.size(); ++arg_idx) {
    const std::string& arg = run.args[arg_idx];
    const bool has_next = arg_idx + 1 < run.args.size();
    if (arg == "--url-template" && has_next && !flags.git_url_template.empty()) {
      args.insert(args.end(), {arg, flags.git_url_template});
      ++arg_idx;
    } else if (arg == "--api-url" && has_next && !flags.api_url.empty()) {
      args.insert(args.end(), {arg, flags.api_url});
      ++arg_idx;
    } else if (arg == "{db}") {
      args.push_back((fs::path(workdir) / "swerl.db").string());
    } else if (arg == "{repos}") {
      args.push_back((fs::path(workdir) / "repos").string());
    } else if (arg == "{rules}") {
      auto it = run.files.find("--rules");
      if (it == run.files.end()) {
        return Error(Code::kCorrupt, "stage " + run.stage + ": --rules without its text");
      }
      if (Sha256::Hex(it->second.text) != it->second.sha256) {
        return Error(Code::kCorrupt, "stage " + run.stage + ": the rules text does not match its sha256");
      }
      const std::string path = (fs::path(workdir) / (run.stage + "-rules.toml")).string();
      SWERL_RETURN_IF_ERROR(io::WriteFileAtomically(path, it->second.text));
      args.push_back(path);
    } else {
      args.push_back(arg);
    }
  }
  if (run.stage == "enrich" && flags.api_url.empty() == false &&
      std::find(run.args.begin(), run.args.end(), "--api-url") == run.args.end()) {
    args.insert(args.end(), {"--api-url", flags.api_url});
  }
  if (auto it = run.files.find("--preset"); it != run.files.end()) {
    std::string preset = store::FlagValue(run.args, "--preset");
    if (preset.empty()) preset = "default";
    if (Sha256::Hex(curate::ShippedFilterFile(preset + ".toml")) != it->second.sha256) {
      return Error(Code::kCorrupt, "stage " + run.stage + ": preset '" + preset +
                                       "' of this swerl differs from the one recorded (sha256 " +
                                       it->second.sha256 + ")");
    }
  }
  return args;
}

// The REST API's base URL as recorded (enrich's --api-url, else its
// default) and as this rebuild uses it: api_fetches' URLs start with it.
struct ApiBases {
  std::string recorded, now;
};

ApiBases ApiBasesOf(const curate::ShardManifest& m, const RebuildFlags& flags) {
  ApiBases b{"https://api.github.com", ""};
  for (const auto& run : m.stages) {
    if (run.stage == "enrich") {
      if (std::string url = store::FlagValue(run.args, "--api-url"); !url.empty()) b.recorded = url;
    }
  }
  b.now = flags.api_url.empty() ? b.recorded : flags.api_url;
  return b;
}

// `url` with the base `from` replaced by `to` (unchanged when it does not
// start with `from`).
std::string Rebase(const std::string& url, const std::string& from, const std::string& to) {
  return url.starts_with(from) ? to + url.substr(from.size()) : url;
}

// After the stages: every recorded REST item must have been fetched again
// with the recorded status and ETag, and every recorded commit must be in
// the new mirror. Errors: kCorrupt naming the item.
Status VerifySources(const curate::ShardManifest& m, const ApiBases& bases, db::Db* db,
                     const std::string& repos_dir) {
  std::map<std::string, std::pair<std::string, int64_t>> fetched;
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt api,
      db->Prepare("SELECT url, coalesce(etag, ''), coalesce(status, 0) FROM api_fetches"));
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, api.Step());
    if (!row) break;
    fetched[std::string(api.Text(0))] = {std::string(api.Text(1)), api.Int(2)};
  }
  for (const auto& item : m.api) {
    auto it = fetched.find(Rebase(item.url, bases.recorded, bases.now));
    if (it == fetched.end()) {
      return Error(Code::kCorrupt, "REST item '" + item.url + "' was not fetched again");
    }
    if (it->second.second != item.status) {
      return Error(Code::kCorrupt, "REST item '" + item.url + "' answered HTTP " +
                                       std::to_string(it->second.second) + ", recorded " +
                                       std::to_string(item.status) + " (the source changed)");
    }
    if (it->second.first != item.etag) {
      return Error(Code::kCorrupt, "REST item '" + item.url + "' has ETag " + it->second.first +
                                       ", recorded " + item.etag + " (the source changed)");
    }
  }
  if (fetched.size() != m.api.size()) {
    return Error(Code::kCorrupt, "the REST API gave " + std::to_string(fetched.size()) +
                                     " items, " + std::to_string(m.api.size()) + " recorded");
  }
  for (const auto& repo : m.repos) {
    if (repo.commits.empty()) continue;
    auto mirror = git::OpenMirror(repos_dir, repo.name, repo.repo_id);
    if (!mirror) {
      return Error(Code::kCorrupt, "repository '" + repo.name + "': no mirror (" +
                                       mirror.error().message() + "), recorded commits " +
                                       repo.commits.front() + " ...");
    }
    for (const auto& sha : repo.commits) {
      git_oid oid;
      git_commit* commit = nullptr;
      if (git_oid_fromstr(&oid, sha.c_str()) != 0 ||
          git_commit_lookup(&commit, mirror->get(), &oid) != 0) {
        return Error(Code::kCorrupt, "repository '" + repo.name + "': commit " + sha +
                                         " is missing from the mirror (recorded)");
      }
      git_commit_free(commit);
    }
  }
  return OkStatus();
}

// Puts the recorded provenance into the new store, where this rebuild used
// other servers: the stage command lines and the clone URLs as recorded
// (the data was verified the same by sha256, ETags and commit ids).
Status RestoreProvenance(const curate::ShardManifest& m, const ApiBases& bases, db::Db* db) {
  SWERL_RETURN_IF_ERROR(db->Exec("DELETE FROM stage_runs"));
  if (bases.now != bases.recorded) {
    SWERL_ASSIGN_OR_RETURN(
        db::Stmt rebase,
        db->Prepare("UPDATE api_fetches SET url = ?1 || substr(url, length(?2) + 1) "
                    "WHERE substr(url, 1, length(?2)) = ?2"));
    rebase.BindText(1, bases.recorded);
    rebase.BindText(2, bases.now);
    SWERL_RETURN_IF_ERROR(rebase.Run());
  }
  for (const auto& run : m.stages) SWERL_RETURN_IF_ERROR(store::RecordStageRun(db, run));
  SWERL_ASSIGN_OR_RETURN(db::Stmt url,
                         db->Prepare("UPDATE repo_clones SET url = ? WHERE repo_id = ?"));
  for (const auto& repo : m.repos) {
    url.BindText(1, repo.url);
    url.BindInt(2, repo.repo_id);
    SWERL_RETURN_IF_ERROR(url.Run());
  }
  return OkStatus();
}

int RunRebuild(const RebuildFlags& flags, Context& ctx) {
  ApplyCommonFlags(ctx, "rebuild");
  auto& log = cli::Log::Get();
  auto fail = [&](const Error& e) {
    log.Error(e.message());
    return cli::kExitError;
  };
  const fs::path work = flags.workdir;
  // The rebuild replaces the work directory's store and shard: the manifest
  // (or the shard given as one) must not be one of them.
  if (!cli::DistinctFiles({{"manifest", flags.manifest}},
                          {{"--workdir", flags.workdir},
                           {"the rebuilt store", (work / "swerl.db").string()},
                           {"the rebuilt shard", (work / "shard.db").string()},
                           {"the rebuilt manifest", (work / "manifest.json").string()}})) {
    return cli::kExitError;
  }
  auto recorded = ReadRecorded(flags.manifest);
  if (!recorded) return fail(recorded.error());
  const curate::ShardManifest& m = recorded->manifest;
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec) return fail(Error(Code::kIo, "cannot create '" + flags.workdir + "': " + ec.message()));
  const std::string db_path = (work / "swerl.db").string();
  const std::string shard_path = (work / "shard.db").string();
  // A rebuild starts from a new store; hours and mirrors already in the work
  // directory are reused (fetch re-hashes the hours, clone updates mirrors).
  for (const std::string& p : {db_path, db_path + "-wal", db_path + "-shm", shard_path}) {
    fs::remove(p, ec);
  }
  const std::vector<std::string> quiet = {ctx.verbose > 0 ? "-v" : "-q"};
  if (m.swerl_version != SwerlVersion() || m.swerl_git != SwerlGitRevision()) {
    log.Warning("the shard was made by swerl " + m.swerl_version + " (" + m.swerl_git +
                "), this is " + SwerlVersion() + " (" + SwerlGitRevision() +
                "): the bytes may differ");
  }

  log.Info("fetching " + std::to_string(m.hours.size()) + " hours");
  const std::string hours_dir = (work / "hours").string();
  if (Status st = FetchHours(m, flags, hours_dir, quiet); !st) return fail(st.error());
  std::vector<std::string> events = {"events"};
  events.insert(events.end(), quiet.begin(), quiet.end());
  for (const auto& h : m.hours) {
    if (h.status == "ok") events.push_back((fs::path(hours_dir) / h.hour).string());
  }
  const std::string events_path = (work / "events.ndjson").string();
  auto run_checked = [&](const std::vector<std::string>& args, int want,
                         const std::string& out = "") -> Status {
    log.Info("swerl " + Join(args));
    SWERL_ASSIGN_OR_RETURN(int status, RunSwerl(args, out));
    if (status != want) {
      return Error(Code::kExternal, "swerl " + Join(args) + " exited " + std::to_string(status) +
                                        (want == 0 ? "" : ", recorded " + std::to_string(want)));
    }
    return OkStatus();
  };
  if (Status st = run_checked(events, 0, events_path); !st) return fail(st.error());
  std::vector<std::string> ingest = {"ingest", "--db", db_path, events_path};
  ingest.insert(ingest.end(), quiet.begin(), quiet.end());
  if (Status st = run_checked(ingest, 0); !st) return fail(st.error());

  for (const auto& run : m.stages) {
    auto args = StageArgs(run, flags, work.string());
    if (!args) return fail(args.error());
    args->insert(args->end(), quiet.begin(), quiet.end());
    if (Status st = run_checked(*args, 0); !st) return fail(st.error());
  }
  {
    auto db = store::OpenStore(db_path, db::Db::Mode::kReadWrite);
    if (!db) return fail(db.error());
    git::GitGlobal git;
    if (Status st = git.status(); !st) return fail(st.error());
    const ApiBases bases = ApiBasesOf(m, flags);
    if (Status st = VerifySources(m, bases, &*db, (work / "repos").string()); !st) {
      return fail(st.error());
    }
    if (Status st = RestoreProvenance(m, bases, &*db); !st) return fail(st.error());
  }
  const std::string recorded_hours = (work / "recorded-hours").string();
  if (Status st = WriteRecordedHours(m, recorded_hours); !st) return fail(st.error());
  std::vector<std::string> exp = {"export", "--db", db_path, "--out", shard_path,
                                  "--manifest", (work / "manifest.json").string()};
  if (!m.hours.empty()) exp.insert(exp.end(), {"--hours", recorded_hours});
  exp.insert(exp.end(), m.export_args.begin(), m.export_args.end());
  exp.insert(exp.end(), quiet.begin(), quiet.end());
  if (Status st = run_checked(exp, 0); !st) return fail(st.error());

  auto rebuilt = ReadRecorded(shard_path);
  if (!rebuilt) return fail(rebuilt.error());
  const bool same_seeds = rebuilt->manifest.seeds == m.seeds;
  const bool same_bytes = rebuilt->shard_sha256 == recorded->shard_sha256;
  if (!same_seeds) {
    size_t k = 0;
    while (k < m.seeds.size() && k < rebuilt->manifest.seeds.size() &&
           m.seeds[k] == rebuilt->manifest.seeds[k]) {
      ++k;
    }
    log.Error("the seeds differ from seed " + std::to_string(k) + ": recorded " +
              std::to_string(m.seeds.size()) + " (" + (k < m.seeds.size() ? m.seeds[k] : "end") +
              "), rebuilt " + std::to_string(rebuilt->manifest.seeds.size()) + " (" +
              (k < rebuilt->manifest.seeds.size() ? rebuilt->manifest.seeds[k] : "end") + ")");
  } else if (!same_bytes) {
    log.Error("the rebuilt shard '" + shard_path + "' has sha256 " + rebuilt->shard_sha256 +
              ", recorded " + recorded->shard_sha256 +
              (rebuilt->manifest_json == recorded->manifest_json ? " (same seeds and manifest)"
                                                                 : " (the manifests differ)"));
  }
  log.Summary(std::to_string(m.hours.size()) + " hours, " + std::to_string(m.repos.size()) +
              " repositories, " + std::to_string(m.api.size()) + " REST items verified; " +
              std::to_string(rebuilt->manifest.seeds.size()) + " seeds; shard " +
              (same_bytes ? "byte-identical" : "DIFFERENT") + " (sha256 " +
              rebuilt->shard_sha256 + ") -> " + shard_path);
  if (ctx.json) {
    cli::JsonSummary summary;
    summary.Add("hours", static_cast<uint64_t>(m.hours.size()))
        .Add("repos", static_cast<uint64_t>(m.repos.size()))
        .Add("api_items", static_cast<uint64_t>(m.api.size()))
        .Add("seeds", static_cast<uint64_t>(rebuilt->manifest.seeds.size()))
        .Add("identical", same_bytes)
        .Add("sha256", rebuilt->shard_sha256)
        .Add("out", shard_path)
        .Emit();
  }
  return same_bytes && same_seeds ? cli::kExitOk : cli::kExitError;
}

}  // namespace

void RegisterRebuild(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<RebuildFlags>();
  CLI::App* cmd = root.add_subcommand(
      "rebuild",
      "Rerun the pipeline that made a shard from the inputs its manifest records "
      "(schemas/manifest.md), verifying each, and check that the new shard is byte-identical");
  cmd->add_option("manifest", flags->manifest,
                  "The manifest file of swerl export --manifest (or the shard itself)")
      ->required();
  cmd->add_option("--workdir", flags->workdir,
                  "Directory for the rebuild: hours/, repos/, swerl.db, shard.db, manifest.json "
                  "(hours and mirrors already there are reused and re-verified)")
      ->required();
  cmd->add_option("--gharchive-url", flags->gharchive_url,
                  "Fetch the hours from here instead of the recorded base URL");
  cmd->add_option("--api-url", flags->api_url, "Run swerl enrich against this REST API instead");
  cmd->add_option("--git-url-template", flags->git_url_template,
                  "Clone from this URL template instead of the recorded one (swerl clone's "
                  "--url-template)");
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "Exit status: 0 when the rebuilt shard is byte-identical to the recorded one (the sha256 "
      "next to the manifest file, or the given shard's); 2 otherwise: an input that changed (an "
      "hour's sha256, a REST item's ETag, a missing commit, each named), a stage that failed, or "
      "a shard that differs.");
  cmd->callback([flags, &ctx] { ctx.run = [flags, &ctx] { return RunRebuild(*flags, ctx); }; });
}

}  // namespace swerl::tools

#include "swerl/store/stage_runs.h"

#include <simdjson.h>

#include <algorithm>

#include "swerl/core/sha256.h"
#include "swerl/io/input.h"
#include "swerl/json/json_writer.h"

namespace swerl::store {
namespace {

// Flags without a value that change nothing in the store.
bool IsDroppedSwitch(std::string_view arg) {
  if (arg == "-q" || arg == "--quiet" || arg == "--verbose" || arg == "--progress" ||
      arg == "--no-progress" || arg == "--json") {
    return true;
  }
  // -v, -vv, ...
  return arg.size() >= 2 && arg[0] == '-' && arg[1] == 'v' &&
         arg.find_first_not_of('v', 1) == std::string_view::npos;
}

// Flags with a value that change nothing in the store. --shard K/N: the N
// shards of a run together do what one run without it does.
bool IsDroppedOption(std::string_view flag) {
  return flag == "-j" || flag == "--jobs" || flag == "--explain" || flag == "--shard";
}

Error Bad(std::string_view what) {
  return Error(Code::kCorrupt, "stage_runs: " + std::string(what));
}

}  // namespace

const std::vector<std::string>& RecordedStages() {
  static const std::vector<std::string> kStages = {"link",     "enrich",  "clone", "assemble",
                                                    "relevant", "license", "filter"};
  return kStages;
}

bool IsRecordedStage(std::string_view stage) {
  const auto& stages = RecordedStages();
  return std::find(stages.begin(), stages.end(), stage) != stages.end();
}

std::string FlagValue(const std::vector<std::string>& argv, std::string_view flag) {
  std::string value;
  for (size_t arg_idx = 0; arg_idx < argv.size(); ++arg_idx) {
    std::string_view arg = argv[arg_idx];
    if (arg == flag && arg_idx + 1 < argv.size()) {
      value = argv[++arg_idx];
    } else if (arg.size() > flag.size() && arg.substr(0, flag.size()) == flag &&
               arg[flag.size()] == '=') {
      value = std::string(arg.substr(flag.size() + 1));
    }
  }
  return value;
}

Result<StageRun> NormalizeStageRun(std::string_view stage, const std::vector<std::string>& argv) {
  StageRun run;
  run.stage = std::string(stage);
  for (size_t arg_idx = 0; arg_idx < argv.size(); ++arg_idx) {
    std::string flag = argv[arg_idx];
    std::optional<std::string> value;
    if (flag.size() > 2 && flag.starts_with("--")) {
      if (size_t eq = flag.find('='); eq != std::string::npos) {
        value = flag.substr(eq + 1);
        flag.resize(eq);
      }
    }
    if (IsDroppedSwitch(flag)) continue;
    if (flag.size() > 2 && flag.starts_with("-j") && flag[2] != '-') continue;  // -j4
    const bool takes_value = IsDroppedOption(flag) || flag == "--db" || flag == "--repos" ||
                             flag == "--rules";
    if (takes_value && !value) {
      if (arg_idx + 1 < argv.size()) value = argv[++arg_idx];
      else value = "";
    }
    if (IsDroppedOption(flag)) continue;
    if (flag == "--db" || flag == "--repos" || flag == "--rules") {
      std::string placeholder(1, '{');  // "{db}"; appended: see Quoted in shard_manifest.cc
      placeholder.append(flag, 2);
      placeholder.push_back('}');
      if (flag == "--rules") {
        SWERL_ASSIGN_OR_RETURN(auto in, io::OpenFile(*value));
        SWERL_ASSIGN_OR_RETURN(std::string text, io::ReadAll(*in));
        run.files[flag] = StageFile{Sha256::Hex(text), std::move(text)};
      }
      run.args.push_back(flag);
      run.args.push_back(placeholder);
      continue;
    }
    run.args.push_back(flag);
    if (value) run.args.push_back(*value);
  }
  return run;
}

std::string StageArgsJson(const std::vector<std::string>& args) {
  std::string out;
  json::JsonWriter w(&out);
  w.BeginArray();
  for (const auto& arg : args) w.String(arg);
  w.EndArray();
  return out;
}

std::string StageFilesJson(const std::map<std::string, StageFile>& files) {
  std::string out;
  json::JsonWriter w(&out);
  w.BeginObject();
  for (const auto& [flag, file] : files) {
    w.Key(flag);
    w.BeginObject();
    w.Key("sha256");
    w.String(file.sha256);
    w.Key("text");
    w.String(file.text);
    w.EndObject();
  }
  w.EndObject();
  return out;
}

Result<std::vector<std::string>> ParseStageArgsJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parser.parse(json.data(), json.size()).get(array)) return Bad("args is not a JSON array");
  std::vector<std::string> args;
  for (simdjson::dom::element e : array) {
    std::string_view s;
    if (e.get(s)) return Bad("args holds a non-string");
    args.emplace_back(s);
  }
  return args;
}

Result<std::map<std::string, StageFile>> ParseStageFilesJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(json.data(), json.size()).get(object)) return Bad("files is not a JSON object");
  std::map<std::string, StageFile> files;
  for (auto [key, value] : object) {
    std::string_view sha, text;
    if (value["sha256"].get(sha) || value["text"].get(text)) {
      return Bad("files['" + std::string(key) + "'] lacks sha256 or text");
    }
    files[std::string(key)] = StageFile{std::string(sha), std::string(text)};
  }
  return files;
}

Status RecordStageRun(db::Db* db, const StageRun& run) {
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt put,
      db->Prepare("INSERT OR REPLACE INTO stage_runs(stage, args, files) VALUES (?, ?, ?)"));
  put.BindText(1, run.stage);
  put.BindText(2, StageArgsJson(run.args));
  put.BindText(3, StageFilesJson(run.files));
  return put.Run();
}

Result<std::vector<StageRun>> ListStageRuns(db::Db* db) {
  SWERL_ASSIGN_OR_RETURN(db::Stmt q,
                         db->Prepare("SELECT stage, args, files FROM stage_runs"));
  std::vector<StageRun> runs;
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    StageRun run;
    run.stage = std::string(q.Text(0));
    SWERL_ASSIGN_OR_RETURN(run.args, ParseStageArgsJson(q.Text(1)));
    SWERL_ASSIGN_OR_RETURN(run.files, ParseStageFilesJson(q.Text(2)));
    runs.push_back(std::move(run));
  }
  const auto& order = RecordedStages();
  auto rank = [&](const StageRun& r) {
    return std::find(order.begin(), order.end(), r.stage) - order.begin();
  };
  std::stable_sort(runs.begin(), runs.end(), [&](const StageRun& a, const StageRun& b) {
    return rank(a) != rank(b) ? rank(a) < rank(b) : a.stage < b.stage;
  });
  return runs;
}

}  // namespace swerl::store

#include "trainer/metrics/rollout_log.h"

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "swerl/io/atomic_file.h"
#include "swerl/io/gzip.h"
#include "swerl/json/json_writer.h"

namespace swerl::train::metrics {
namespace fs = std::filesystem;

std::string RolloutPath(const std::string& dir, int64_t step) {
  char name[48];
  std::snprintf(name, sizeof name, "step_%06" PRId64 ".ndjson.gz", step);
  return dir + "/" + name;
}

void AppendRolloutLine(int64_t step, const RolloutSample& s, std::string* out) {
  json::JsonWriter w(out);
  w.BeginObject();
  w.Key("step");
  w.Int(step);
  w.Key("seed_id");
  w.Int(s.seed_id);
  w.Key("instance_id");
  w.String(s.instance_id);
  w.Key("sample");
  w.Int(s.sample);
  w.Key("reward");
  w.Double(s.reward);
  w.Key("error");
  if (s.error.empty()) {
    w.Null();
  } else {
    w.String(s.error);
  }
  w.Key("files");
  w.BeginArray();
  for (const reward::FileSimilarity& f : s.files) {
    w.BeginObject();
    w.Key("path");
    w.String(f.path);
    w.Key("similarity");
    w.Double(f.similarity);
    w.EndObject();
  }
  w.EndArray();
  w.Key("advantage");
  w.Double(s.advantage);  // NaN prints null
  w.Key("tokens");
  w.Int(s.tokens);
  w.Key("finish_reason");
  w.String(s.finish_reason);
  w.Key("completion");
  w.String(s.completion);
  w.EndObject();
  out->push_back('\n');
}

Status WriteRollouts(const std::string& dir, int64_t step, std::span<const RolloutSample> samples,
                     int level) {
  std::string text;
  for (const RolloutSample& s : samples) AppendRolloutLine(step, s, &text);
  return WriteRolloutLines(dir, step, text, level);
}

Status WriteRolloutLines(const std::string& dir, int64_t step, std::string_view lines, int level) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error(Code::kIo, "cannot create '" + dir + "': " + ec.message());
  return io::WriteFileAtomically(RolloutPath(dir, step), io::GzipCompress(lines, level));
}

Result<size_t> RemoveRolloutsAfter(const std::string& dir, int64_t last_step) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return size_t{0};
    return Error(Code::kIo, "cannot list '" + dir + "': " + ec.message());
  }
  size_t removed = 0;
  for (const fs::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    int64_t step = 0;
    int consumed = 0;
    const bool is_step =
        std::sscanf(name.c_str(), "step_%" SCNd64 ".ndjson.gz%n", &step, &consumed) == 1 &&
        consumed > 0;
    const bool is_final = is_step && static_cast<size_t>(consumed) == name.size();
    // AtomicFile's temporaries: "<final name>.tmp-<pid>-<random>".
    const bool is_temp = is_step && name.compare(consumed, 5, ".tmp-") == 0;
    if ((is_final && step > last_step) || is_temp) {
      fs::remove(entry.path(), ec);
      if (ec)
        return Error(Code::kIo, "cannot remove '" + entry.path().string() + "': " + ec.message());
      ++removed;
    }
  }
  return removed;
}

}  // namespace swerl::train::metrics

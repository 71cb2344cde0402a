#include "trainer/metrics/metrics_log.h"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <cmath>
#include <limits>

#include "swerl/io/atomic_file.h"
#include "swerl/io/input.h"
#include "swerl/json/json_writer.h"

namespace swerl::train::metrics {
namespace {

using simdjson::SUCCESS;

Result<std::string> ReadWhole(const std::string& path) {
  SWERL_ASSIGN_OR_RETURN(auto in, io::OpenFile(path, io::MapMode::kNever));
  return io::ReadAll(*in);
}

// Parses one complete line. Errors: kCorrupt (message without the place).
Result<MetricsRow> ParseLine(simdjson::dom::parser& parser, std::string_view line) {
  simdjson::dom::element root;
  if (auto err = parser.parse(line.data(), line.size(), true).get(root); err != SUCCESS) {
    return Error(Code::kCorrupt, std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object obj;
  if (root.get(obj) != SUCCESS) return Error(Code::kCorrupt, "not a JSON object");
  MetricsRow row;
  if (obj["step"].get(row.step) != SUCCESS) {
    return Error(Code::kCorrupt, "no integer \"step\"");
  }
  for (auto [key, value] : obj) {
    if (key == "step") continue;
    double v;
    if (value.is_null()) {
      v = std::numeric_limits<double>::quiet_NaN();
    } else if (value.get(v) != SUCCESS) {
      continue;
    }
    row.values.emplace_back(std::string(key), v);
  }
  return row;
}

std::string Where(const std::string& path, size_t line_no) {
  return "'" + path + "' line " + std::to_string(line_no);
}

}  // namespace

Result<MetricsLog> MetricsLog::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return OpenError(path, errno);
  return MetricsLog(path, fd);
}

MetricsLog::MetricsLog(MetricsLog&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

MetricsLog& MetricsLog::operator=(MetricsLog&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

MetricsLog::~MetricsLog() {
  if (fd_ >= 0) ::close(fd_);
}

std::string MetricsLine(int64_t step, double wall_time, const StepMetrics& metrics) {
  std::string line;
  json::JsonWriter w(&line);
  w.BeginObject();
  w.Key("step");
  w.Int(step);
  w.Key("wall_time");
  w.Double(wall_time);
  for (const auto& [name, value] : metrics.Values()) {
    w.Key(name);
    w.Double(value);  // NaN and infinities print null
  }
  w.EndObject();
  line.push_back('\n');
  return line;
}

Status MetricsLog::Append(int64_t step, double wall_time, const StepMetrics& metrics) {
  return io::WriteAll(fd_, MetricsLine(step, wall_time, metrics), "writing '" + path_ + "'");
}

Result<size_t> TruncateMetricsLog(const std::string& path, int64_t last_step) {
  auto data = ReadWhole(path);
  if (!data) {
    if (data.error().code() == Code::kNotFound) return size_t{0};
    return std::move(data).error();
  }
  simdjson::dom::parser parser;
  std::string kept;
  size_t kept_lines = 0, line_no = 0;
  bool dropped = false;
  size_t begin = 0;
  while (begin < data->size()) {
    const size_t nl = data->find('\n', begin);
    if (nl == std::string::npos) {  // a torn last line
      dropped = true;
      break;
    }
    ++line_no;
    const std::string_view line(data->data() + begin, nl - begin);
    begin = nl + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      dropped = true;
      continue;
    }
    auto row = ParseLine(parser, line);
    if (!row) return std::move(row).error().With(Where(path, line_no));
    if (row->step > last_step) {
      dropped = true;
      continue;
    }
    kept.append(line);
    kept.push_back('\n');
    ++kept_lines;
  }
  if (dropped) SWERL_RETURN_IF_ERROR(io::WriteFileAtomically(path, kept));
  return kept_lines;
}

double MetricsRow::Get(std::string_view name) const {
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

Result<std::vector<MetricsRow>> ReadMetricsLog(const std::string& path) {
  SWERL_ASSIGN_OR_RETURN(const std::string data, ReadWhole(path));
  simdjson::dom::parser parser;
  std::vector<MetricsRow> rows;
  size_t begin = 0, line_no = 0;
  for (size_t nl = data.find('\n'); nl != std::string::npos; nl = data.find('\n', begin)) {
    ++line_no;
    const std::string_view line(data.data() + begin, nl - begin);
    begin = nl + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto row = ParseLine(parser, line);
    if (!row) return std::move(row).error().With(Where(path, line_no));
    rows.push_back(std::move(*row));
  }
  return rows;
}

}  // namespace swerl::train::metrics

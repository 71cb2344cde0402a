#include "swerl/net/manifest.h"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "swerl/gharchive/hour.h"
#include "swerl/io/atomic_file.h"
#include "swerl/io/input.h"
#include "swerl/json/json_writer.h"

namespace swerl::net {
namespace {

void StringOrNull(json::JsonWriter& w, std::string_view key, std::string_view value) {
  w.Key(key);
  if (value.empty()) {
    w.Null();
  } else {
    w.String(value);
  }
}

Error Bad(std::string_view why) {
  return Error(Code::kCorrupt, "bad manifest line: " + std::string(why));
}

// Reads a string field that may be null ("" then).
bool GetNullableString(simdjson::dom::object obj, std::string_view key, std::string* out,
                       bool* was_null = nullptr) {
  simdjson::dom::element el;
  if (obj[key].get(el)) return false;
  if (was_null) *was_null = el.is_null();
  if (el.is_null()) {
    out->clear();
    return true;
  }
  std::string_view s;
  if (el.get(s)) return false;
  out->assign(s);
  return true;
}

// Sort key for Compact: hour files in time order, anything else after them.
struct HourKey {
  bool is_hour;
  int64_t index;
  std::string_view name;
  auto operator<=>(const HourKey& o) const {
    if (is_hour != o.is_hour)
      return is_hour ? std::strong_ordering::less : std::strong_ordering::greater;
    if (auto c = index <=> o.index; c != 0) return c;
    return name.compare(o.name) <=> 0;
  }
};

HourKey KeyOf(std::string_view name) {
  auto h = gharchive::Hour::Parse(name);
  return h ? HourKey{true, h->index(), name} : HourKey{false, 0, name};
}

}  // namespace

std::string_view EntryStatusName(EntryStatus status) {
  switch (status) {
    case EntryStatus::kOk:
      return "ok";
    case EntryStatus::kMissing:
      return "missing";
    case EntryStatus::kFailed:
      return "failed";
  }
  return "failed";
}

std::string FormatManifestLine(const ManifestEntry& e) {
  std::string out;
  json::JsonWriter w(&out);
  w.BeginObject();
  w.Key("hour");
  w.String(e.hour);
  w.Key("status");
  w.String(EntryStatusName(e.status));
  w.Key("bytes");
  w.Uint(e.bytes);
  StringOrNull(w, "sha256", e.sha256);
  w.Key("attempts");
  w.Uint(e.attempts);
  StringOrNull(w, "etag", e.etag);
  StringOrNull(w, "last_modified", e.last_modified);
  w.Key("last_error");
  if (e.last_error) {
    w.String(*e.last_error);
  } else {
    w.Null();
  }
  w.Key("url");
  w.String(e.url);
  w.EndObject();
  out.push_back('\n');
  return out;
}

Result<ManifestEntry> ParseManifestLine(std::string_view line) {
  // One parser per thread: manifests are read once per run, but a fresh
  // parser per line would reallocate its buffers every time.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(line.data(), line.size()).get(doc)) {
    return Bad(simdjson::error_message(err));
  }
  simdjson::dom::object obj;
  if (doc.get(obj)) return Bad("not an object");
  ManifestEntry e;
  std::string status;
  bool error_null = true;
  std::string last_error;
  if (!GetNullableString(obj, "hour", &e.hour) || e.hour.empty()) return Bad("no \"hour\"");
  if (!GetNullableString(obj, "status", &status)) return Bad("no \"status\"");
  if (status == "ok") {
    e.status = EntryStatus::kOk;
  } else if (status == "missing") {
    e.status = EntryStatus::kMissing;
  } else if (status == "failed") {
    e.status = EntryStatus::kFailed;
  } else {
    return Bad("unknown status '" + status + "'");
  }
  if (obj["bytes"].get(e.bytes)) return Bad("no \"bytes\"");
  if (obj["attempts"].get(e.attempts)) return Bad("no \"attempts\"");
  if (!GetNullableString(obj, "sha256", &e.sha256)) return Bad("no \"sha256\"");
  if (!GetNullableString(obj, "etag", &e.etag)) return Bad("no \"etag\"");
  if (!GetNullableString(obj, "last_modified", &e.last_modified)) {
    return Bad("no \"last_modified\"");
  }
  if (!GetNullableString(obj, "last_error", &last_error, &error_null)) {
    return Bad("no \"last_error\"");
  }
  if (!error_null) e.last_error = std::move(last_error);
  if (!GetNullableString(obj, "url", &e.url)) return Bad("no \"url\"");
  return e;
}

Manifest::Manifest(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

Manifest::Manifest(Manifest&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      need_newline_(other.need_newline_),
      entries_(std::move(other.entries_)),
      bad_lines_(other.bad_lines_) {}

Manifest::~Manifest() {
  if (fd_ >= 0) ::close(fd_);
}

Result<Manifest> Manifest::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot open manifest '" + path + "'", errno);
  Manifest m(path, fd);
  SWERL_RETURN_IF_ERROR(m.Load());
  return m;
}

Status Manifest::Load() {
  SWERL_ASSIGN_OR_RETURN(auto in, io::OpenFile(path_));
  SWERL_ASSIGN_OR_RETURN(std::string text, io::ReadAll(*in));
  need_newline_ = !text.empty() && text.back() != '\n';
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line.empty()) continue;
    auto entry = ParseManifestLine(line);
    if (!entry) {
      ++bad_lines_;
      continue;
    }
    std::string key = entry->hour;
    entries_.insert_or_assign(std::move(key), std::move(*entry));
  }
  return OkStatus();
}

const ManifestEntry* Manifest::Find(std::string_view hour) const {
  auto it = entries_.find(hour);
  return it == entries_.end() ? nullptr : &it->second;
}

Status Manifest::Append(const ManifestEntry& entry) {
  std::string line = FormatManifestLine(entry);
  // A torn last line from a crash must not swallow this one.
  if (need_newline_) line.insert(line.begin(), '\n');
  SWERL_RETURN_IF_ERROR(io::WriteAll(fd_, line, "appending to '" + path_ + "'"));
  need_newline_ = false;
  if (::fdatasync(fd_) != 0) return ErrnoError("cannot fsync '" + path_ + "'", errno);
  entries_.insert_or_assign(entry.hour, entry);
  return OkStatus();
}

Status Manifest::Compact() {
  std::vector<const ManifestEntry*> sorted;
  sorted.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](const ManifestEntry* a, const ManifestEntry* b) {
    return KeyOf(a->hour) < KeyOf(b->hour);
  });
  std::string text;
  for (const ManifestEntry* e : sorted) text += FormatManifestLine(*e);
  SWERL_RETURN_IF_ERROR(io::WriteFileAtomically(path_, text));
  // The old descriptor points at the replaced file; append to the new one.
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot reopen manifest '" + path_ + "'", errno);
  ::close(fd_);
  fd_ = fd;
  need_newline_ = false;
  bad_lines_ = 0;
  return OkStatus();
}

}  // namespace swerl::net

// st_tool: the safetensors module as a command-line filter for the Python
// differential test (tests/oracles/st_diff_test.py). Not installed.
//
//   st_tool inspect FILE...        one JSON line per file: tensors + sha256
//   st_tool check PATH...          "<name>\tok" or "<name>\terr\t<message>" per
//                                  file (directories: every file inside, sorted)
//   st_tool checkpoint PATH        one JSON line: Checkpoint::Open's view
//   st_tool write OUT SPEC.json    WriteFile / WriteCheckpoint of the tensors of
//                                  spec.source, see WriteFromSpec
//
// Exit status: 0 when every file validated / the write succeeded, 1 otherwise.
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "swerl/core/sha256.h"
#include "swerl/st/checkpoint.h"
#include "swerl/st/header_internal.h"
#include "swerl/st/reader.h"
#include "swerl/st/writer.h"

namespace {

using swerl::st::Checkpoint;
using swerl::st::File;
using swerl::st::TensorInfo;
using swerl::st::TensorRef;

void Str(std::string_view s, std::string* out) {
  swerl::st::internal::AppendSerdeJsonString(s, out);
}

std::string_view Chars(std::span<const std::byte> data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

void AppendTensor(const TensorInfo& t, std::string* out) {
  *out += "{\"name\":";
  Str(t.name, out);
  *out += ",\"dtype\":\"";
  *out += swerl::st::DtypeName(t.dtype);
  *out += "\",\"shape\":[";
  for (size_t i = 0; i < t.shape.size(); ++i) {
    if (i > 0) *out += ',';
    *out += std::to_string(t.shape[i]);
  }
  *out += "],\"offsets\":[" + std::to_string(t.begin) + "," + std::to_string(t.end) + "]";
  *out += ",\"numel\":" + std::to_string(t.numel());
  *out += ",\"sha256\":\"" + swerl::Sha256::Hex(Chars(t.data)) + "\"}";
}

void AppendError(const swerl::Error& e, std::string* out) {
  *out += "\"ok\":false,\"code\":\"";
  *out += swerl::CodeName(e.code());
  *out += "\",\"error\":";
  Str(e.message(), out);
}

int Inspect(const std::vector<std::string>& paths) {
  int status = 0;
  for (const std::string& path : paths) {
    std::string out = "{\"path\":";
    Str(path, &out);
    out += ',';
    auto file = File::Open(path);
    if (!file) {
      AppendError(file.error(), &out);
      status = 1;
    } else {
      out += "\"ok\":true,\"header_size\":" + std::to_string(file->header_size());
      out += ",\"metadata\":{";
      bool first = true;
      for (const auto& [key, value] : file->metadata()) {
        if (!first) out += ',';
        first = false;
        Str(key, &out);
        out += ':';
        Str(value, &out);
      }
      out += "},\"tensors\":[";
      for (size_t i = 0; i < file->tensors().size(); ++i) {
        if (i > 0) out += ',';
        AppendTensor(file->tensors()[i], &out);
        // Find must agree with the listing.
        if (file->Find(file->tensors()[i].name) != &file->tensors()[i]) status = 2;
      }
      out += ']';
    }
    out += "}\n";
    std::fputs(out.c_str(), stdout);
  }
  return status;
}

int Check(const std::vector<std::string>& args) {
  std::vector<std::filesystem::path> files;
  for (const std::string& arg : args) {
    if (std::filesystem::is_directory(arg)) {
      std::vector<std::filesystem::path> inside;
      for (const auto& entry : std::filesystem::directory_iterator(arg)) {
        if (entry.is_regular_file()) inside.push_back(entry.path());
      }
      std::sort(inside.begin(), inside.end());
      files.insert(files.end(), inside.begin(), inside.end());
    } else {
      files.emplace_back(arg);
    }
  }
  int status = 0;
  for (const auto& path : files) {
    auto file = File::Open(path.string());
    std::string line = path.filename().string();
    if (file) {
      line += "\tok\n";
    } else {
      status = 1;
      std::string message = file.error().message();
      std::replace(message.begin(), message.end(), '\n', ' ');
      line += "\terr\t" + message + "\n";
    }
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  return status;
}

int InspectCheckpoint(const std::string& path) {
  std::string out = "{\"path\":";
  Str(path, &out);
  out += ',';
  auto ckpt = Checkpoint::Open(path);
  int status = 0;
  if (!ckpt) {
    AppendError(ckpt.error(), &out);
    status = 1;
  } else {
    out += "\"ok\":true,\"total_bytes\":" + std::to_string(ckpt->total_bytes());
    out += ",\"index\":";
    Str(ckpt->index_path(), &out);
    out += ",\"files\":[";
    for (size_t i = 0; i < ckpt->files().size(); ++i) {
      if (i > 0) out += ',';
      Str(ckpt->files()[i].path(), &out);
    }
    out += "],\"tensors\":[";
    const auto names = ckpt->names();
    for (size_t i = 0; i < names.size(); ++i) {
      if (i > 0) out += ',';
      AppendTensor(*ckpt->Find(names[i]), &out);
    }
    out += ']';
  }
  out += "}\n";
  std::fputs(out.c_str(), stdout);
  return status;
}

// SPEC.json: {"source": file or checkpoint directory, "order": [names] (default:
// sorted), "metadata": {str: str}, "checkpoint": bool, "max_shard_bytes": N}.
int WriteFromSpec(const std::string& out_path, const std::string& spec_path) {
  simdjson::dom::parser parser;
  simdjson::dom::element spec;
  if (auto err = parser.load(spec_path).get(spec); err != simdjson::SUCCESS) {
    std::fprintf(stderr, "st_tool: cannot read '%s': %s\n", spec_path.c_str(),
                 simdjson::error_message(err));
    return 1;
  }
  std::string_view source;
  if (spec["source"].get_string().get(source) != simdjson::SUCCESS) {
    std::fprintf(stderr, "st_tool: spec needs \"source\"\n");
    return 1;
  }
  auto ckpt = Checkpoint::Open(std::string(source));
  if (!ckpt) {
    std::fprintf(stderr, "st_tool: %s\n", ckpt.error().message().c_str());
    return 1;
  }
  std::vector<std::string> order;
  simdjson::dom::array order_json;
  if (spec["order"].get_array().get(order_json) == simdjson::SUCCESS) {
    for (auto name : order_json) order.emplace_back(std::string_view(name.get_string().value()));
  } else {
    order = ckpt->names();
  }
  std::vector<TensorRef> tensors;
  for (const std::string& name : order) {
    const TensorInfo* t = ckpt->Find(name);
    if (t == nullptr) {
      std::fprintf(stderr, "st_tool: no tensor '%s' in the source\n", name.c_str());
      return 1;
    }
    tensors.push_back(TensorRef{t->name, t->dtype, t->shape, t->data});
  }
  std::map<std::string, std::string> metadata;
  simdjson::dom::object meta_json;
  if (spec["metadata"].get_object().get(meta_json) == simdjson::SUCCESS) {
    for (auto [key, value] : meta_json) {
      metadata.emplace(std::string(key), std::string(std::string_view(value.get_string().value())));
    }
  }
  bool checkpoint = false;
  if (spec["checkpoint"].get_bool().get(checkpoint) != simdjson::SUCCESS) checkpoint = false;
  uint64_t max_shard_bytes = 5'000'000'000ULL;
  if (spec["max_shard_bytes"].get_uint64().get(max_shard_bytes) != simdjson::SUCCESS) {
    max_shard_bytes = 5'000'000'000ULL;
  }
  swerl::Status st = checkpoint ? swerl::st::WriteCheckpoint(out_path, std::move(tensors), metadata,
                                                             max_shard_bytes)
                                : swerl::st::WriteFile(out_path, std::move(tensors), metadata);
  if (!st) {
    std::fprintf(stderr, "st_tool: %s\n", st.error().message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fprintf(stderr, "usage: st_tool inspect|check|checkpoint|write ...\n");
    return 2;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "inspect") return Inspect(args);
  if (cmd == "check") return Check(args);
  if (cmd == "checkpoint" && args.size() == 1) return InspectCheckpoint(args[0]);
  if (cmd == "write" && args.size() == 2) return WriteFromSpec(args[0], args[1]);
  std::fprintf(stderr, "st_tool: bad arguments\n");
  return 2;
}

#include "swerl/st/writer.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>

#include "swerl/io/atomic_file.h"
#include "swerl/st/header_internal.h"
#include "swerl/st/reader.h"

namespace swerl::st {
namespace {

constexpr std::string_view kSingleFileName = "model.safetensors";
constexpr std::string_view kIndexFileName = "model.safetensors.index.json";
// Tensors at least this big are written straight from the caller's memory;
// smaller ones are gathered so that a file of many tiny tensors needs few
// write(2) calls.
constexpr size_t kDirectWriteBytes = 1 << 20;

bool IsUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

Error Invalid(std::string_view where, std::string_view what) {
  return Error(Code::kInvalidInput,
               "cannot write '" + std::string(where) + "': " + std::string(what));
}

// Checks one tensor; returns its element count.
Result<uint64_t> CheckTensor(std::string_view where, const TensorRef& t) {
  auto bad = [&](std::string_view what) {
    return Invalid(where, "tensor '" + t.name + "': " + std::string(what));
  };
  if (t.name == internal::kMetadataKey) return bad("the name \"__metadata__\" is reserved");
  if (!IsUtf8(t.name)) return bad("the name is not valid UTF-8");
  if (static_cast<size_t>(t.dtype) >= static_cast<size_t>(kDtypeCount)) {
    return bad("invalid dtype value " + std::to_string(static_cast<int>(t.dtype)));
  }
  uint64_t numel = 1;
  for (int64_t dim : t.shape) {
    if (dim < 0) return bad("negative dimension " + std::to_string(dim));
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(dim), &numel)) {
      return bad("the shape overflows 64 bits");
    }
  }
  uint64_t bits = 0;
  if (__builtin_mul_overflow(numel, static_cast<uint64_t>(DtypeBits(t.dtype)), &bits)) {
    return bad("the shape overflows 64 bits");
  }
  if (bits % 8 != 0) {
    return bad(std::to_string(numel) + " elements of " + std::string(DtypeName(t.dtype)) +
               " do not fill a whole number of bytes");
  }
  if (bits / 8 != t.data.size()) {
    return bad("the shape needs " + std::to_string(bits / 8) + " bytes of " +
               std::string(DtypeName(t.dtype)) + " but the data has " +
               std::to_string(t.data.size()));
  }
  return numel;
}

// Checks every tensor and that names are unique; returns the total numel.
Result<uint64_t> CheckTensors(std::string_view where, const std::vector<TensorRef>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  uint64_t total_numel = 0;
  std::set<std::string_view> names;
  for (const TensorRef& t : tensors) {
    SWERL_ASSIGN_OR_RETURN(uint64_t numel, CheckTensor(where, t));
    total_numel += numel;
    if (!names.insert(t.name).second) {
      return Invalid(where, "tensor '" + t.name + "': duplicate tensor name");
    }
  }
  for (const auto& [key, value] : metadata) {
    if (!IsUtf8(key) || !IsUtf8(value)) {
      return Invalid(where, "metadata key '" + key + "': not valid UTF-8");
    }
  }
  return total_numel;
}

struct Prepared {
  std::string head;                // length prefix + padded header
  std::vector<TensorRef> ordered;  // in file order
};

// Sorts the tensors and builds the header. REQUIRES: CheckTensors passed.
Result<Prepared> Prepare(std::string_view where, std::vector<TensorRef> tensors,
                         const std::map<std::string, std::string>& metadata) {
  std::sort(tensors.begin(), tensors.end(), [](const TensorRef& a, const TensorRef& b) {
    if (a.dtype != b.dtype) return a.dtype > b.dtype;
    return a.name < b.name;  // bytewise, as Rust's str ordering
  });
  std::string json = "{";
  bool first = true;
  if (!metadata.empty()) {
    json += "\"__metadata__\":{";
    for (const auto& [key, value] : metadata) {
      if (!first) json += ',';
      first = false;
      internal::AppendSerdeJsonString(key, &json);
      json += ':';
      internal::AppendSerdeJsonString(value, &json);
    }
    json += '}';
    first = false;
  }
  uint64_t offset = 0;
  for (const TensorRef& t : tensors) {
    if (!first) json += ',';
    first = false;
    internal::AppendSerdeJsonString(t.name, &json);
    json += ":{\"dtype\":\"";
    json += DtypeName(t.dtype);
    json += "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (i > 0) json += ',';
      json += std::to_string(t.shape[i]);
    }
    json += "],\"data_offsets\":[";
    json += std::to_string(offset);
    json += ',';
    offset += t.data.size();
    json += std::to_string(offset);
    json += "]}";
  }
  json += '}';
  json.append((8 - json.size() % 8) % 8, ' ');
  if (json.size() > kMaxHeaderBytes) {
    return Invalid(where, "the header would be " + std::to_string(json.size()) +
                              " bytes, over the limit of " + std::to_string(kMaxHeaderBytes));
  }
  Prepared p;
  p.head.reserve(8 + json.size());
  internal::AppendLe64(json.size(), &p.head);
  p.head += json;
  p.ordered = std::move(tensors);
  return p;
}

std::string_view AsChars(std::span<const std::byte> data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

Status WriteChecked(const std::string& path, std::vector<TensorRef> tensors,
                    const std::map<std::string, std::string>& metadata) {
  SWERL_ASSIGN_OR_RETURN(Prepared p, Prepare(path, std::move(tensors), metadata));
  SWERL_ASSIGN_OR_RETURN(io::AtomicFile file, io::AtomicFile::Create(path));
  std::string pending = std::move(p.head);
  for (const TensorRef& t : p.ordered) {
    if (t.data.size() >= kDirectWriteBytes) {
      SWERL_RETURN_IF_ERROR(file.Append(pending));
      pending.clear();
      SWERL_RETURN_IF_ERROR(file.Append(AsChars(t.data)));
    } else {
      pending += AsChars(t.data);
      if (pending.size() >= kDirectWriteBytes) {
        SWERL_RETURN_IF_ERROR(file.Append(pending));
        pending.clear();
      }
    }
  }
  SWERL_RETURN_IF_ERROR(file.Append(pending));
  return file.Commit();
}

// huggingface_hub's split_state_dict_into_shards_factory: returns the
// positions of each shard's tensors, shards in file-number order.
std::vector<std::vector<size_t>> PlanShards(const std::vector<TensorRef>& tensors,
                                            uint64_t max_shard_bytes) {
  std::vector<std::vector<size_t>> shards;
  std::vector<size_t> current;
  uint64_t current_bytes = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const uint64_t size = tensors[i].data.size();
    if (size > max_shard_bytes) {
      shards.push_back({i});  // its own shard, ahead of the one being filled
      continue;
    }
    if (current_bytes + size > max_shard_bytes) {
      shards.push_back(std::move(current));
      current.clear();
      current_bytes = 0;
    }
    current.push_back(i);
    current_bytes += size;
  }
  if (!current.empty()) shards.push_back(std::move(current));
  return shards;
}

std::string ShardName(size_t k, size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", k, n);
  return buf;
}

// "model-DDDDD-of-DDDDD.safetensors", the names save_pretrained cleans up.
bool IsShardName(std::string_view name) {
  constexpr std::string_view kPrefix = "model-", kOf = "-of-", kSuffix = ".safetensors";
  auto digits = [](std::string_view s) {
    return s.size() == 5 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (name.size() != kPrefix.size() + 5 + kOf.size() + 5 + kSuffix.size()) return false;
  return name.substr(0, kPrefix.size()) == kPrefix && digits(name.substr(6, 5)) &&
         name.substr(11, kOf.size()) == kOf && digits(name.substr(15, 5)) &&
         name.substr(20) == kSuffix;
}

std::string IndexJson(const std::vector<TensorRef>& tensors,
                      const std::vector<std::string>& file_of, uint64_t total_numel) {
  uint64_t total_bytes = 0;
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    order[i] = i;
    total_bytes += tensors[i].data.size();
  }
  // sort_keys sorts by code point, which is UTF-8 byte order.
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return tensors[a].name < tensors[b].name; });
  std::string out = "{\n  \"metadata\": {\n    \"total_parameters\": ";
  out += std::to_string(total_numel);
  out += ",\n    \"total_size\": ";
  out += std::to_string(total_bytes);
  out += "\n  },\n  \"weight_map\": {";
  for (size_t j = 0; j < order.size(); ++j) {
    out += j == 0 ? "\n    " : ",\n    ";
    internal::AppendPythonJsonString(tensors[order[j]].name, &out);
    out += ": ";
    internal::AppendPythonJsonString(file_of[order[j]], &out);
  }
  out += order.empty() ? "}\n}\n" : "\n  }\n}\n";
  return out;
}

Status RemoveStale(const std::string& dir, const std::set<std::string>& keep) {
  std::error_code ec;
  std::vector<std::string> stale;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (keep.count(name) != 0) continue;
    if (name == kSingleFileName || name == kIndexFileName || IsShardName(name)) {
      stale.push_back(it->path().string());
    }
  }
  if (ec) return Error(Code::kIo, "cannot list '" + dir + "': " + ec.message());
  for (const std::string& path : stale) {
    if (!std::filesystem::remove(path, ec) && ec) {
      return Error(Code::kIo, "cannot remove stale '" + path + "': " + ec.message());
    }
  }
  return OkStatus();
}

}  // namespace

Result<std::string> Serialize(std::vector<TensorRef> tensors,
                              const std::map<std::string, std::string>& metadata) {
  constexpr std::string_view kWhere = "<memory>";
  SWERL_RETURN_IF_ERROR(CheckTensors(kWhere, tensors, metadata));
  SWERL_ASSIGN_OR_RETURN(Prepared p, Prepare(kWhere, std::move(tensors), metadata));
  std::string out = std::move(p.head);
  for (const TensorRef& t : p.ordered) out += AsChars(t.data);
  return out;
}

Status WriteFile(const std::string& path, std::vector<TensorRef> tensors,
                 const std::map<std::string, std::string>& metadata) {
  SWERL_RETURN_IF_ERROR(CheckTensors(path, tensors, metadata));
  return WriteChecked(path, std::move(tensors), metadata);
}

Status WriteCheckpoint(const std::string& dir, std::vector<TensorRef> tensors,
                       const std::map<std::string, std::string>& metadata,
                       uint64_t max_shard_bytes) {
  SWERL_ASSIGN_OR_RETURN(uint64_t total_numel, CheckTensors(dir, tensors, metadata));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(Code::kIo, "cannot create directory '" + dir + "': " + ec.message());

  const auto shards = PlanShards(tensors, max_shard_bytes);
  if (shards.size() <= 1) {
    const std::string name(kSingleFileName);
    SWERL_RETURN_IF_ERROR(WriteChecked(dir + "/" + name, std::move(tensors), metadata));
    return RemoveStale(dir, {name});
  }
  std::vector<std::string> file_of(tensors.size());
  std::set<std::string> written;
  for (size_t k = 0; k < shards.size(); ++k) {
    const std::string name = ShardName(k + 1, shards.size());
    std::vector<TensorRef> part;
    part.reserve(shards[k].size());
    for (size_t i : shards[k]) {
      part.push_back(tensors[i]);
      file_of[i] = name;
    }
    SWERL_RETURN_IF_ERROR(WriteChecked(dir + "/" + name, std::move(part), metadata));
    written.insert(name);
  }
  const std::string index_name(kIndexFileName);
  SWERL_RETURN_IF_ERROR(
      io::WriteFileAtomically(dir + "/" + index_name, IndexJson(tensors, file_of, total_numel)));
  written.insert(index_name);
  return RemoveStale(dir, written);
}

}  // namespace swerl::st

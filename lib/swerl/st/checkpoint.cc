#include "swerl/st/checkpoint.h"

#include <simdjson.h>
#include <sys/stat.h>

#include <set>
#include <utility>

#include "swerl/st/mapped_file.h"

namespace swerl::st {
namespace {

constexpr std::string_view kSingleFileName = "model.safetensors";
constexpr std::string_view kIndexFileName = "model.safetensors.index.json";

bool IsRegularFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A weight_map file name must stay inside the checkpoint directory.
bool IsSafeRelativePath(std::string_view name) {
  if (name.empty() || name.front() == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string_view::npos) slash = name.size();
    const std::string_view part = name.substr(start, slash - start);
    if (part.empty() || part == "..") return false;
    start = slash + 1;
  }
  return true;
}

// weight_map of the index at `index_path`: tensor name -> file name.
Result<std::map<std::string, std::string>> ReadWeightMap(const std::string& index_path) {
  auto bad = [&](std::string_view what) {
    return Error(Code::kCorrupt,
                 "invalid checkpoint index '" + index_path + "': " + std::string(what));
  };
  SWERL_ASSIGN_OR_RETURN(MappedFile map, MappedFile::Open(index_path));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(map.bytes().data(), map.bytes().size()).get(root);
      err != simdjson::SUCCESS) {
    return bad(std::string("not valid JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) return bad("not a JSON object");
  simdjson::dom::object weight_map;
  bool found = false;
  for (auto [key, value] : top) {
    if (key != "weight_map") continue;
    if (found) return bad("duplicate \"weight_map\"");
    found = true;
    if (value.get_object().get(weight_map) != simdjson::SUCCESS) {
      return bad("\"weight_map\" must be an object");
    }
  }
  if (!found) return bad("missing \"weight_map\"");
  std::map<std::string, std::string> out;
  for (auto [tensor, file] : weight_map) {
    std::string_view file_name;
    if (file.get_string().get(file_name) != simdjson::SUCCESS) {
      return bad("tensor '" + std::string(tensor) + "': the file name must be a string");
    }
    if (!IsSafeRelativePath(file_name)) {
      return bad("tensor '" + std::string(tensor) + "': file name '" + std::string(file_name) +
                 "' leaves the checkpoint directory");
    }
    if (!out.emplace(std::string(tensor), std::string(file_name)).second) {
      return bad("tensor '" + std::string(tensor) + "' is listed twice in \"weight_map\"");
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  out.reserve(by_name_.size());
  for (const auto& [name, info] : by_name_) out.push_back(name);
  return out;
}

const TensorInfo* Checkpoint::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

Result<Checkpoint> Checkpoint::Open(const std::string& path) {
  Checkpoint ckpt;
  if (!IsDirectory(path)) {
    SWERL_ASSIGN_OR_RETURN(File file, File::Open(path));
    ckpt.files_.push_back(std::move(file));
  } else {
    const std::string single = path + "/" + std::string(kSingleFileName);
    const std::string index = path + "/" + std::string(kIndexFileName);
    if (IsRegularFile(single)) {
      SWERL_ASSIGN_OR_RETURN(File file, File::Open(single));
      ckpt.files_.push_back(std::move(file));
    } else if (IsRegularFile(index)) {
      SWERL_ASSIGN_OR_RETURN(auto weight_map, ReadWeightMap(index));
      ckpt.index_path_ = index;
      std::set<std::string> file_names;
      for (const auto& [tensor, file_name] : weight_map) file_names.insert(file_name);
      ckpt.files_.reserve(file_names.size());
      for (const std::string& file_name : file_names) {
        auto file = File::Open(path + "/" + file_name);
        if (!file) {
          return std::move(file).error().With("checkpoint index '" + index + "'");
        }
        ckpt.files_.push_back(std::move(file).value());
      }
      // Each listed tensor is in its file; each file's tensors are listed for it.
      auto bad = [&](std::string_view what) {
        return Error(Code::kCorrupt,
                     "invalid checkpoint index '" + index + "': " + std::string(what));
      };
      std::map<std::string_view, const File*> file_by_name;
      size_t position = 0;
      for (const std::string& file_name : file_names) {
        file_by_name.emplace(file_name, &ckpt.files_[position++]);
      }
      for (const auto& [tensor, file_name] : weight_map) {
        if (file_by_name.at(file_name)->Find(tensor) == nullptr) {
          return bad("tensor '" + tensor + "' is mapped to '" + file_name +
                     "', which does not hold it");
        }
      }
      for (const auto& [file_name, file] : file_by_name) {
        for (const TensorInfo& t : file->tensors()) {
          auto it = weight_map.find(t.name);
          if (it == weight_map.end()) {
            return bad("tensor '" + t.name + "' in '" + std::string(file_name) +
                       "' is missing from \"weight_map\"");
          }
          if (it->second != file_name) {
            return bad("tensor '" + t.name + "' is in both '" + std::string(file_name) + "' and '" +
                       it->second + "'");
          }
        }
      }
    } else {
      return Error(Code::kNotFound, "no weights in '" + path + "': neither " +
                                        std::string(kSingleFileName) + " nor " +
                                        std::string(kIndexFileName));
    }
  }
  for (const File& file : ckpt.files_) {
    for (const TensorInfo& t : file.tensors()) {
      // Unique within a file by validation and across shards by the checks above.
      ckpt.by_name_.emplace(t.name, &t);
      ckpt.total_bytes_ += t.end - t.begin;
    }
  }
  return ckpt;
}

}  // namespace swerl::st

// Checkpoint: a Hugging Face model's weights, either one model.safetensors or
// model.safetensors.index.json plus the shard files it names (SPEC 7.1),
// validated and mapped, looked up by tensor name.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/st/reader.h"

namespace swerl::st {

// Movable, not copyable; const methods are safe from many threads. The
// TensorInfo pointers it returns live as long as the Checkpoint.
class Checkpoint {
 public:
  // `path` is a .safetensors file (any name) or a directory. In a directory
  // `model.safetensors` wins over `model.safetensors.index.json`, as in
  // transformers' from_pretrained. Every file is validated (File::Open); an
  // index must be a JSON object whose "weight_map" is an object of string
  // file names (relative, without "..", no duplicate keys), each file must
  // hold every tensor mapped to it, and no file may hold a tensor the map
  // sends elsewhere or omits (so no tensor is missing or in two shards).
  // "metadata" (total_size, ...) is informational and not checked.
  // Errors: kNotFound (no weights in the directory, a missing shard), kIo,
  // kCorrupt (bad file or index; the message names the file and tensor).
  static Result<Checkpoint> Open(const std::string& path);

  Checkpoint(Checkpoint&&) noexcept = default;
  Checkpoint& operator=(Checkpoint&&) noexcept = default;

  // Every tensor name, sorted (bytewise).
  std::vector<std::string> names() const;
  // nullptr when no file holds `name`.
  const TensorInfo* Find(std::string_view name) const;
  // The sum of all tensors' byte sizes.
  uint64_t total_bytes() const { return total_bytes_; }
  size_t size() const { return by_name_.size(); }

  // The opened files: one, or the shards in file-name order.
  const std::vector<File>& files() const { return files_; }
  // The index file's path, or empty for a single file.
  const std::string& index_path() const { return index_path_; }

 private:
  Checkpoint() = default;

  std::vector<File> files_;
  std::string index_path_;
  std::map<std::string, const TensorInfo*, std::less<>> by_name_;
  uint64_t total_bytes_ = 0;
};

}  // namespace swerl::st

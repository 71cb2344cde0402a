// Writing safetensors files (SPEC 7.1) byte-identical to the Python library's
// save_file, and Hugging Face checkpoint directories (one file, or shards plus
// model.safetensors.index.json) as transformers' save_pretrained lays them out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/st/dtype.h"

namespace swerl::st {

// A tensor to write. `data` is borrowed: row-major little-endian bytes, exactly
// numel * DtypeBits / 8 of them, alive until the write returns.
struct TensorRef {
  std::string name;
  Dtype dtype = Dtype::kU8;
  std::vector<int64_t> shape;
  std::span<const std::byte> data;
};

// The bytes of a safetensors file holding `tensors` and `metadata`, as
// safetensors 0.8.0's serialize() produces them: tensors ordered by
// descending dtype (the Dtype enum order), then by name (bytewise); the header
// JSON compact, with "__metadata__" first when `metadata` is non-empty (keys
// sorted; Python writes them in hash order, so files with two or more
// metadata keys match Python's only up to that order) and padded with spaces
// to a multiple of 8. Empty `metadata` writes no "__metadata__", as Python
// does for metadata=None.
// Errors: kInvalidInput (duplicate or reserved "__metadata__" name, a name or
// metadata string that is not UTF-8, a negative dimension, a size that does
// not fill whole bytes or does not match data.size(), a header over
// kMaxHeaderBytes); the message names the tensor.
Result<std::string> Serialize(std::vector<TensorRef> tensors,
                              const std::map<std::string, std::string>& metadata = {});

// Writes the same bytes to `path` atomically (temporary file, fsync, rename;
// see io/atomic_file.h), streaming the tensor data without building the
// file in memory. Errors: as Serialize, plus kIo.
Status WriteFile(const std::string& path, std::vector<TensorRef> tensors,
                 const std::map<std::string, std::string>& metadata = {});

// Writes a checkpoint directory (created if missing). Tensors are split into
// shards in the given order exactly as huggingface_hub's
// split_torch_state_dict_into_shards does: a tensor larger than
// max_shard_bytes gets a shard of its own; otherwise a new shard starts when
// the current one would exceed max_shard_bytes. One shard is written as
// `model.safetensors`; more as `model-0000K-of-0000N.safetensors` plus
// `model.safetensors.index.json`, formatted as transformers 5 writes it
// (json.dumps(indent=2, sort_keys=True) + "\n" of {"metadata":
// {"total_parameters": sum of numel, "total_size": sum of bytes},
// "weight_map": {name: file}}). Every shard carries `metadata`. Files of an
// earlier save that the new layout does not use (model.safetensors, the
// index, model-NNNNN-of-NNNNN.safetensors) are removed afterwards, so that
// loaders cannot pick up a stale copy. Each file is written atomically; the
// directory as a whole is not (write new checkpoints to fresh directories).
// Errors: as Serialize, plus kIo.
Status WriteCheckpoint(const std::string& dir, std::vector<TensorRef> tensors,
                       const std::map<std::string, std::string>& metadata,
                       uint64_t max_shard_bytes);

}  // namespace swerl::st

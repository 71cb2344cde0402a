// File: one validated .safetensors file (SPEC 7.1), mapped read-only, listing
// each tensor's dtype, shape and bytes. Validation matches what the Python
// `safetensors` 0.8.0 library accepts, with the differences noted on Parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/st/dtype.h"
#include "swerl/st/mapped_file.h"

namespace swerl::st {

// The largest header the format allows (the Python library's MAX_HEADER_SIZE).
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct TensorInfo {
  std::string name;
  Dtype dtype = Dtype::kU8;
  std::vector<int64_t> shape;  // empty for a rank-0 tensor
  // data_offsets, relative to the data buffer (after the 8 + N header bytes).
  uint64_t begin = 0, end = 0;
  // The tensor's bytes, row-major little-endian; valid while the File lives.
  // Aligned to the element size in files written by the Python library or
  // WriteFile (N a multiple of 8, tensors by descending alignment, page-aligned
  // mapping), but a valid file need not be: memcpy before reading elements of
  // files from elsewhere, or check the address.
  std::span<const std::byte> data;

  // The product of shape (1 for rank 0, 0 when any dimension is 0).
  int64_t numel() const;
};

// Movable, not copyable; const methods are safe to call from many threads.
// Moving a File keeps every TensorInfo::data span valid.
class File {
 public:
  // Maps and validates `path`. Errors: kNotFound, kIo, kInvalidInput (not a
  // regular file), kCorrupt (the bytes are not a valid safetensors file; the
  // message names the file and, where one is at fault, the tensor).
  static Result<File> Open(const std::string& path);

  // Validates `bytes`, a whole file, which the caller keeps alive for the
  // File's lifetime (fuzzing, tests); `label` names it in errors and path().
  // Errors: kCorrupt.
  //
  // Accepted exactly as safetensors 0.8.0's `deserialize` accepts: 8-byte
  // little-endian N <= kMaxHeaderBytes, N bytes of UTF-8 JSON (leading and
  // trailing JSON whitespace allowed, at most 127 levels deep), an object of
  // tensors plus an optional "__metadata__" (null or an object of strings);
  // each tensor an object with "dtype", "shape" (non-negative integers) and
  // "data_offsets" (two non-negative integers), other fields ignored; sorted
  // by offset the tensors tile the data buffer from 0 with no hole or
  // overlap; END - BEGIN = numel * bits / 8 (numel * bits a multiple of 8,
  // no overflow); last END + 8 + N = file size. Empty and rank-0 tensors are
  // fine. Deliberately stricter than Python: duplicate tensor names or
  // metadata keys (Python keeps the last), a shape entry above 2^63 - 1, a
  // dtype written as {"F32": null}, the integer -0 or an integer beyond
  // 64 bits anywhere in the header (Python ignores them in unknown fields),
  // and offsets whose sum with the header wraps around 2^64.
  static Result<File> Parse(std::string_view bytes, std::string label);

  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() = default;

  // Ordered by data offset (ties, i.e. empty tensors, by name).
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  // nullptr when the file holds no tensor of that name.
  const TensorInfo* Find(std::string_view name) const;
  // "__metadata__"; empty when absent or null.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // The path given to Open, or Parse's label.
  const std::string& path() const { return path_; }

  // N, the header length in bytes (the data buffer starts at 8 + N).
  uint64_t header_size() const { return header_size_; }
  // The sum of the tensors' byte sizes (the data buffer's length).
  uint64_t data_size() const { return data_size_; }
  // The whole file.
  std::string_view bytes() const { return bytes_; }

 private:
  File() = default;
  static Result<File> ParseInto(File file);

  std::string path_;
  std::optional<MappedFile> map_;
  std::string_view bytes_;
  uint64_t header_size_ = 0;
  uint64_t data_size_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> index_;  // name -> position in tensors_
  std::map<std::string, std::string> metadata_;
};

}  // namespace swerl::st

// MappedFile: a whole regular file mapped read-only into memory (mmap), unmapped
// when the object dies. The safetensors reader hands out views into it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "swerl/core/result.h"

namespace swerl::st {

// Movable, not copyable. The bytes are immutable and may be read from any
// number of threads. Moving keeps the mapping's address, so views taken
// before a move stay valid. If another process truncates the file while it is
// mapped, reading past the new end raises SIGBUS (as with any mmap reader).
class MappedFile {
 public:
  // Maps `path`. An empty file gives an empty view (nothing is mapped).
  // Errors: kNotFound (no such file), kInvalidInput (not a regular file), kIo.
  static Result<MappedFile> Open(const std::string& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // The file's bytes; valid until this object (or the one it moved into) dies.
  std::string_view bytes() const { return {static_cast<const char*>(addr_), size_}; }
  size_t size() const { return size_; }

 private:
  MappedFile(void* addr, size_t size) : addr_(addr), size_(size) {}
  void Unmap() noexcept;

  void* addr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace swerl::st

// InputStream: a pull source of bytes (a file, stdin, memory, or a decoder
// stacked on another stream). OpenInput detects gzip by its magic bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "swerl/core/result.h"

namespace swerl::io {

// Not thread-safe: one reader at a time.
class InputStream {
 public:
  virtual ~InputStream() = default;

  // Reads up to `n` bytes into `buf` and returns how many were read; 0 means
  // end of stream (n > 0). Errors: kIo (read failure), kCorrupt (a decoder
  // found damaged or truncated data). Messages name the stream.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;

  // The name used in messages: the path, or "<stdin>".
  virtual const std::string& name() const = 0;

  // Bytes consumed from the underlying source so far (compressed bytes for
  // decoders), for progress reporting.
  virtual uint64_t source_offset() const = 0;
};

// Opens `path` for reading; "-" means standard input. Errors: kNotFound, kIo.
Result<std::unique_ptr<InputStream>> OpenFile(const std::string& path);

// Reads from an in-memory copy of `data`.
std::unique_ptr<InputStream> StringInput(std::string data, std::string name = "<string>");

enum class GzipBackend { kDefault, kIsal, kZlib };

// Opens `path` ("-" = stdin) and, when it starts with the gzip magic bytes
// 1f 8b, decompresses it (all members) with `backend`. Plain input passes
// through unchanged.
Result<std::unique_ptr<InputStream>> OpenInput(const std::string& path,
                                               GzipBackend backend = GzipBackend::kDefault);

// Reads `in` to the end. Errors as InputStream::Read.
Result<std::string> ReadAll(InputStream& in);

}  // namespace swerl::io

// InputStream: a pull source of bytes (a file, stdin, memory, or a decoder
// stacked on another stream). OpenInput detects gzip by its magic bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

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

  // For a stream whose bytes all lie in memory (a mapped file), those bytes,
  // so that a reader can work in place instead of copying them through
  // Read; empty for other streams. A reader that takes them does not call
  // Read, and reports its progress with Consumed. The bytes stay valid as
  // long as the stream.
  virtual std::string_view Mapped() const { return {}; }
  // With Mapped(): the reader is done with the first `n` bytes (a hint that
  // lets a mapped file drop its pages behind the reader, keeping RSS
  // bounded). Non-decreasing.
  virtual void Consumed(uint64_t n) {}
};

// Whether OpenFile maps a file into memory instead of reading it. Mapping
// saves the kernel's copy (gzip input is read in place), but a file that
// shrinks while mapped kills the process with SIGBUS (the CLI reports it):
// kAuto maps regular files of 1 MiB and more, which swerl's own downloads
// never change once in place.
enum class MapMode { kAuto, kNever, kAlways };

// Opens `path` for reading; "-" means standard input (never mapped).
// Errors: kNotFound, kIo.
Result<std::unique_ptr<InputStream>> OpenFile(const std::string& path,
                                              MapMode map = MapMode::kAuto);

// Reads from an in-memory copy of `data`.
std::unique_ptr<InputStream> StringInput(std::string data, std::string name = "<string>");

enum class GzipBackend { kDefault, kIsal, kZlib };

// Opens `path` ("-" = stdin) and, when it starts with the gzip magic bytes
// 1f 8b, decompresses it (all members) with `backend`. Plain input passes
// through unchanged.
Result<std::unique_ptr<InputStream>> OpenInput(const std::string& path,
                                               GzipBackend backend = GzipBackend::kDefault,
                                               MapMode map = MapMode::kAuto);

// Reads `in` to the end. Errors as InputStream::Read.
Result<std::string> ReadAll(InputStream& in);

}  // namespace swerl::io

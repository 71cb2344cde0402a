// Gzip decoding (RFC 1952) as an InputStream: multi-member files, CRC-32 and
// ISIZE checked per member, truncation detected. isa-l's igzip when built
// with it (several times faster than zlib), zlib otherwise or on request.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "swerl/io/input.h"

namespace swerl::io {

// True when this build has the isa-l backend.
bool IsalAvailable();

// The backend kDefault resolves to: isa-l when available, else zlib.
GzipBackend DefaultGzipBackend();

// Wraps `compressed` in a decoder. Read() returns kCorrupt with the
// compressed byte offset for: a bad header, damaged deflate data, a CRC or
// length mismatch, a stream that ends inside a member ("truncated gzip
// stream"), or bytes after a member that are neither another member nor zero
// padding ("trailing garbage"). kIsal falls back to zlib when unavailable.
std::unique_ptr<InputStream> GzipInput(std::unique_ptr<InputStream> compressed,
                                       GzipBackend backend = GzipBackend::kDefault);

// Compresses `data` into one gzip member with zlib at `level` (1-9), no
// file name or timestamp in the header, so equal input gives equal bytes.
std::string GzipCompress(std::string_view data, int level = 6);

// Decodes all of `in` (already a GzipInput or not) and returns the number of
// decompressed bytes; used to verify downloads. Errors as Read().
Result<uint64_t> DrainCount(InputStream& in);

}  // namespace swerl::io

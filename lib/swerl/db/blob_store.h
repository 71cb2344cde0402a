// A blobs table (blob_id TEXT UNIQUE, size INTEGER, data BLOB): file
// contents keyed by an id (the store: git blob ids, schemas/store.md; the
// shard: sha256, schemas/shard.md), each one zstd frame, stored once however
// many rows use it.
#pragma once

#include <zstd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "swerl/core/c_deleter.h"
#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::db {

using ZstdCCtxHandle = std::unique_ptr<ZSTD_CCtx, CDeleter<&ZSTD_freeCCtx>>;
using ZstdDCtxHandle = std::unique_ptr<ZSTD_DCtx, CDeleter<&ZSTD_freeDCtx>>;

// Compresses blob contents into the frames the blobs table holds, with one
// reused context. Not thread-safe: one per thread.
class BlobCompressor {
 public:
  // level: zstd level (1..22; negative levels are fast modes).
  static Result<BlobCompressor> Create(int level);

  // Replaces *frame with `data` compressed. Errors: kExternal (zstd).
  Status Compress(std::string_view data, std::string* frame);

 private:
  BlobCompressor(ZstdCCtxHandle cctx, int level) : cctx_(std::move(cctx)), level_(level) {}
  ZstdCCtxHandle cctx_;
  int level_;
};

// Writes blobs into an open store. *db must outlive it. Not thread-safe.
class BlobWriter {
 public:
  // level: the zstd level of the blobs this writer compresses itself.
  static Result<BlobWriter> Create(Db* db, int level);

  // Stores `data` under `blob_id` (40 hex digits) unless a row with that id
  // exists; returns whether a row was added. `frame` is `data` already
  // compressed by a BlobCompressor, or empty to have the writer compress it
  // (only when the row is added). Run it inside the caller's transaction.
  // Errors: kExternal (zstd), database failures.
  Result<bool> Put(std::string_view blob_id, std::string_view data, std::string_view frame = {});

  // Totals of the rows this writer added.
  uint64_t added() const { return added_; }
  uint64_t raw_bytes() const { return raw_bytes_; }
  uint64_t stored_bytes() const { return stored_bytes_; }

 private:
  BlobWriter(BlobCompressor compressor, Stmt exists, Stmt insert)
      : compressor_(std::move(compressor)), exists_(std::move(exists)),
        insert_(std::move(insert)) {}
  BlobCompressor compressor_;
  Stmt exists_, insert_;
  std::string buffer_;
  uint64_t added_ = 0, raw_bytes_ = 0, stored_bytes_ = 0;
};

// Reads blobs from an open store with one prepared statement and one
// decompression context. *db must outlive it. Not thread-safe.
class BlobReader {
 public:
  static Result<BlobReader> Create(Db* db);

  // The contents stored under `blob_id`, decompressed. Errors: kNotFound
  // (no such row), kCorrupt (the frame does not decompress to `size` bytes).
  Result<std::string> Read(std::string_view blob_id);

 private:
  BlobReader(ZstdDCtxHandle dctx, Stmt select)
      : dctx_(std::move(dctx)), select_(std::move(select)) {}
  ZstdDCtxHandle dctx_;
  Stmt select_;
};

// One-shot BlobReader::Read.
Result<std::string> ReadStoredBlob(Db* db, std::string_view blob_id);

}  // namespace swerl::db

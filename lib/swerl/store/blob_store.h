// The blobs table of the store (schemas/store.md, "swerl assemble"): file
// contents keyed by git blob id, each one zstd frame, stored once however
// many instances use it.
#pragma once

#include <zstd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "swerl/core/c_deleter.h"
#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::store {

using ZstdCCtxHandle = std::unique_ptr<ZSTD_CCtx, CDeleter<&ZSTD_freeCCtx>>;
using ZstdDCtxHandle = std::unique_ptr<ZSTD_DCtx, CDeleter<&ZSTD_freeDCtx>>;

// Writes blobs into an open store, compressing with one reused context.
// *db must outlive it. Not thread-safe.
class BlobWriter {
 public:
  // level: zstd level (1..22; negative levels are fast modes).
  static Result<BlobWriter> Create(db::Db* db, int level);

  // Stores `data` under `blob_id` (40 hex digits) unless a row with that id
  // exists. Returns whether a row was added. Run it inside the caller's
  // transaction. Errors: kExternal (zstd), database failures.
  Result<bool> Put(std::string_view blob_id, std::string_view data);

  // Totals of the rows this writer added.
  uint64_t added() const { return added_; }
  uint64_t raw_bytes() const { return raw_bytes_; }
  uint64_t stored_bytes() const { return stored_bytes_; }

 private:
  BlobWriter(ZstdCCtxHandle cctx, int level, db::Stmt exists, db::Stmt insert)
      : cctx_(std::move(cctx)), level_(level), exists_(std::move(exists)),
        insert_(std::move(insert)) {}
  ZstdCCtxHandle cctx_;
  int level_;
  db::Stmt exists_, insert_;
  std::string buffer_;
  uint64_t added_ = 0, raw_bytes_ = 0, stored_bytes_ = 0;
};

// The contents stored under `blob_id`, decompressed. Errors: kNotFound (no
// such row), kCorrupt (the frame does not decompress to `size` bytes).
Result<std::string> ReadStoredBlob(db::Db* db, std::string_view blob_id);

}  // namespace swerl::store

#include "swerl/db/blob_store.h"

namespace swerl::db {

Result<BlobCompressor> BlobCompressor::Create(int level) {
  ZstdCCtxHandle cctx(ZSTD_createCCtx());
  if (!cctx) return Error(Code::kExternal, "cannot create a zstd compression context");
  return BlobCompressor(std::move(cctx), level);
}

Status BlobCompressor::Compress(std::string_view data, std::string* frame) {
  frame->resize(ZSTD_compressBound(data.size()));
  const size_t n =
      ZSTD_compressCCtx(cctx_.get(), frame->data(), frame->size(), data.data(), data.size(), level_);
  if (ZSTD_isError(n)) {
    return Error(Code::kExternal, std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  }
  frame->resize(n);
  return OkStatus();
}

Result<BlobWriter> BlobWriter::Create(Db* db, int level) {
  SWERL_ASSIGN_OR_RETURN(BlobCompressor compressor, BlobCompressor::Create(level));
  SWERL_ASSIGN_OR_RETURN(Stmt exists, db->Prepare("SELECT 1 FROM blobs WHERE blob_id = ?"));
  SWERL_ASSIGN_OR_RETURN(
      Stmt insert,
      db->Prepare("INSERT OR IGNORE INTO blobs(blob_id, size, data) VALUES (?, ?, ?)"));
  return BlobWriter(std::move(compressor), std::move(exists), std::move(insert));
}

Result<bool> BlobWriter::Put(std::string_view blob_id, std::string_view data,
                             std::string_view frame) {
  exists_.BindText(1, blob_id);
  auto found = exists_.Step();
  exists_.Reset();
  if (!found) return std::move(found).error();
  if (*found) return false;
  if (frame.empty()) {
    if (Status st = compressor_.Compress(data, &buffer_); !st) {
      return std::move(st).error().With("blob '" + std::string(blob_id) + "'");
    }
    frame = buffer_;
  }
  insert_.BindText(1, blob_id);
  insert_.BindInt(2, static_cast<int64_t>(data.size()));
  insert_.BindBlob(3, frame);
  SWERL_RETURN_IF_ERROR(insert_.Run());
  ++added_;
  raw_bytes_ += data.size();
  stored_bytes_ += frame.size();
  return true;
}

Result<BlobReader> BlobReader::Create(Db* db) {
  ZstdDCtxHandle dctx(ZSTD_createDCtx());
  if (!dctx) return Error(Code::kExternal, "cannot create a zstd decompression context");
  SWERL_ASSIGN_OR_RETURN(Stmt select,
                         db->Prepare("SELECT size, data FROM blobs WHERE blob_id = ?"));
  return BlobReader(std::move(dctx), std::move(select));
}

Result<std::string> BlobReader::Read(std::string_view blob_id) {
  select_.BindText(1, blob_id);
  auto row = select_.Step();
  if (!row) {
    select_.Reset();
    return std::move(row).error();
  }
  if (!*row) {
    select_.Reset();
    return Error(Code::kNotFound, "no blob '" + std::string(blob_id) + "' in the store");
  }
  const int64_t size = select_.Int(0);
  const std::string_view frame = select_.Text(1);
  std::string out(static_cast<size_t>(size), '\0');
  const size_t n =
      ZSTD_decompressDCtx(dctx_.get(), out.data(), out.size(), frame.data(), frame.size());
  select_.Reset();
  if (ZSTD_isError(n) || static_cast<int64_t>(n) != size) {
    return Error(Code::kCorrupt, "blob '" + std::string(blob_id) + "' does not decompress: " +
                                     (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size"));
  }
  return out;
}

Result<std::string> ReadStoredBlob(Db* db, std::string_view blob_id) {
  SWERL_ASSIGN_OR_RETURN(BlobReader reader, BlobReader::Create(db));
  return reader.Read(blob_id);
}

}  // namespace swerl::db

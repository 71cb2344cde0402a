// The curated shard (schemas/shard.sql, documented in schemas/shard.md): the
// one contract between curation and training. `swerl export` writes it with
// ShardWriter; `swerl check`, `swerl reward --seeds` and swerl-train read it
// with ShardReader.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "swerl/core/result.h"
#include "swerl/curate/seed.h"
#include "swerl/db/blob_store.h"
#include "swerl/db/sqlite.h"

namespace swerl::shard {

// The newest shard schema version this build knows.
int ShardVersion();

// Writes seeds into a new shard. Seeds go in one transaction per Add;
// Finish writes the meta rows. A failed writer leaves the file for the caller
// to remove (swerl export writes beside the final name and renames).
class ShardWriter {
 public:
  // Creates the shard at `path`, which must not exist. Errors: kIo,
  // kInvalidInput (the file exists).
  static Result<ShardWriter> Create(const std::string& path);

  // Appends `seed` (its prompt must be rendered); contents are stored once
  // per distinct text. Errors: database failures (an instance_id already
  // in the shard breaks its UNIQUE constraint), zstd failures.
  Status Add(const curate::Seed& seed);

  // Writes meta (the given pairs, then shard_version, created_at,
  // system_prompt and seeds) and checkpoints the file.
  Status Finish(const std::vector<std::pair<std::string, std::string>>& meta);

  uint64_t seeds() const { return seeds_; }
  uint64_t blob_bytes() const { return blobs_.stored_bytes(); }

 private:
  ShardWriter(db::Db db, db::BlobWriter blobs, db::Stmt seed, db::Stmt file)
      : db_(std::move(db)), blobs_(std::move(blobs)), seed_(std::move(seed)),
        file_(std::move(file)) {}
  db::Db db_;
  db::BlobWriter blobs_;
  db::Stmt seed_, file_;
  uint64_t seeds_ = 0;
};

// Reads a shard. Not thread-safe.
class ShardReader {
 public:
  // Opens `path` read-only. Errors: kNotFound, kCorrupt (not a shard),
  // kUnsupported (a newer shard version).
  static Result<ShardReader> Open(const std::string& path);

  // The value of a meta key, or "" when absent.
  Result<std::string> Meta(const std::string& key);

  // Calls fn with every seed, context and oracle filled, in export order;
  // stops at fn's first error. Errors: kCorrupt (a record that does not
  // parse, a missing blob), fn's.
  Status ForEach(const std::function<Status(curate::Seed&)>& fn);

 private:
  explicit ShardReader(db::Db db) : db_(std::move(db)) {}
  db::Db db_;
};

}  // namespace swerl::shard

// The curated shard (schemas/shard.sql, documented in schemas/shard.md): the
// one contract between curation and training. `swerl export` writes it with
// ShardWriter; `swerl check`, `swerl reward --seeds` and swerl-train read it
// with ShardReader.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/db/blob_store.h"
#include "swerl/db/sqlite.h"
#include "swerl/shard/seed.h"

namespace swerl::shard {

// The newest shard schema version this build knows.
int ShardVersion();

// Writes seeds into a new shard. Seeds go in one transaction per Add;
// Finish writes the meta rows. A failed writer leaves the file for the caller
// to remove (swerl export writes beside the final name and renames).
class ShardWriter {
 public:
  // Creates the shard at `path`, which must not exist, stamped with the
  // shard's application_id (db/file_kind.h). Errors: kIo, kInvalidInput (the
  // file exists).
  static Result<ShardWriter> Create(const std::string& path);

  // Appends `seed` (its prompt must be rendered); contents are stored once
  // per distinct text. Errors: database failures (an instance_id already
  // in the shard breaks its UNIQUE constraint), zstd failures.
  Status Add(const Seed& seed);

  // Writes meta (the given pairs, then shard_version, created_at,
  // system_prompt and seeds) and checkpoints the file. created_at is the
  // clock's unless `meta` gives one. The file's bytes depend only on the
  // seeds added, in order, and the meta: the same calls give the same file.
  Status Finish(const std::vector<std::pair<std::string, std::string>>& meta);

  uint64_t seeds() const { return seeds_; }
  uint64_t blob_bytes() const { return blobs_.stored_bytes(); }

 private:
  ShardWriter(db::Db db, db::BlobWriter blobs, db::Stmt seed, db::Stmt file)
      : db_(std::move(db)),
        blobs_(std::move(blobs)),
        seed_(std::move(seed)),
        file_(std::move(file)) {}
  db::Db db_;
  db::BlobWriter blobs_;
  db::Stmt seed_, file_;
  uint64_t seeds_ = 0;
};

// OkStatus when `path` is a file path a seed may carry: non-empty, relative,
// in canonical form (no empty, "." or ".." components, no trailing '/') and
// without NUL bytes, so that it names a file inside the repository however
// it is joined to a directory. Errors: kCorrupt saying which rule it breaks.
// The shard reader applies it to every file it reads; `swerl check` too.
Status ValidateSeedPath(std::string_view path);

// A seed's identity without its contents.
struct SeedRef {
  int64_t seed_id = 0;      // 0, 1, ... in export order
  std::string instance_id;  // "owner__name-NUMBER"
};

// Reads a shard. Not thread-safe (one reader per thread).
class ShardReader {
 public:
  // Opens `path` read-only (it may be a read-only file in a read-only
  // directory). Errors: kNotFound, kInvalidInput (a store, an empty
  // database or another SQLite file: "'x' is a swerl store, not a shard"),
  // kCorrupt (not an SQLite database), kUnsupported (a newer shard version).
  static Result<ShardReader> Open(const std::string& path);

  const std::string& path() const { return db_.path(); }

  // The value of a meta key, or "" when absent.
  Result<std::string> Meta(const std::string& key);

  // The number of seeds.
  Result<int64_t> Count();

  // Every seed's id and instance id, in export order.
  Result<std::vector<SeedRef>> List();

  // The seed `seed_id` with its context and oracle filled. Errors: kNotFound
  // (no such seed), kCorrupt (a record that does not parse, a missing blob,
  // a file path that ValidateSeedPath refuses), naming the seed.
  Result<Seed> Read(int64_t seed_id);

  // Calls fn with every seed, context and oracle filled, in export order;
  // stops at fn's first error. Errors: as Read, and fn's.
  Status ForEach(const std::function<Status(Seed&)>& fn);

  // A blob that fails its integrity check, and the files that use it.
  struct BadBlob {
    std::string blob_id;
    std::string why;  // "does not decompress ...", "holds contents whose sha256 is ..."
    // "seed 'INSTANCE_ID' ROLE file 'PATH'", in (seed, role, path) order.
    std::vector<std::string> users;
  };
  // The integrity check of `swerl check`: decompresses every row of the
  // blobs table (used or not) and recomputes its sha256 against its id.
  // *checked gets the number of blobs read. Errors: database failures only;
  // bad blobs are returned.
  Result<std::vector<BadBlob>> VerifyBlobs(uint64_t* checked);

 private:
  explicit ShardReader(db::Db db) : db_(std::move(db)) {}
  Status Prepare();
  // Parses the record of the row `seeds_` stands on and reads its files.
  Result<Seed> Fill(db::Stmt& row);

  db::Db db_;
  db::Stmt by_id_, files_;  // prepared on first use
  std::unique_ptr<db::BlobReader> blobs_;
  std::string padded_;
};

}  // namespace swerl::shard

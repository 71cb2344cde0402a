// The swerl.db store (schemas/swerl.sql, documented in schemas/store.md):
// opening with the house pragmas, the store's application_id and forward
// migrations (db/file_kind.h).
#pragma once

#include <string>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::store {

// The newest schema version this build knows (the last migration section of
// schemas/swerl.sql).
int SchemaVersion();

// Opens the store at `path` (db::OpenFileOfKind with db::kStoreKind):
//   - kCreate: a missing or empty file becomes a new store (64 KiB pages,
//     WAL mode); several processes creating one store at once all succeed;
//   - kReadWrite: the store must exist;
//   - both apply the migrations the store lacks, and its application_id,
//     in one transaction, and set synchronous=NORMAL;
//   - kReadOnly: never writes the file, and works on a read-only file or in
//     a read-only directory; the store must be at SchemaVersion().
// Errors: kNotFound (no file, read modes), kInvalidInput (a shard, an empty
// database in read modes, or any other SQLite file: "'x' is a swerl shard,
// not a store"), kUnsupported (from a newer swerl; or older, read-only),
// kCorrupt (not an SQLite database), kIo.
Result<db::Db> OpenStore(const std::string& path, db::Db::Mode mode);

// OpenStore with kCreate (`create`) or kReadWrite.
inline Result<db::Db> OpenStore(const std::string& path, bool create) {
  return OpenStore(path, create ? db::Db::Mode::kCreate : db::Db::Mode::kReadWrite);
}

}  // namespace swerl::store

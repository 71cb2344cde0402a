// The swerl.db store (schemas/swerl.sql, documented in schemas/store.md):
// opening with the house pragmas and forward migrations.
#pragma once

#include <string>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::store {

// The newest schema version this build knows (the last migration section of
// schemas/swerl.sql).
int SchemaVersion();

// Opens (creating when `create`) the store at `path`, sets WAL mode and
// synchronous=NORMAL, and applies the migrations the database lacks, each in
// its own transaction. Errors: kNotFound (no file and !create), kUnsupported
// (the database is from a newer swerl: its user_version is above
// SchemaVersion()), kCorrupt (not a database), kIo.
Result<db::Db> OpenStore(const std::string& path, bool create);

}  // namespace swerl::store

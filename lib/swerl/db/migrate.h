// Forward migrations of a versioned SQLite schema: a schema file holds
// sections, each starting with a line "-- @migration N" (N = 1, 2, ...),
// that upgrade a database at PRAGMA user_version N-1 to N. Used by the store
// (schemas/swerl.sql) and the shard (schemas/shard.sql), through
// db/file_kind.h's OpenFileOfKind.
#pragma once

#include <string>
#include <string_view>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::db {

// The version of the last section of `schema_sql` (0 when it has none).
int LatestVersion(std::string_view schema_sql);

// PRAGMA user_version of *db.
Result<int64_t> UserVersion(Db* db);

// Applies the sections newer than *db's user_version and sets user_version
// to the last one, all inside the caller's write transaction: a failure in
// any section rolls back with the rest, so the file stays at its old version
// with none of the new tables. REQUIRES: a transaction begun with BEGIN
// IMMEDIATE (or EXCLUSIVE) is open on *db, so the version read here cannot
// change before the commit. `name` (the file) goes into error messages.
// Errors: kUnsupported (user_version is above LatestVersion: a newer swerl
// wrote it), database failures naming the section.
Status MigrateInTransaction(Db* db, std::string_view schema_sql, const std::string& name);

// MigrateInTransaction in a transaction of its own (committed when it
// succeeds, rolled back otherwise). The version is read after the write
// lock is taken, so processes migrating one file at once each see the
// other's finished work rather than repeating it.
Status Migrate(Db* db, std::string_view schema_sql, const std::string& name);

}  // namespace swerl::db

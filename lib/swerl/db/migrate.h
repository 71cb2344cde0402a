// Forward migrations of a versioned SQLite schema: a schema file holds
// sections, each starting with a line "-- @migration N" (N = 1, 2, ...),
// that upgrade a database at PRAGMA user_version N-1 to N. Used by the store
// (schemas/swerl.sql) and the shard (schemas/shard.sql).
#pragma once

#include <string>
#include <string_view>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::db {

// The version of the last section of `schema_sql` (0 when it has none).
int LatestVersion(std::string_view schema_sql);

// Applies the sections newer than *db's user_version, each in its own
// transaction. `name` (the file) goes into error messages. Errors:
// kUnsupported (user_version is above LatestVersion: a newer swerl wrote
// it), database failures naming the section.
Status Migrate(Db* db, std::string_view schema_sql, const std::string& name);

}  // namespace swerl::db

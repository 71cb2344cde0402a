// Databases that know what they are: each kind of SQLite file swerl writes
// (the store, the shard) carries its own PRAGMA application_id, set when the
// file is created; files written before the ids existed are recognised by
// their tables and stamped on their next writable open. OpenFileOfKind is
// how the store and the shard are opened: it refuses any other file before
// writing a byte to it, and creates and migrates a file of its kind in one
// transaction (schemas/store.md, schemas/shard.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::db {

// One kind of database file.
struct FileKind {
  std::string_view name;     // "store", "shard"
  uint32_t application_id;   // PRAGMA application_id
  std::string_view made_by;  // the command that creates it, for messages
  // Tables that the first migration of its schema creates and no other
  // kind has together: how a file without the id is recognised.
  std::string_view signature[3];
};

// 'SWST' and 'SWSH' as big-endian bytes (offset 68 of the file header).
inline constexpr FileKind kStoreKind{
    "store", 0x53575354, "swerl ingest", {"ingest_log", "pull_requests", "repos"}};
inline constexpr FileKind kShardKind{
    "shard", 0x53575348, "swerl export --out", {"meta", "seed_files", "seeds"}};

// What an open database is.
struct FileIdentity {
  const FileKind* kind = nullptr;  // kStoreKind, kShardKind or null (none)
  bool stamped = false;            // its application_id says `kind`
  bool empty = false;              // no tables, user_version and application_id 0
  uint32_t application_id = 0;
  int64_t user_version = 0;
  std::vector<std::string> tables;  // names, sorted
};

// Reads application_id, user_version and the table names of *db. A file
// whose application_id is one of ours is that kind; one whose id is 0 is
// the kind whose signature tables it has all of (none when it has both
// kinds' or neither's). Errors: database failures.
Result<FileIdentity> IdentifyFile(Db* db);

// "a swerl shard", "an empty SQLite database", "an SQLite database of
// another application (application_id 0x12345678)", "an SQLite database of
// other tables (a, b, c)".
std::string DescribeFile(const FileIdentity& id);

// Opens `path` as a database of `kind` whose schema is `schema_sql`
// (db/migrate.h):
//   - any mode: refuses a file of another kind or none, before writing to
//     it: kInvalidInput "'x.db' is a swerl shard, not a store"; and a file
//     whose user_version is above the schema's (kUnsupported, newer swerl);
//   - kReadOnly: opens without writing (Db::Open); refuses an empty
//     database, and one of an older version than the schema's (kUnsupported:
//     a writable open upgrades it);
//   - kReadWrite (the file must exist and not be empty) and kCreate (a
//     missing or empty file becomes a new one): runs `setup_sql` (pragmas
//     such as page_size and journal_mode, which must come before the file's
//     first write; only ever on a file of `kind` or an empty one), then,
//     when the file
//     lacks migrations or its application_id, takes the write lock (BEGIN
//     IMMEDIATE, waiting on the busy timeout), identifies the file again
//     under it, and applies every missing migration and the application_id
//     in that one transaction. Processes creating one file at once therefore
//     all succeed: the first creates it, the others find it made.
// Errors: as above, Db::Open's (kNotFound, kCorrupt for a file that is not
// an SQLite database, kIo), database failures.
Result<Db> OpenFileOfKind(const std::string& path, const FileKind& kind,
                          std::string_view schema_sql, Db::Mode mode,
                          std::string_view setup_sql = {});

}  // namespace swerl::db

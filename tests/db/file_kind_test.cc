// Databases that know what they are (db/file_kind.h, issue 16): the store's
// and the shard's application ids, files of this project recognised by
// their tables and stamped, every other file refused without a byte
// written, migrations in one transaction, and a race-free first creation.
#include "swerl/db/file_kind.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "swerl/db/migrate.h"
#include "swerl/shard/shard.h"
#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl::db {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

int64_t QueryInt(Db* db, const std::string& sql) {
  auto stmt = db->Prepare(sql);
  EXPECT_TRUE(stmt) << stmt.error().message();
  auto row = stmt->Step();
  EXPECT_TRUE(row && *row) << sql;
  return stmt->Int(0);
}

std::vector<std::string> Tables(const std::string& path) {
  auto db = Db::Open(path, Db::Mode::kReadOnly);
  EXPECT_TRUE(db) << db.error().message();
  auto id = IdentifyFile(&*db);
  EXPECT_TRUE(id) << id.error().message();
  return id->tables;
}

void MakeShard(const std::string& path) {
  auto w = shard::ShardWriter::Create(path);
  ASSERT_TRUE(w) << w.error().message();
  ASSERT_TRUE(w->Finish({}));
}

void MakeStore(const std::string& path) {
  auto db = store::OpenStore(path, Db::Mode::kCreate);
  ASSERT_TRUE(db) << db.error().message();
}

// A file as an older swerl wrote it: application_id 0.
void Unstamp(const std::string& path) {
  auto db = Db::Open(path, Db::Mode::kReadWrite);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->Exec("PRAGMA application_id=0"));
}

TEST(FileKind, NewStoresAndShardsCarryTheirApplicationIds) {
  TempDir dir;
  MakeStore(dir.Join("s.db"));
  MakeShard(dir.Join("sh.db"));
  for (const auto& [path, kind] :
       {std::pair{dir.Join("s.db"), &kStoreKind}, std::pair{dir.Join("sh.db"), &kShardKind}}) {
    auto db = Db::Open(path, Db::Mode::kReadOnly);
    ASSERT_TRUE(db);
    EXPECT_EQ(QueryInt(&*db, "PRAGMA application_id"), kind->application_id);
    auto id = IdentifyFile(&*db);
    ASSERT_TRUE(id);
    EXPECT_EQ(id->kind, kind);
    EXPECT_TRUE(id->stamped);
    EXPECT_EQ(DescribeFile(*id), "a swerl " + std::string(kind->name));
  }
  EXPECT_NE(kStoreKind.application_id, kShardKind.application_id);
  // 'SWST' / 'SWSH' at offset 68 of the header, big-endian, as `file` reads it.
  EXPECT_EQ(ReadFile(dir.Join("s.db")).substr(68, 4), "SWST");
  EXPECT_EQ(ReadFile(dir.Join("sh.db")).substr(68, 4), "SWSH");
}

TEST(FileKind, OlderFilesAreRecognisedByTheirTablesAndStampedOnlyWhenWritten) {
  TempDir dir;
  const std::string store = dir.Join("s.db"), shard_path = dir.Join("sh.db");
  MakeStore(store);
  MakeShard(shard_path);
  Unstamp(store);
  Unstamp(shard_path);
  {
    auto ro = store::OpenStore(store, Db::Mode::kReadOnly);
    ASSERT_TRUE(ro) << ro.error().message();
    EXPECT_EQ(QueryInt(&*ro, "PRAGMA application_id"), 0);  // read-only: not stamped
  }
  {
    auto rw = store::OpenStore(store, Db::Mode::kReadWrite);
    ASSERT_TRUE(rw) << rw.error().message();
    EXPECT_EQ(QueryInt(&*rw, "PRAGMA application_id"), kStoreKind.application_id);
  }
  auto reader = shard::ShardReader::Open(shard_path);
  EXPECT_TRUE(reader) << reader.error().message();
  auto wrong = store::OpenStore(shard_path, Db::Mode::kReadWrite);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message(), "'" + shard_path + "' is a swerl shard, not a store");
}

// issue 16 case 3: `swerl stats --db shard.db` (or ingest) committed a store
// migration into the shard before failing. Every mode now refuses the shard
// and leaves it byte for byte as it was, still a readable shard.
TEST(FileKind, Issue16Case3StoreOpensRefuseAShardWithoutWritingIt) {
  TempDir dir;
  const std::string path = dir.Join("shard.db");
  MakeShard(path);
  const std::string before = ReadFile(path);
  for (Db::Mode mode : {Db::Mode::kReadOnly, Db::Mode::kReadWrite, Db::Mode::kCreate}) {
    auto db = store::OpenStore(path, mode);
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().code(), Code::kInvalidInput);
    EXPECT_EQ(db.error().message(), "'" + path + "' is a swerl shard, not a store");
  }
  EXPECT_EQ(ReadFile(path), before);
  EXPECT_TRUE(shard::ShardReader::Open(path));
  // And the other way round: a store is not a shard.
  MakeStore(dir.Join("store.db"));
  auto reader = shard::ShardReader::Open(dir.Join("store.db"));
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().message(),
            "'" + dir.Join("store.db") + "' is a swerl store, not a shard");
}

// issue 16 case 3: `swerl ingest --db other.db` added ~20 tables to any
// SQLite file. Now it is refused untouched, saying what the file is.
TEST(FileKind, UnrelatedSqliteFilesAreRefusedUntouched) {
  TempDir dir;
  const std::string other = dir.Join("other.db"), app = dir.Join("app.db");
  {
    auto db = Db::Open(other, Db::Mode::kCreate);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("CREATE TABLE notes(x); CREATE TABLE tags(y);"));
    auto a = Db::Open(app, Db::Mode::kCreate);
    ASSERT_TRUE(a);
    ASSERT_TRUE(a->Exec("PRAGMA application_id=305419896; CREATE TABLE t(x);"));  // 0x12345678
  }
  const std::string other_bytes = ReadFile(other), app_bytes = ReadFile(app);
  for (Db::Mode mode : {Db::Mode::kReadOnly, Db::Mode::kReadWrite, Db::Mode::kCreate}) {
    auto db = store::OpenStore(other, mode);
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().message(),
              "'" + other + "' is an SQLite database of other tables (notes, tags), not a store");
    auto b = store::OpenStore(app, mode);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().message(), "'" + app +
                                       "' is an SQLite database of another application "
                                       "(application_id 0x12345678), not a store");
  }
  EXPECT_EQ(ReadFile(other), other_bytes);
  EXPECT_EQ(ReadFile(app), app_bytes);
  EXPECT_EQ(Tables(other), (std::vector<std::string>{"notes", "tags"}));

  WriteFile(dir.Join("notes.txt"), "not a database, but long enough to have a header\n");
  auto text = store::OpenStore(dir.Join("notes.txt"), Db::Mode::kCreate);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code(), Code::kCorrupt);
  EXPECT_EQ(text.error().message(), "'" + dir.Join("notes.txt") + "' is not an SQLite database");
}

TEST(FileKind, EmptyFilesBecomeStoresOnlyWhereCreationIsAsked) {
  TempDir dir;
  WriteFile(dir.Join("empty.db"), "");
  for (Db::Mode mode : {Db::Mode::kReadOnly, Db::Mode::kReadWrite}) {
    auto db = store::OpenStore(dir.Join("empty.db"), mode);
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().message(),
              "'" + dir.Join("empty.db") + "' is an empty SQLite database, not a store");
  }
  EXPECT_EQ(ReadFile(dir.Join("empty.db")), "");
  auto made = store::OpenStore(dir.Join("empty.db"), Db::Mode::kCreate);
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_EQ(QueryInt(&*made, "PRAGMA user_version"), store::SchemaVersion());
}

TEST(FileKind, VersionsNewerThanThisBuildAreRefusedInEveryMode) {
  TempDir dir;
  const std::string path = dir.Join("s.db");
  MakeStore(path);
  {
    auto db = Db::Open(path, Db::Mode::kReadWrite);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("PRAGMA user_version=" + std::to_string(store::SchemaVersion() + 1)));
  }
  for (Db::Mode mode : {Db::Mode::kReadOnly, Db::Mode::kReadWrite, Db::Mode::kCreate}) {
    auto db = store::OpenStore(path, mode);
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().code(), Code::kUnsupported);
    EXPECT_NE(db.error().message().find("newer than this swerl"), std::string::npos);
  }
}

TEST(FileKind, ReadOnlyOpensDoNotUpgradeAnOlderStore) {
  TempDir dir;
  const std::string path = dir.Join("s.db");
  MakeStore(path);
  {
    auto db = Db::Open(path, Db::Mode::kReadWrite);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("PRAGMA user_version=" + std::to_string(store::SchemaVersion() - 1)));
  }
  auto db = store::OpenStore(path, Db::Mode::kReadOnly);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code(), Code::kUnsupported);
  EXPECT_NE(db.error().message().find("older than this swerl's"), std::string::npos)
      << db.error().message();
}

// A schema whose third section fails halfway (its second statement).
constexpr std::string_view kFailingSchema =
    "-- test schema\n"
    "-- @migration 1\nCREATE TABLE a(x);\n"
    "-- @migration 2\nCREATE TABLE b(x); CREATE INDEX b_x ON b(x);\n"
    "-- @migration 3\nCREATE TABLE c(x); CREATE TABLE a(x);\n";

TEST(Migrate, AllStepsOfOneOpenAreOneTransaction) {
  TempDir dir;
  const std::string path = dir.Join("m.db");
  {
    auto db = Db::Open(path, Db::Mode::kCreate);
    ASSERT_TRUE(db);
    Status st = Migrate(&*db, kFailingSchema, path);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message().find("migrating '" + path + "' to version 3"), std::string::npos)
        << st.error().message();
    // Nothing of sections 1 and 2 stays: the file is as it was.
    EXPECT_EQ(QueryInt(&*db, "PRAGMA user_version"), 0);
    EXPECT_EQ(QueryInt(&*db, "SELECT count(*) FROM sqlite_schema"), 0);
    // From version 1: section 2 is rolled back with section 3.
    ASSERT_TRUE(
        Migrate(&*db, kFailingSchema.substr(0, kFailingSchema.find("-- @migration 2")), path));
    EXPECT_EQ(QueryInt(&*db, "PRAGMA user_version"), 1);
    ASSERT_FALSE(Migrate(&*db, kFailingSchema, path));
    EXPECT_EQ(QueryInt(&*db, "PRAGMA user_version"), 1);
    EXPECT_EQ(Tables(path), std::vector<std::string>{"a"});
  }
  // Through OpenFileOfKind: a new file stays empty and unstamped.
  const std::string fresh = dir.Join("fresh.db");
  auto opened = OpenFileOfKind(fresh, kStoreKind, kFailingSchema, Db::Mode::kCreate);
  ASSERT_FALSE(opened);
  auto db = Db::Open(fresh, Db::Mode::kReadOnly);
  ASSERT_TRUE(db);
  auto id = IdentifyFile(&*db);
  ASSERT_TRUE(id);
  EXPECT_TRUE(id->empty);
  EXPECT_EQ(id->application_id, 0u);
}

// issue 16 case 4: processes opening one new store at once all succeed (it
// failed with "table repos already exists" or "database is locked"). Forked
// children race on a fresh file, several rounds.
TEST(FileKind, Issue16Case4ConcurrentFirstCreationsAllSucceed) {
  TempDir dir;
  constexpr int kProcesses = 4, kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    const std::string path = dir.Join("race" + std::to_string(round) + ".db");
    std::vector<pid_t> pids;
    for (int p = 0; p < kProcesses; ++p) {
      const pid_t pid = ::fork();
      if (pid == 0) {
        auto db = store::OpenStore(path, Db::Mode::kCreate);
        _exit(db ? 0 : 1);
      }
      pids.push_back(pid);
    }
    for (pid_t pid : pids) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "round " << round;
    }
    auto db = store::OpenStore(path, Db::Mode::kReadOnly);
    ASSERT_TRUE(db) << db.error().message();
    EXPECT_EQ(QueryInt(&*db, "PRAGMA user_version"), store::SchemaVersion());
    EXPECT_EQ(QueryInt(&*db, "PRAGMA application_id"), kStoreKind.application_id);
    EXPECT_EQ(QueryInt(&*db, "PRAGMA page_size"), 65536);
  }
}

}  // namespace
}  // namespace swerl::db

// Rows folded in memory during an ingest batch: staging then flushing must
// leave exactly the table that one upsert per row leaves, whatever the
// order, the batch boundaries and the versions.
#include "swerl/store/pending_rows.h"

#include <gtest/gtest.h>

#include <random>

#include "testing/testing.h"

namespace swerl::store {
namespace {

using testing::TempDir;

const TableSpec kSpec{"t",
                      {"a", "b"},
                      {"f"},
                      {{"g1_ver", {"x", "y"}}, {"g2_ver", {"z"}}}};

db::Db OpenTable(const std::string& path) {
  auto db = db::Db::Open(path, db::Db::Mode::kCreate);
  EXPECT_TRUE(db) << db.error().message();
  EXPECT_TRUE(db->Exec("PRAGMA synchronous=OFF"));
  EXPECT_TRUE(db->Exec("CREATE TABLE t (a INTEGER, b INTEGER, f TEXT, x TEXT, y INTEGER, "
                       "g1_ver TEXT NOT NULL, z TEXT, g2_ver TEXT NOT NULL, UNIQUE (a, b))"));
  return std::move(*db);
}

std::string Dump(db::Db& db) {
  auto stmt = db.Prepare("SELECT * FROM t ORDER BY a, b");
  EXPECT_TRUE(stmt);
  std::string out;
  while (*stmt->Step()) {
    for (int c = 0; c < stmt->columns(); ++c) {
      if (stmt->IsNull(c)) {
        out += "NULL";
      } else {
        out += '\'';
        out += stmt->Text(c);
        out += '\'';
      }
      out += c + 1 < stmt->columns() ? '|' : '\n';
    }
  }
  return out;
}

// A random row over a small key space; versions collide on purpose, and ""
// means the row does not carry the group. Text lives in *texts.
std::vector<Value> RandomRow(std::mt19937& rng, std::vector<std::string>* texts) {
  auto text = [&](std::string s) {
    texts->push_back(std::move(s));
    return Value::Text(texts->back());
  };
  auto version = [&] { return rng() % 4 == 0 ? text("") : text("v" + std::to_string(rng() % 9)); };
  auto maybe = [&](Value v) { return rng() % 5 == 0 ? Value{} : v; };
  std::vector<Value> row;
  row.push_back(Value::Int(rng() % 3));
  row.push_back(Value::Int(rng() % 3));
  row.push_back(text("fixed" + std::to_string(rng() % 2)));
  row.push_back(maybe(text(std::string(rng() % 40, 'x') + std::to_string(rng() % 100))));
  row.push_back(maybe(Value::Int(rng() % 1000)));
  row.push_back(version());
  row.push_back(maybe(text(rng() % 3 == 0 ? "" : "z" + std::to_string(rng() % 100))));
  row.push_back(version());
  return row;
}

TEST(PendingTable, StagingEqualsOneUpsertPerRow) {
  TempDir dir;
  std::mt19937 rng(11);
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE(trial);
    std::vector<std::vector<Value>> rows;
    std::vector<std::string> texts;
    texts.reserve(100000);  // views into it must stay valid
    for (int k = 0; k < 200; ++k) rows.push_back(RandomRow(rng, &texts));

    db::Db direct = OpenTable(dir.Join("direct" + std::to_string(trial) + ".db"));
    auto upsert = direct.Prepare(UpsertSql(kSpec));
    ASSERT_TRUE(upsert) << upsert.error().message();
    for (const auto& row : rows) {
      BindValues(*upsert, row.data(), row.size());
      ASSERT_TRUE(upsert->Run());
    }

    db::Db staged = OpenTable(dir.Join("staged" + std::to_string(trial) + ".db"));
    auto stmt = staged.Prepare(UpsertSql(kSpec));
    ASSERT_TRUE(stmt);
    PendingTable pending(kSpec);
    TextArena arena;
    const size_t batch = 1 + rng() % 60;
    for (size_t k = 0; k < rows.size(); ++k) {
      pending.Merge(rows[k], &arena);
      if ((k + 1) % batch == 0 || k + 1 == rows.size()) {
        ASSERT_TRUE(pending.Flush(*stmt));
        EXPECT_EQ(pending.size(), 0u);
        arena.Clear();
      }
    }
    EXPECT_EQ(Dump(staged), Dump(direct));
  }
}

TEST(PendingTable, FoldsAnEntityIntoOneRowWithTheNewestGroups) {
  TempDir dir;
  db::Db db = OpenTable(dir.Join("t.db"));
  auto stmt = db.Prepare(UpsertSql(kSpec));
  ASSERT_TRUE(stmt);
  PendingTable pending(kSpec);
  TextArena arena;
  std::string x_new = "newest x";
  pending.Merge({Value::Int(1), Value::Int(2), Value::Text("first"), Value::Text("old x"),
                 Value::Int(1), Value::Text("v1"), Value::Text("z1"), Value::Text("v5")},
                &arena);
  pending.Merge({Value::Int(1), Value::Int(2), Value::Text("second"), Value::Text(x_new),
                 Value{}, Value::Text("v3"), Value{}, Value::Text("")},
                &arena);
  x_new.assign("overwritten after Merge");  // the arena holds its own copy
  EXPECT_EQ(pending.size(), 1u);
  ASSERT_TRUE(pending.Flush(*stmt));
  EXPECT_EQ(Dump(db), "'1'|'2'|'first'|'newest x'|NULL|'v3'|'z1'|'v5'\n");
}

TEST(TextArena, CopiesStayValidUntilClearAndEmptyTextIsNotNull) {
  TextArena arena;
  std::vector<std::pair<std::string, std::string_view>> copies;
  std::mt19937 rng(3);
  for (int k = 0; k < 3000; ++k) {
    // Mostly small strings, some larger than half a block.
    const size_t n = k % 500 == 0 ? (size_t{1} << 20) + k : rng() % 3000;
    std::string s(n, static_cast<char>('a' + k % 26));
    copies.emplace_back(s, arena.Copy(s));
  }
  size_t total = 0;
  for (const auto& [want, got] : copies) {
    ASSERT_EQ(got, want);
    total += want.size();
  }
  EXPECT_EQ(arena.bytes(), total);
  arena.Clear();
  EXPECT_EQ(arena.bytes(), 0u);
  EXPECT_EQ(arena.Copy("again"), "again");

  const std::string_view empty = arena.Copy("");
  ASSERT_NE(empty.data(), nullptr);
  // An empty view, even a default one, binds as '' and not as NULL.
  auto db = db::Db::Open(":memory:", db::Db::Mode::kCreate);
  ASSERT_TRUE(db);
  auto stmt = db->Prepare("SELECT ?1 IS NULL, ?2 IS NULL, typeof(?2)");
  ASSERT_TRUE(stmt);
  stmt->BindTextNoCopy(1, empty);
  stmt->BindText(2, std::string_view());
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->Int(0), 0);
  EXPECT_EQ(stmt->Int(1), 0);
  EXPECT_EQ(stmt->Text(2), "text");
}

TEST(PendingRepos, CaseVariantsOfANameAreOneRowWithTheNewestSpelling) {
  for (bool newest_first : {false, true}) {
    SCOPED_TRACE(newest_first);
    TempDir dir;
    auto db = db::Db::Open(dir.Join("r.db"), db::Db::Mode::kCreate);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec(
        "CREATE TABLE repos (repo_id INTEGER PRIMARY KEY, name TEXT, name_ver TEXT NOT NULL);"
        "CREATE TABLE repo_names (name TEXT PRIMARY KEY COLLATE NOCASE, repo_id INTEGER, "
        "last_ver TEXT NOT NULL);"));
    auto repos = db->Prepare(
        "INSERT INTO repos VALUES (?, ?, ?) ON CONFLICT(repo_id) DO UPDATE SET "
        "name = CASE WHEN excluded.name_ver > name_ver THEN excluded.name ELSE name END, "
        "name_ver = max(name_ver, excluded.name_ver)");
    auto names = db->Prepare(
        "INSERT INTO repo_names VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
        "name = CASE WHEN excluded.last_ver > last_ver THEN excluded.name ELSE name END, "
        "repo_id = CASE WHEN excluded.last_ver > last_ver THEN excluded.repo_id ELSE repo_id END, "
        "last_ver = max(last_ver, excluded.last_ver)");
    ASSERT_TRUE(repos && names);
    PendingRepos pending;
    auto old_name = [&] { pending.Add(7, "Owner/Repo", "v1", true); };
    auto new_name = [&] { pending.Add(7, "owner/repo", "v2", true); };
    if (newest_first) {
      new_name();
      old_name();
    } else {
      old_name();
      new_name();
    }
    pending.Add(9, "fork/repo", "v3", /*as_main_name=*/false);  // only in repo_names
    ASSERT_TRUE(pending.Flush(*repos, *names));
    auto rows = db->Prepare(
        "SELECT (SELECT group_concat(repo_id || ':' || name, ',') FROM repos), "
        "(SELECT group_concat(name || ':' || repo_id || ':' || last_ver, ',') FROM "
        "(SELECT * FROM repo_names ORDER BY name))");
    ASSERT_TRUE(rows && *rows->Step());
    EXPECT_EQ(rows->Text(0), "7:owner/repo");
    EXPECT_EQ(rows->Text(1), "fork/repo:9:v3,owner/repo:7:v2");
  }
}

}  // namespace
}  // namespace swerl::store

// swerl merge's pass (store/merge.h) on stores built row by row: workers'
// additions united, the owner of a shard authoritative for its
// repositories, rows no shard owns required to agree, blobs by contents,
// refusals (overlapping shards, schema versions, other files), inputs never
// written, and a failed merge completed by a rerun.
#include "swerl/store/merge.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <filesystem>

#include "swerl/db/blob_store.h"
#include "swerl/store/repo_shard.h"
#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl::store {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;

db::Db Open(const std::string& path) {
  auto db = OpenStore(path, db::Db::Mode::kCreate);
  EXPECT_TRUE(db) << db.error().message();
  return std::move(*db);
}

void Exec(const std::string& path, const std::string& sql) {
  db::Db db = Open(path);
  Status st = db.Exec(sql);
  ASSERT_TRUE(st) << st.error().message() << "\n" << sql;
}

std::string Query(const std::string& path, const std::string& sql) {
  db::Db db = Open(path);
  auto q = db.Prepare(sql);
  EXPECT_TRUE(q) << q.error().message();
  std::string out;
  for (;;) {
    auto row = q->Step();
    EXPECT_TRUE(row) << row.error().message();
    if (!row || !*row) break;
    for (int c = 0; c < q->columns(); ++c) {
      out += (c ? "|" : "") + (q->IsNull(c) ? std::string("NULL") : std::string(q->Text(c)));
    }
    out += "\n";
  }
  return out;
}

// The base every worker copies: repositories 2 (shard 2/4), 3 (shard 3/4)
// and 5 (shard 1/4, which no worker runs) with a merged pull request each, ingest's bookkeeping, a
// failed REST fetch of repository 3, and an instance of repository 3 from an earlier unsharded run
// (two files).
void MakeBase(const std::string& path) {
  Exec(path, R"(
    INSERT INTO repos(repo_id, name) VALUES (2, 'acme/even'), (3, 'acme/odd'), (5, 'acme/five');
    INSERT INTO repo_names(name, repo_id) VALUES ('acme/even', 2), ('acme/odd', 3), ('acme/five', 5);
    INSERT INTO pull_requests(repo_id, number, merged, title) VALUES
      (2, 1, 1, 'fix even'), (3, 1, 1, 'fix odd'), (5, 1, 1, 'fix five');
    INSERT INTO events_seen(event_id) VALUES (100), (101), (102);
    INSERT INTO event_counts(type, era, n) VALUES ('PullRequestEvent', 'full', 3);
    INSERT INTO api_fetches(url, status, error) VALUES
      ('https://api.github.com/repos/acme/odd/pulls/1', 0, 'timed out'),
      ('https://api.github.com/repos/Acme/Even/pulls/1', 200, NULL);
    INSERT INTO instances(repo_id, number, status, assembled_at) VALUES
      (3, 7, 'assembled', '2026-01-01T00:00:00Z');
    INSERT INTO instance_files(repo_id, number, seq, old_path, new_path, status, binary, is_test,
                               similarity) VALUES
      (3, 7, 0, 'a.py', 'a.py', 'modified', 0, 0, 0), (3, 7, 1, 'b.py', 'b.py', 'modified', 0, 0, 0);
  )");
}

void PutBlob(const std::string& path, const std::string& id, const std::string& data,
             int level = 3) {
  db::Db db = Open(path);
  auto w = db::BlobWriter::Create(&db, level);
  ASSERT_TRUE(w);
  auto put = w->Put(id, data);
  ASSERT_TRUE(put) << put.error().message();
}

// What a worker of shard `shard` adds for repository `repo_id`.
void AddWork(const std::string& path, const RepoShard& shard, int64_t repo_id) {
  {
    db::Db db = Open(path);
    ASSERT_TRUE(RecordWorkerShard(&db, "assemble", shard));
  }
  const std::string id = std::to_string(repo_id);
  Exec(path,
       "INSERT INTO repo_clones(repo_id, repo, path, url, status, attempts, fetched_at) "
       "VALUES (" +
           id +
           ", 'r', '/m', 'file:///r', 'cloned', 1, '2026-02-02T00:00:00Z');"
           "INSERT INTO instances(repo_id, number, status, patch, assembled_at) VALUES (" +
           id +
           ", 1, 'assembled', x'00ff', '2026-02-02T00:00:00Z');"
           "INSERT INTO instance_files(repo_id, number, seq, old_path, new_path, status, "
           "old_blob, binary, is_test, similarity) VALUES (" +
           id + ", 1, 0, 'm.py', 'm.py', 'modified', 'blob" + id +
           "', 0, 0, 0);"
           "INSERT INTO filter_decisions VALUES (" +
           id + ", 1, 1, NULL, NULL, 'default', '2026-02-02T00:00:00Z');");
  PutBlob(path, "blob" + id, "contents of " + id);
  PutBlob(path, "shared", "a file both repositories hold");
}

class MergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeBase(dir_.Join("base.db"));
    fs::copy_file(dir_.Join("base.db"), w0_);
    fs::copy_file(dir_.Join("base.db"), w1_);
    AddWork(w0_, {2, 4}, 2);
    AddWork(w1_, {3, 4}, 3);
  }

  Result<MergeResult> Merge(const std::vector<std::string>& inputs, const std::string& out,
                            size_t batch = 10000) {
    db::Db db = Open(out);
    MergeOptions o;
    o.inputs = inputs;
    o.batch_rows = batch;
    return MergeStores(&db, o, nullptr);
  }

  TempDir dir_;
  std::string w0_ = dir_.Join("w0.db"), w1_ = dir_.Join("w1.db"), out_ = dir_.Join("out.db");
};

TEST(MergeRules, EveryTableOfTheStoreHasOne) {
  TempDir dir;
  const std::string tables = Query(dir.Join("s.db"),
                                   "SELECT name FROM sqlite_schema WHERE type = 'table' "
                                   "AND name NOT LIKE 'sqlite%' ORDER BY name");
  for (const std::string& t : testing::SplitLines(tables)) {
    EXPECT_TRUE(MergeRuleOf(t)) << "table " << t << " has no merge rule (merge.cc kTables)";
  }
  EXPECT_EQ(MergeRuleOf("worker_shards"), MergeRule::kNotMerged);
  EXPECT_EQ(MergeRuleOf("blobs"), MergeRule::kContentAddressed);
  EXPECT_FALSE(MergeRuleOf("no_such_table"));
}

TEST_F(MergeTest, UnitesTheWorkersAdditionsOnceAndIsIdempotent) {
  auto r = Merge({w0_, w1_}, out_);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->inputs, 2u);
  EXPECT_EQ(Query(out_, "SELECT repo_id, number, status FROM instances ORDER BY 1, 2"),
            "2|1|assembled\n3|1|assembled\n3|7|assembled\n");
  EXPECT_EQ(Query(out_, "SELECT repo_id, status FROM repo_clones ORDER BY 1"),
            "2|cloned\n3|cloned\n");
  EXPECT_EQ(Query(out_, "SELECT blob_id FROM blobs ORDER BY 1"), "blob2\nblob3\nshared\n");
  EXPECT_EQ(Query(out_, "SELECT count(*) FROM pull_requests"), "3\n");
  EXPECT_EQ(Query(out_, "SELECT count(*) FROM events_seen"), "3\n");
  EXPECT_EQ(Query(out_, "SELECT count(*) FROM filter_decisions"), "2\n");
  // A merged store is whole: it records no shard.
  EXPECT_EQ(Query(out_, "SELECT count(*) FROM worker_shards"), "0\n");
  EXPECT_EQ(r->Counts("instances").added, 3u);
  EXPECT_EQ(r->Counts("blobs").added, 3u);
  EXPECT_EQ(r->Counts("blobs").same, 1u);  // "shared", from the second input
  // w1 holds the base's copy of repository 2's pull request: w0's shard holds it.
  EXPECT_EQ(r->Counts("pull_requests").others, 2u);

  const std::string before = ReadFile(out_);
  auto again = Merge({w0_, w1_}, out_);
  ASSERT_TRUE(again) << again.error().message();
  for (const MergeTableCounts& t : again->tables) EXPECT_EQ(t.added, 0u) << t.table;
  EXPECT_EQ(Query(out_, "SELECT count(*) FROM instances"), "3\n");
  // The inputs in the other order give the same rows.
  auto swapped = Merge({w1_, w0_}, dir_.Join("swapped.db"));
  ASSERT_TRUE(swapped) << swapped.error().message();
  for (const char* table :
       {"instances", "instance_files", "blobs", "pull_requests", "api_fetches", "repo_clones"}) {
    const std::string sql = std::string("SELECT * FROM ") + table + " ORDER BY 1, 2";
    EXPECT_EQ(Query(out_, sql), Query(dir_.Join("swapped.db"), sql)) << table;
  }
}

// A worker may change base rows of its own repositories (enrich --shard, a
// --refresh, a retried fetch): its version wins over the other inputs'
// copies of the base, in whatever order the inputs come, and rows it no
// longer has (a re-assembled instance with fewer files) do not come back
// from the copies.
TEST_F(MergeTest, TheShardOwnerIsAuthoritativeForItsRepositories) {
  Exec(w1_, R"(
    UPDATE pull_requests SET title = 'fix odd (enriched)' WHERE repo_id = 3;
    UPDATE api_fetches SET status = 200, error = NULL
      WHERE url = 'https://api.github.com/repos/acme/odd/pulls/1';
    DELETE FROM instance_files WHERE repo_id = 3 AND number = 7 AND seq = 1;
  )");
  const std::vector<std::string> orders[] = {{w0_, w1_}, {w1_, w0_}};
  for (const std::vector<std::string>& order : orders) {
    const std::string out = dir_.Join("out-" + fs::path(order[0]).stem().string() + ".db");
    auto r = Merge(order, out);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(Query(out, "SELECT title FROM pull_requests WHERE repo_id = 3"),
              "fix odd (enriched)\n");
    EXPECT_EQ(Query(out,
                    "SELECT status, coalesce(error, '') FROM api_fetches "
                    "WHERE url LIKE '%acme/odd%'"),
              "200|\n");
    EXPECT_EQ(Query(out, "SELECT seq FROM instance_files WHERE repo_id = 3 AND number = 7"), "0\n");
  }
}

// Rows of a repository no input's shard holds (5 here, and ingest's
// bookkeeping) must be equal everywhere; a difference names table, key,
// input and column.
TEST_F(MergeTest, RowsNoShardOwnsMustAgree) {
  Exec(w1_, "UPDATE pull_requests SET title = 'changed' WHERE repo_id = 5");
  auto r = Merge({w0_, w1_}, out_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidInput);
  const std::string& m = r.error().message();
  EXPECT_NE(m.find("table 'pull_requests', key (repo_id=5, number=1): '" + w1_ +
                   "' has a different row than the merged store (column title: 'changed' here, "
                   "'fix five' in the merged store): no input's shard holds repository 5"),
            std::string::npos)
      << m;

  Exec(w1_,
       "UPDATE pull_requests SET title = 'fix five' WHERE repo_id = 5;"
       "UPDATE event_counts SET n = 4");
  r = Merge({w0_, w1_}, dir_.Join("out2.db"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("table 'event_counts', key (type='PullRequestEvent', "
                                     "era='full')"),
            std::string::npos)
      << r.error().message();
}

// A failed merge keeps what it committed; once the input is fixed a rerun
// completes it, and the result equals a merge that never failed.
TEST_F(MergeTest, ARerunCompletesAMergeThatStopped) {
  // A row no shard owns differs, in the table merged last.
  Exec(w1_, "INSERT INTO filter_decisions VALUES (5, 1, 0, 'bot', 'x', 'default', 't1')");
  Exec(w0_, "INSERT INTO filter_decisions VALUES (5, 1, 0, 'bot', 'x', 'default', 't0')");
  auto r = Merge({w0_, w1_}, out_, /*batch=*/1);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("table 'filter_decisions', key (repo_id=5, number=1)"),
            std::string::npos)
      << r.error().message();
  // Committed before the failure: all of w0, and w1's tables up to there.
  EXPECT_EQ(Query(out_, "SELECT count(*) FROM instances WHERE repo_id = 3 AND number = 1"), "1\n");
  Exec(w1_, "UPDATE filter_decisions SET decided_at = 't0' WHERE repo_id = 5");
  auto done = Merge({w0_, w1_}, out_);
  ASSERT_TRUE(done) << done.error().message();
  auto clean = Merge({w0_, w1_}, dir_.Join("clean.db"));
  ASSERT_TRUE(clean) << clean.error().message();
  for (const char* table : {"instances", "instance_files", "blobs", "filter_decisions",
                            "pull_requests", "repo_clones", "repos"}) {
    const std::string sql = std::string("SELECT * FROM ") + table + " ORDER BY 1, 2";
    EXPECT_EQ(Query(out_, sql), Query(dir_.Join("clean.db"), sql)) << table;
  }
}

TEST_F(MergeTest, RefusesInputsWhoseShardsOverlap) {
  const std::string w2 = dir_.Join("w2.db");
  fs::copy_file(dir_.Join("base.db"), w2);
  {
    db::Db db = Open(w2);
    ASSERT_TRUE(RecordWorkerShard(&db, "clone", {2, 8}));  // ids 2, 10, ...: inside 2/4
  }
  auto r = Merge({w0_, w1_, w2}, out_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidInput);
  EXPECT_EQ(r.error().message(),
            "'" + w0_ + "' and '" + w2 +
                "' worked on overlapping repository shards 2/4 and 2/8 ('" + w0_ +
                "': assemble --shard 2/4; '" + w2 +
                "': clone --shard 2/8): each repository must be one input's; refusing to merge");
  EXPECT_EQ(Query(out_, "SELECT count(*) FROM instances"), "0\n");  // refused before writing
  auto same = Merge({w0_, w0_}, dir_.Join("o2.db"));
  ASSERT_FALSE(same);
  EXPECT_NE(same.error().message().find("both worked on repository shard 2/4"), std::string::npos)
      << same.error().message();
  EXPECT_TRUE(CheckMergeInputs({w0_, w1_}));
  EXPECT_FALSE(CheckMergeInputs({w0_, w0_}));
  // Shards of different N that share no repository merge.
  {
    db::Db db = Open(w2);
    ASSERT_TRUE(db.Exec("UPDATE worker_shards SET shard_index = 3"));  // 3/8: inside 3/4
  }
  EXPECT_FALSE(CheckMergeInputs({w1_, w2}));
  EXPECT_TRUE(CheckMergeInputs({w0_, w2}));
}

TEST_F(MergeTest, RefusesDifferentSchemaVersionsAndOtherFiles) {
  {
    db::Db db = Open(w1_);
    ASSERT_TRUE(db.Exec("PRAGMA user_version=" + std::to_string(SchemaVersion() - 1)));
  }
  auto r = Merge({w0_, w1_}, out_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnsupported);
  EXPECT_NE(r.error().message().find("the inputs have different schema versions ('" + w0_ + "' " +
                                     std::to_string(SchemaVersion()) + ", '" + w1_ + "' " +
                                     std::to_string(SchemaVersion() - 1) + ")"),
            std::string::npos)
      << r.error().message();
  testing::WriteFile(dir_.Join("notes.txt"), "not a database at all, just some words\n");
  auto other = CheckMergeInputs({w0_, dir_.Join("notes.txt")});
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message().find("is not an SQLite database (swerl merge wants stores "
                                         "made by swerl ingest)"),
            std::string::npos)
      << other.error().message();
  auto missing = CheckMergeInputs({dir_.Join("nope.db")});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
}

// Blobs are united by id; the same id compressed otherwise is the same
// blob, other contents under one id are an error.
TEST_F(MergeTest, BlobsAreComparedByContents) {
  // Another frame of the same contents: with a checksum.
  const std::string data = "a file both repositories hold";
  std::string frame(ZSTD_compressBound(data.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  frame.resize(ZSTD_compress2(cctx, frame.data(), frame.size(), data.data(), data.size()));
  ZSTD_freeCCtx(cctx);
  {
    db::Db db = Open(w1_);
    ASSERT_TRUE(db.Exec("DELETE FROM blobs WHERE blob_id = 'shared'"));
    auto put = db.Prepare("INSERT INTO blobs(blob_id, size, data) VALUES ('shared', ?, ?)");
    put->BindInt(1, static_cast<int64_t>(data.size()));
    put->BindBlob(2, frame);
    ASSERT_TRUE(put->Run());
  }
  EXPECT_NE(Query(w0_, "SELECT hex(data) FROM blobs WHERE blob_id = 'shared'"),
            Query(w1_, "SELECT hex(data) FROM blobs WHERE blob_id = 'shared'"));
  auto r = Merge({w0_, w1_}, out_);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->Counts("blobs").same, 1u);
  Exec(w1_, "DELETE FROM blobs WHERE blob_id = 'shared'");
  PutBlob(w1_, "shared", "other contents, same id");
  auto bad = Merge({w0_, w1_}, dir_.Join("o2.db"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("table 'blobs', key (blob_id='shared'): '" + w1_ +
                                       "' holds other contents under this blob id"),
            std::string::npos)
      << bad.error().message();
}

TEST_F(MergeTest, NeverWritesAnInput) {
  const std::string a = ReadFile(w0_), b = ReadFile(w1_);
  const auto ta = fs::last_write_time(w0_);
  ASSERT_TRUE(Merge({w0_, w1_}, out_));
  EXPECT_EQ(ReadFile(w0_), a);
  EXPECT_EQ(ReadFile(w1_), b);
  EXPECT_EQ(fs::last_write_time(w0_), ta);
}

}  // namespace
}  // namespace swerl::store

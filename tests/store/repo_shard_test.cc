// Repository shards (store/repo_shard.h): "K/N" parsing with the CLI
// convention's messages, one rule in C++ and in SQL, overlap by the Chinese
// remainder theorem, and the worker_shards record.
#include "swerl/store/repo_shard.h"

#include <gtest/gtest.h>

#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl::store {
namespace {

using testing::TempDir;

TEST(RepoShard, ParsesKOfN) {
  auto s = ParseRepoShard("3/8");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(*s, (RepoShard{3, 8}));
  EXPECT_EQ(s->ToString(), "3/8");
  EXPECT_EQ(*ParseRepoShard("0/1"), (RepoShard{0, 1}));
  EXPECT_EQ(*ParseRepoShard("999999/1000000"), (RepoShard{999999, 1000000}));
}

TEST(RepoShard, RefusesWhatIsNotAShardSayingWhy) {
  const std::pair<const char*, const char*> cases[] = {
      {"3", "'3' is not K/N (e.g. 0/4: shard 0 of 4)"},
      {"", "'' is not K/N (e.g. 0/4: shard 0 of 4)"},
      {"a/4", "'a/4' is not K/N (two whole numbers, e.g. 0/4: shard 0 of 4)"},
      {"-1/4", "'-1/4' is not K/N (two whole numbers, e.g. 0/4: shard 0 of 4)"},
      {"1/4x", "'1/4x' is not K/N (two whole numbers, e.g. 0/4: shard 0 of 4)"},
      {"1/", "'1/' is not K/N (two whole numbers, e.g. 0/4: shard 0 of 4)"},
      {" 1/4", "' 1/4' is not K/N (two whole numbers, e.g. 0/4: shard 0 of 4)"},
      {"4/4", "'4/4' is out of range: K must be in [0, 3] for N = 4"},
      {"0/0", "'0/0' is out of range: N must be in [1, 1000000]"},
      {"0/1000001", "'0/1000001' is out of range: N must be in [1, 1000000]"},
      {"0/99999999999999999999",
       "'0/99999999999999999999' is not K/N (two whole numbers, e.g. "
       "0/4: shard 0 of 4)"},
  };
  for (const auto& [text, message] : cases) {
    auto s = ParseRepoShard(text);
    ASSERT_FALSE(s) << text;
    EXPECT_EQ(s.error().code(), Code::kInvalidInput);
    EXPECT_EQ(s.error().message(), message);
  }
}

// Every id is in exactly one shard of N, and SQL agrees with C++ on ids of
// both signs and on NULL (no shard).
TEST(RepoShard, OneRuleInCppAndSql) {
  TempDir dir;
  auto db = OpenStore(dir.Join("s.db"), db::Db::Mode::kCreate);
  ASSERT_TRUE(db) << db.error().message();
  const int64_t ids[] = {
      0, 1, 2, 3, 7, 41, 1000003, 9007199254740993, -1, -5, -1000003, INT64_MAX, INT64_MIN + 1};
  for (int64_t n : {1, 2, 3, 4, 7, 1000000}) {
    for (int64_t id : ids) {
      int holders = 0;
      for (int64_t k = 0; k < std::min<int64_t>(n, 8); ++k) {
        const RepoShard shard{k, n};
        auto q = db->Prepare("SELECT " + shard.SqlCondition("?1") + ", ?1");
        ASSERT_TRUE(q) << q.error().message();
        q->BindInt(1, id);
        ASSERT_TRUE(*q->Step());
        EXPECT_EQ(q->Int(0) == 1, shard.Contains(id)) << id << " in " << shard.ToString();
        holders += shard.Contains(id);
      }
      const int64_t k = ShardIndexOf(id, n);
      EXPECT_GE(k, 0);
      EXPECT_LT(k, n);
      if (n <= 8) EXPECT_EQ(holders, 1) << id << " of " << n;
    }
    auto null = db->Prepare("SELECT coalesce(" + RepoShard{0, n}.SqlCondition("NULL") + ", 0)");
    ASSERT_TRUE(*null->Step());
    EXPECT_EQ(null->Int(0), n == 1 ? 1 : 0);  // 0/1 is every row
  }
  // The rule is repo_id mod N, as swerl clone always had it.
  EXPECT_TRUE((RepoShard{1, 2}.Contains(3)));
  EXPECT_TRUE((RepoShard{3, 4}.Contains(7)));
  EXPECT_TRUE((RepoShard{2, 3}.Contains(-1)));  // -1 = 2 (mod 3)
}

TEST(RepoShard, OverlapIsACommonRepositoryId) {
  for (int64_t na = 1; na <= 12; ++na) {
    for (int64_t nb = 1; nb <= 12; ++nb) {
      for (int64_t ka = 0; ka < na; ++ka) {
        for (int64_t kb = 0; kb < nb; ++kb) {
          bool common = false;
          for (int64_t id = 0; id < na * nb && !common; ++id) {
            common = id % na == ka && id % nb == kb;
          }
          EXPECT_EQ(ShardsOverlap({ka, na}, {kb, nb}), common)
              << ka << "/" << na << " vs " << kb << "/" << nb;
        }
      }
    }
  }
}

TEST(RepoShard, RecordsEachCommandAndShardOnce) {
  TempDir dir;
  auto db = OpenStore(dir.Join("s.db"), db::Db::Mode::kCreate);
  ASSERT_TRUE(db) << db.error().message();
  ASSERT_TRUE(RecordWorkerShard(&*db, "clone", {1, 3}));
  ASSERT_TRUE(RecordWorkerShard(&*db, "assemble", {1, 3}));
  ASSERT_TRUE(RecordWorkerShard(&*db, "clone", {1, 3}));  // a rerun: no second row
  auto rows = ReadWorkerShards(&*db);
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].command, "assemble");
  EXPECT_EQ((*rows)[1].command, "clone");
  EXPECT_EQ((*rows)[1].shard, (RepoShard{1, 3}));
  ASSERT_TRUE(db->Exec("INSERT INTO worker_shards VALUES ('filter', 5, 3, 'x')"));
  auto bad = ReadWorkerShards(&*db);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kCorrupt);
}

}  // namespace
}  // namespace swerl::store

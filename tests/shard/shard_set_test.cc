#include "swerl/shard/shard_set.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "swerl/db/sqlite.h"
#include "testing/testing.h"

namespace swerl::shard {
namespace {

// A shard at dir/NAME with the seeds of pull requests first..first+n-1.
std::string Write(const testing::TempDir& dir, const std::string& name, int first, int n) {
  const std::string path = dir.Join(name);
  auto w = ShardWriter::Create(path);
  EXPECT_TRUE(w) << w.error().message();
  for (int i = first; i < first + n; ++i) {
    Seed s;
    s.repo = "octo/repo";
    s.pull_number = i;
    s.instance_id = InstanceId(s.repo, i);
    s.context = {{"a.py", "x = " + std::to_string(i) + "\n"}};
    s.oracle = {{"a.py", "x = " + std::to_string(i + 1) + "\n"}};
    s.prompt = "fix " + std::to_string(i);
    EXPECT_TRUE(w->Add(s));
  }
  EXPECT_TRUE(w->Finish({}));
  return path;
}

TEST(ShardSetTest, OneShardKeepsItsOwnIds) {
  testing::TempDir dir;
  const std::string path = Write(dir, "a.db", 10, 4);
  auto set = ShardSet::Open({path});
  ASSERT_TRUE(set) << set.error().message();
  auto reader = ShardReader::Open(path);
  ASSERT_TRUE(reader);
  auto refs = reader->List();
  ASSERT_TRUE(refs);
  ASSERT_EQ(set->refs().size(), refs->size());
  for (size_t k = 0; k < refs->size(); ++k) {
    EXPECT_EQ(set->refs()[k].seed_id, (*refs)[k].seed_id);
    EXPECT_EQ(set->refs()[k].instance_id, (*refs)[k].instance_id);
  }
  EXPECT_EQ(set->Describe(), "'" + path + "'");
  EXPECT_FALSE(set->system_prompt().empty());
}

TEST(ShardSetTest, SeveralShardsReadAsOneWithDistinctIds) {
  testing::TempDir dir;
  const std::vector<std::string> paths = {Write(dir, "a.db", 0, 3), Write(dir, "b.db", 3, 2),
                                          Write(dir, "c.db", 5, 4)};
  auto set = ShardSet::Open(paths);
  ASSERT_TRUE(set) << set.error().message();
  ASSERT_EQ(set->refs().size(), 9u);
  std::set<int64_t> ids;
  for (size_t k = 0; k < set->refs().size(); ++k) {
    const SeedRef& ref = set->refs()[k];
    ids.insert(ref.seed_id);
    // In order: shard a's seeds, then b's, then c's.
    EXPECT_EQ(ref.instance_id, InstanceId("octo/repo", static_cast<int>(k)));
    auto seed = set->Read(ref.seed_id);
    ASSERT_TRUE(seed) << seed.error().message();
    EXPECT_EQ(seed->instance_id, ref.instance_id);
    EXPECT_EQ(seed->prompt, "fix " + std::to_string(k));
    ASSERT_EQ(seed->oracle.size(), 1u);
    EXPECT_EQ(seed->oracle[0].second, "x = " + std::to_string(k + 1) + "\n");
    const size_t shard = k < 3 ? 0 : k < 5 ? 1 : 2;
    EXPECT_EQ(set->PathOf(ref.seed_id), paths[shard]);
    EXPECT_EQ(static_cast<uint64_t>(ref.seed_id) >> ShardSet::kShardIdBits, shard);
  }
  EXPECT_EQ(ids.size(), 9u);
  EXPECT_EQ(set->Describe(), "3 shards ('" + paths[0] + "', '" + paths[1] + "', '" + paths[2] + "')");
  auto none = set->Read(int64_t{7} << ShardSet::kShardIdBits);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), Code::kNotFound);
}

TEST(ShardSetTest, RefusesOverlappingShardsNamingBoth) {
  testing::TempDir dir;
  const std::string a = Write(dir, "a.db", 0, 3), b = Write(dir, "b.db", 2, 3);
  auto set = ShardSet::Open({a, b});
  ASSERT_FALSE(set);
  const std::string& m = set.error().message();
  EXPECT_NE(m.find("instance '" + InstanceId("octo/repo", 2) + "' is in both '" + a + "' and '" +
                   b + "'"),
            std::string::npos)
      << m;
}

TEST(ShardSetTest, RefusesShardsWithDifferentSystemPrompts) {
  testing::TempDir dir;
  const std::string a = Write(dir, "a.db", 0, 2), b = Write(dir, "b.db", 2, 2);
  {
    auto db = db::Db::Open(b, db::Db::Mode::kReadWrite);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("UPDATE meta SET value = 'another prompt' WHERE key = 'system_prompt'"));
  }
  auto set = ShardSet::Open({a, b});
  ASSERT_FALSE(set);
  EXPECT_NE(set.error().message().find("different system prompts"), std::string::npos)
      << set.error().message();
}

TEST(ShardSetTest, ErrorsNameTheShardThatFails) {
  testing::TempDir dir;
  const std::string a = Write(dir, "a.db", 0, 2);
  auto missing = ShardSet::Open({a, dir.Join("missing.db")});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("missing.db"), std::string::npos);
  auto none = ShardSet::Open({});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), Code::kInvalidInput);
}

TEST(ExpandShardPatternsTest, GlobsAreSortedAndPlainPathsKept) {
  testing::TempDir dir;
  for (const char* name : {"w2.db", "w10.db", "w1.db", "other.txt"}) Write(dir, name, 0, 1);
  auto paths = ExpandShardPatterns({dir.Join("w*.db"), dir.Join("other.txt")});
  ASSERT_TRUE(paths) << paths.error().message();
  EXPECT_EQ(*paths, (std::vector<std::string>{dir.Join("w1.db"), dir.Join("w10.db"),
                                              dir.Join("w2.db"), dir.Join("other.txt")}));
  auto nothing = ExpandShardPatterns({dir.Join("x*.db")});
  ASSERT_FALSE(nothing);
  EXPECT_NE(nothing.error().message().find("no shard matches '" + dir.Join("x*.db") + "'"),
            std::string::npos);
  auto twice = ExpandShardPatterns({dir.Join("w1.db"), dir.Join("w?.db")});
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message().find("is named twice"), std::string::npos);
}

}  // namespace
}  // namespace swerl::shard

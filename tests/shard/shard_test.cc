#include "swerl/shard/shard.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "swerl/db/sqlite.h"
#include "testing/testing.h"

namespace swerl::shard {
namespace {

Seed MakeSeed(int n) {
  Seed s;
  s.repo = "octo/repo";
  s.pull_number = n;
  s.instance_id = InstanceId(s.repo, n);
  s.base_commit = std::string(40, 'a');
  s.head_commit = std::string(40, 'b');
  s.problem_statement = "issue " + std::to_string(n) + "\nit breaks\n";
  s.context = {{"pkg/a.py", "x = " + std::to_string(n) + "\n"}, {"pkg/b.py", "shared\n"}};
  s.oracle = {{"pkg/a.py", "x = " + std::to_string(n + 1) + "\n"}};
  s.prompt = "user message " + std::to_string(n);
  return s;
}

std::string WriteShard(const testing::TempDir& dir, int seeds) {
  const std::string path = dir.Join("shard.db");
  auto w = ShardWriter::Create(path);
  EXPECT_TRUE(w) << w.error().message();
  for (int i = 0; i < seeds; ++i) EXPECT_TRUE(w->Add(MakeSeed(100 + i)));
  EXPECT_TRUE(w->Finish({{"source", "test"}}));
  return path;
}

TEST(ShardReaderTest, CountListAndReadById) {
  testing::TempDir dir;
  const std::string path = WriteShard(dir, 5);
  auto r = ShardReader::Open(path);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(*r->Count(), 5);
  auto refs = r->List();
  ASSERT_TRUE(refs);
  ASSERT_EQ(refs->size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ((*refs)[i].seed_id, i);
    EXPECT_EQ((*refs)[i].instance_id, "octo__repo-" + std::to_string(100 + i));
  }
  // Out of order, and twice: each read is the seed written.
  for (int id : {3, 0, 4, 3}) {
    auto s = r->Read(id);
    ASSERT_TRUE(s) << s.error().message();
    const Seed want = MakeSeed(100 + id);
    EXPECT_EQ(s->instance_id, want.instance_id);
    EXPECT_EQ(s->prompt, want.prompt);
    EXPECT_EQ(s->problem_statement, want.problem_statement);
    EXPECT_EQ(s->context, want.context);
    EXPECT_EQ(s->oracle, want.oracle);
  }
  auto missing = r->Read(5);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_NE(missing.error().message().find("no seed 5"), std::string::npos);
  // ForEach sees the same seeds in export order.
  int n = 0;
  ASSERT_TRUE(r->ForEach([&](Seed& s) -> Status {
    EXPECT_EQ(s.instance_id, MakeSeed(100 + n).instance_id);
    EXPECT_EQ(s.context, MakeSeed(100 + n).context);
    ++n;
    return OkStatus();
  }));
  EXPECT_EQ(n, 5);
}

// A shard whose oracle path was renamed to escape the repository is refused
// by every read, naming the seed and the path.
TEST(ShardReaderTest, RefusesPathsOutsideTheRepository) {
  for (const std::string& bad :
       std::vector<std::string>{"../../etc/passwd", "/etc/passwd", "pkg/../../x", "pkg//a.py",
                                "./a.py", "pkg/", std::string("a\0b", 3), ""}) {
    SCOPED_TRACE(bad);
    testing::TempDir dir;
    const std::string path = WriteShard(dir, 3);
    {
      auto db = db::Db::Open(path, db::Db::Mode::kReadWrite);
      ASSERT_TRUE(db);
      auto up = db->Prepare("UPDATE seed_files SET path = ? WHERE seed_id = 1 AND role = 'oracle'");
      ASSERT_TRUE(up);
      up->BindText(1, bad);
      ASSERT_TRUE(up->Run());
    }
    auto r = ShardReader::Open(path);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->Read(0));
    auto s = r->Read(1);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code(), Code::kCorrupt);
    EXPECT_NE(s.error().message().find("octo__repo-101"), std::string::npos) << s.error().message();
    EXPECT_NE(s.error().message().find("oracle file"), std::string::npos) << s.error().message();
    Status all = r->ForEach([](Seed&) { return OkStatus(); });
    ASSERT_FALSE(all);
    EXPECT_NE(all.error().message().find("octo__repo-101"), std::string::npos);
  }
}

TEST(ValidateSeedPathTest, AcceptsRepositoryPathsOnly) {
  for (const char* ok : {"a.py", "src/pkg/a.py", "a..b/c", "...", ".github/workflows/x.yml",
                         "dir with space/f", "back\\slash", "é/ü.py"}) {
    EXPECT_TRUE(ValidateSeedPath(ok)) << ok;
  }
  for (const char* bad :
       {"", "/abs", "..", "../x", "a/..", "a/../b", ".", "./a", "a/./b", "a//b", "a/", "//a"}) {
    Status st = ValidateSeedPath(bad);
    EXPECT_FALSE(st) << bad;
    if (!st) {
      EXPECT_EQ(st.error().code(), Code::kCorrupt);
    }
  }
  EXPECT_FALSE(ValidateSeedPath(std::string_view("a\0b", 3)));
}

}  // namespace
}  // namespace swerl::shard

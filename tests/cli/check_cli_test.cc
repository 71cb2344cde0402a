// `swerl check --seeds` as a shard's integrity check (issue 16): blobs are
// verified against their ids, paths against shard::ValidateSeedPath, records
// against their schema; a corrupted shard names the seed and the blob and
// exits 1 (a check that answered no).
#include <gtest/gtest.h>

#include "swerl/core/sha256.h"
#include "swerl/curate/export.h"
#include "swerl/db/blob_store.h"
#include "swerl/db/sqlite.h"
#include "swerl/shard/shard.h"
#include "testing/testing.h"

namespace swerl {
namespace {

using testing::RunSwerl;
using testing::TempDir;

shard::Seed MakeSeed(int n) {
  shard::Seed s;
  s.repo = "octo/repo";
  s.pull_number = n;
  s.instance_id = shard::InstanceId(s.repo, n);
  s.base_commit = std::string(40, 'a');
  s.head_commit = std::string(40, 'b');
  s.problem_statement = "issue " + std::to_string(n) + "\nit breaks\n";
  s.context = {{"pkg/a.py", "x = " + std::to_string(n) + "\ny = 2\n"}, {"pkg/b.py", "shared\n"}};
  s.oracle = {{"pkg/a.py", "x = " + std::to_string(n) + "\ny = 3\n"}};
  s.files = {{"pkg/a.py", "pkg/a.py", "modified", false, false, "", 1, 1}};
  s.prompt = curate::RenderedPrompt(s);
  return s;
}

class CheckCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto w = shard::ShardWriter::Create(path_);
    ASSERT_TRUE(w) << w.error().message();
    for (int n = 100; n < 103; ++n) ASSERT_TRUE(w->Add(MakeSeed(n)));
    ASSERT_TRUE(w->Finish({{"source", "test"}}));
  }

  db::Db Open() {
    auto db = db::Db::Open(path_, db::Db::Mode::kReadWrite);
    EXPECT_TRUE(db) << db.error().message();
    return std::move(*db);
  }

  std::string OracleBlobOf(int seed_id) {
    db::Db db = Open();
    auto q = db.Prepare("SELECT blob_id FROM seed_files WHERE seed_id = ? AND role = 'oracle'");
    q->BindInt(1, seed_id);
    EXPECT_TRUE(*q->Step());
    return std::string(q->Text(0));
  }

  // Replaces the contents of blob `id` with `text`, compressed as the
  // writer would, under the same id.
  void Recompress(const std::string& id, const std::string& text) {
    db::Db db = Open();
    auto zstd = db::BlobCompressor::Create(9);
    std::string frame;
    ASSERT_TRUE(zstd->Compress(text, &frame));
    auto up = db.Prepare("UPDATE blobs SET data = ?, size = ? WHERE blob_id = ?");
    up->BindBlob(1, frame);
    up->BindInt(2, static_cast<int64_t>(text.size()));
    up->BindText(3, id);
    ASSERT_TRUE(up->Run());
  }

  void Exec(const std::string& sql) {
    db::Db db = Open();
    ASSERT_TRUE(db.Exec(sql));
  }

  TempDir dir_;
  std::string path_ = dir_.Join("shard.db");
};

TEST_F(CheckCliTest, CleanShardPasses) {
  const auto r = RunSwerl({"check", "--seeds", path_, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("3 seeds, 3 with an oracle answer scoring 1.0, 0 failing; 7 blobs, 0 not "
                       "matching their id"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("{\"seeds\":3,\"failing\":0,\"blobs\":7,\"bad_blobs\":0,"),
            std::string::npos)
      << r.err;
}

// Repro (passed before): an oracle blob edited and recompressed under its
// old id. The seed's oracle answer is derived from the edited oracle, so it
// still scores 1.0: only the hash tells.
TEST_F(CheckCliTest, Issue16EditedOracleBlobFailsNamingSeedAndBlob) {
  const std::string blob = OracleBlobOf(1);
  Recompress(blob, "x = 666\ny = 3\n");
  const auto r = RunSwerl({"check", "--seeds", path_});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("swerl check: error: blob " + blob + " holds contents whose sha256 is " +
                       Sha256::Hex("x = 666\ny = 3\n") +
                       ", not its id; used by seed "
                       "'octo__repo-101' oracle file 'pkg/a.py'\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("1 not matching their id"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("octo__repo-100"), std::string::npos) << r.err;
}

// Repro (passed before the shard reader validated paths): an oracle path
// renamed to leave the repository.
TEST_F(CheckCliTest, Issue16OraclePathOutsideTheRepositoryFails) {
  Exec("UPDATE seed_files SET path = '../../etc/passwd' WHERE seed_id = 2 AND role = 'oracle'");
  const auto r = RunSwerl({"check", "--seeds", path_});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("seed 'octo__repo-102': oracle file '../../etc/passwd': path has a '.' "
                       "or '..' component"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("3 seeds, 2 with an oracle answer scoring 1.0, 1 failing"),
            std::string::npos)
      << r.err;
}

// Both at once, plus damage the reader cannot see: paths in the record, a
// duplicate changed file, an instance id that disagrees, a blob that does
// not decompress. Every problem is listed; the run goes on past each.
TEST_F(CheckCliTest, EveryProblemIsListedWithItsSeed) {
  const std::string blob = OracleBlobOf(0);
  Recompress(blob, "edited\n");
  Exec("UPDATE seed_files SET path = '/etc/passwd' WHERE seed_id = 2 AND role = 'oracle'");
  Exec(
      "UPDATE seeds SET record = replace(record, '\"path\":\"pkg/a.py\",\"old_path\"', "
      "'\"path\":\"pkg/../../a.py\",\"old_path\"') WHERE seed_id = 1");
  const auto r = RunSwerl({"check", "--seeds", path_});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("blob " + blob), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("used by seed 'octo__repo-100' oracle file 'pkg/a.py'"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("seed 'octo__repo-101' (id 1): changed file 'pkg/../../a.py': path has "
                       "a '.' or '..' component"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("seed 'octo__repo-102': oracle file '/etc/passwd': path is absolute"),
            std::string::npos)
      << r.err;

  // A blob that does not decompress, and a record whose id disagrees.
  Exec("UPDATE blobs SET data = x'00010203' WHERE blob_id = '" + blob + "'");
  Exec("UPDATE seeds SET instance_id = 'octo__repo-999' WHERE seed_id = 1");
  const auto again = RunSwerl({"check", "--seeds", path_});
  EXPECT_EQ(again.exit_code, 1) << again.err;
  EXPECT_NE(again.err.find("blob " + blob), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("seed 'octo__repo-100'"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("its record says instance_id 'octo__repo-101'"), std::string::npos)
      << again.err;
}

TEST(CheckSeedRecordTest, PathsDuplicatesAndIds) {
  shard::Seed s = MakeSeed(7);
  EXPECT_TRUE(curate::CheckSeedRecord(s).empty());
  s.context.emplace_back("pkg/a.py", "again\n");
  s.relevant_files = {"docs/../x.md"};
  s.files.push_back(s.files.front());
  s.files.back().old_path = "/abs";
  s.instance_id = "octo__repo-8";
  s.base_commit = "HEAD";
  const std::vector<std::string> problems = curate::CheckSeedRecord(s);
  const std::vector<std::string> want = {
      "context file 'pkg/a.py' occurs more than once",
      "changed file's old path '/abs': path is absolute",
      "changed file 'pkg/a.py' occurs more than once",
      "relevant file 'docs/../x.md': path has a '.' or '..' component",
      "instance_id 'octo__repo-8' is not the one of octo/repo#7",
      "base_commit 'HEAD' is not a commit id",
  };
  EXPECT_EQ(problems, want);
}

}  // namespace
}  // namespace swerl

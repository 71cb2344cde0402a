// The data pipeline end to end on a repository built with the git CLI: the
// store's rows (a bug-fix pull request closing an issue, a docs-only one, one
// whose change cannot be written as SEARCH/REPLACE), then `swerl link`,
// `clone`, `assemble`, `relevant`, `filter --db --preset seeds`, `export` to
// a shard and NDJSON, and `check`; a tampered shard fails the check.
#include <gtest/gtest.h>

#include <filesystem>

#include "git/git_testing.h"
#include "swerl/db/sqlite.h"
#include "swerl/shard/seed.h"
#include "swerl/shard/shard.h"
#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl::curate {
namespace {

namespace fs = std::filesystem;
using testing::CommitAll;
using testing::Git;
using testing::RunSwerl;
using testing::TempDir;
using testing::WriteFile;

class ExportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string work = src_.Join("work");
    testing::InitWorkTree(work);
    fs::create_directories(work + "/src");
    fs::create_directories(work + "/tests");
    WriteFile(work + "/src/parser.py",
              "def parse(text):\n    items = text.split(',')\n    return items[0]\n");
    WriteFile(work + "/src/tokens.py",
              "# tokens for the parser: split, strip, empty input\n"
              "def split(text):\n    return text.split(',')\n");
    WriteFile(work + "/src/unrelated.py", "def area(r):\n    return 3.14 * r * r\n");
    WriteFile(work + "/tests/test_parser.py",
              "def test_parse():\n    assert parse('a,b') == 'a'\n");
    WriteFile(work + "/README.md", "# widget\n");
    WriteFile(work + "/doc.rst", "a\n=======\nb\n");
    const std::string base = CommitAll(work, "initial");
    auto pr = [&](const std::string& branch, const std::string& path, const std::string& text,
                  const std::string& message) {
      Git({"-C", work, "checkout", "-q", "-b", branch, base});
      WriteFile(work + "/" + path, text);
      if (branch == "fix") {
        WriteFile(work + "/tests/test_parser.py",
                  "def test_parse():\n    assert parse('') is None\n");
      }
      return CommitAll(work, message);
    };
    const std::string fix = pr("fix", "src/parser.py",
                               "def parse(text):\n    if not text:\n        return None\n"
                               "    items = text.split(',')\n    return items[0]\n",
                               "Handle empty input");
    const std::string docs = pr("docs", "README.md", "# widget\n\nA parser.\n", "Docs");
    const std::string rst = pr("rst", "doc.rst", "A\n=======\nB\n", "Retitle");
    Git({"-C", work, "checkout", "-q", "main"});
    for (int n = 1; n <= 3; ++n) {
      const std::string head = n == 1 ? fix : n == 2 ? docs : rst;
      Git({"-C", work, "update-ref", "refs/pull/" + std::to_string(n) + "/head", head});
      rows_ += std::string(n > 1 ? ", " : "") + "(1, " + std::to_string(n) + ", 1, '" + base +
               "', '" + head + "')";
    }
    const std::string bare = src_.Join("acme/widget.git");
    Git({"init", "-q", "--bare", "-b", "main", bare});
    Git({"-C", work, "push", "-q", "--mirror", bare});

    auto db = store::OpenStore(db_, /*create=*/true);
    ASSERT_TRUE(db) << db.error().message();
    ASSERT_TRUE(
        db->Exec("INSERT INTO repos(repo_id, name) VALUES (1, 'acme/widget');"
                 "INSERT INTO pull_requests(repo_id, number, merged, base_sha, head_sha) VALUES " +
                 rows_ +
                 ";"
                 "UPDATE pull_requests SET created_at = '2024-05-01T10:00:00Z', user = 'alice', "
                 "title = CASE number WHEN 1 THEN 'Fix crash in parse on empty input' "
                 "WHEN 2 THEN 'Update README' ELSE 'Fix the doc title' END, "
                 "body = CASE number WHEN 1 THEN 'Fixes #7' ELSE 'Fixes #8' END;"
                 "INSERT INTO issues(repo_id, number, title, body, is_pull_request) VALUES "
                 "(1, 7, 'parse crashes on empty input', 'parse(\"\") raises IndexError', 0), "
                 "(1, 8, 'doc title is wrong', 'it should be upper case, fails the build', 0);"));
  }

  void RunPipeline() {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"link", "--db", db_},
          {"clone", "--db", db_, "--repos", repos_.path(), "--url-template",
           "file://" + src_.path() + "/{owner}/{name}.git", "--no-progress"},
          {"assemble", "--db", db_, "--repos", repos_.path(), "--no-progress"},
          {"relevant", "--db", db_, "--repos", repos_.path(), "-k", "1", "--no-progress"},
          {"filter", "--db", db_, "--preset", "seeds"}}) {
      const auto r = RunSwerl(args);
      ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    }
  }

  TempDir src_, repos_, dir_;
  std::string db_ = dir_.Join("swerl.db"), shard_ = dir_.Join("shard.db"), rows_;
};

TEST_F(ExportCliTest, SeedsFromTheStoreToACheckedShard) {
  RunPipeline();
  const auto r = RunSwerl({"export", "--db", db_, "--out", shard_, "--ndjson"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 seeds read, 1 exported -> " + shard_), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(shard_ + ".tmp"));

  // The NDJSON record and the shard hold the same seed.
  std::string line = r.out;
  ASSERT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  line.pop_back();
  const size_t size = line.size();
  line.append(shard::kSeedPadding, ' ');
  auto seed = shard::ParseSeedJson(std::string_view(line.data(), size));
  ASSERT_TRUE(seed) << seed.error().message();
  EXPECT_EQ(seed->instance_id, "acme__widget-1");
  EXPECT_EQ(seed->problem_statement,
            "parse crashes on empty input\nparse(\"\") raises IndexError\n");
  ASSERT_EQ(seed->context.size(), 2u);  // the changed code file and the relevant one
  EXPECT_EQ(seed->context[0].first, "src/parser.py");
  EXPECT_EQ(seed->context[1].first, "src/tokens.py");
  ASSERT_EQ(seed->oracle.size(), 1u);  // tests are not part of the oracle
  EXPECT_EQ(seed->oracle[0].first, "src/parser.py");
  EXPECT_NE(seed->test_patch.find("tests/test_parser.py"), std::string::npos);
  EXPECT_EQ(seed->relevant_files, std::vector<std::string>{"src/tokens.py"});
  EXPECT_NE(seed->prompt.find("--- BEGIN ISSUE ---\nparse crashes on empty input\n"
                              "parse(\"\") raises IndexError\n\n--- END ISSUE ---"),
            std::string::npos);
  EXPECT_NE(seed->prompt.find("```\n### src/parser.py\ndef parse(text):\n"), std::string::npos);
  EXPECT_NE(seed->prompt.find("\n\n### src/tokens.py\n"), std::string::npos);

  auto reader = shard::ShardReader::Open(shard_);
  ASSERT_TRUE(reader) << reader.error().message();
  int n = 0;
  ASSERT_TRUE(reader->ForEach([&](shard::Seed& s) -> Status {
    ++n;
    EXPECT_EQ(s.prompt, seed->prompt);
    EXPECT_EQ(s.context, seed->context);
    EXPECT_EQ(s.oracle, seed->oracle);
    return OkStatus();
  }));
  EXPECT_EQ(n, 1);
  EXPECT_NE(reader->Meta("system_prompt")->find("<think>"), std::string::npos);

  const auto check = RunSwerl({"check", "--seeds", shard_});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.err.find("1 seeds, 1 with an oracle answer scoring 1.0, 0 failing"),
            std::string::npos)
      << check.err;

  // A tampered prompt fails the check, naming the seed.
  {
    auto db = db::Db::Open(shard_, db::Db::Mode::kReadWrite);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("UPDATE seeds SET prompt = prompt || ' '"));
  }
  const auto bad = RunSwerl({"check", "--seeds", shard_});
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_NE(bad.err.find("seed 'acme__widget-1' (id 0): its prompt is not the one its files "
                         "render"),
            std::string::npos)
      << bad.err;
  EXPECT_EQ(RunSwerl({"check", "--seeds", db_}).exit_code, 2);  // not a shard
}

TEST_F(ExportCliTest, ManifestNamingAnotherPathIsRefused) {
  // --manifest is written and --hours read: neither may name the store, the
  // shard or each other (the same-file table cannot run these: --manifest
  // needs --db and --out besides the pair).
  const std::string hours = dir_.Join("hours");
  std::filesystem::create_directories(hours);
  for (const auto& [manifest, other] :
       std::vector<std::pair<std::string, std::string>>{
           {db_, "--db"}, {shard_, "--out"}, {hours, "--hours"}}) {
    const auto r = RunSwerl({"export", "-q", "--db", db_, "--out", shard_, "--hours", hours,
                             "--manifest", manifest});
    EXPECT_EQ(r.exit_code, 2) << other;
    EXPECT_NE(r.err.find("same file"), std::string::npos) << other << ": " << r.err;
    EXPECT_NE(r.err.find("--manifest '" + manifest + "'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(other + " '"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(shard_));
}

TEST_F(ExportCliTest, AllInstancesCountWhatCannotBeExported) {
  RunPipeline();
  // --all skips the filter (which drops the docs-only PR 2); PR 3's doc.rst
  // change spans a line "=======", which SEARCH/REPLACE cannot write.
  auto r = RunSwerl({"export", "--db", db_, "--all", "--ndjson", "--where", "number >= 2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"instance_id\":\"acme__widget-2\""), std::string::npos);
  EXPECT_EQ(r.out.find("acme__widget-3"), std::string::npos);
  EXPECT_NE(r.err.find("2 seeds read, 1 exported, 1 inexpressible"), std::string::npos) << r.err;
  // Without --all a store that was never filtered is refused.
  {
    auto db = store::OpenStore(db_, false);
    ASSERT_TRUE(db && db->Exec("DELETE FROM filter_decisions"));
  }
  r = RunSwerl({"export", "--db", db_, "--ndjson"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("run `swerl filter --db` first"), std::string::npos) << r.err;
  r = RunSwerl({"export", "--db", db_});
  EXPECT_EQ(r.exit_code, 2);  // neither --out nor --ndjson
  fs::create_directories(dir_.Join("x"));
  r = RunSwerl({"export", "--db", db_, "--out", dir_.Join("x")});  // exists
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace swerl::curate

// `swerl assemble` end to end: a source repository built with the git CLI
// (a true merge, a squash merge, a force-pushed head only refs/pull/N/head
// keeps, a PR nothing resolves), mirrored by `swerl clone`, assembled into
// the store and checked against git merge-base / diff / show; reruns,
// --refresh, failures, and `swerl link` reading the commit messages.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "git_testing.h"
#include "swerl/store/assemble.h"
#include "swerl/db/blob_store.h"
#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl::store {
namespace {

namespace fs = std::filesystem;
using testing::CommitAll;
using testing::Git;
using testing::RevParse;
using testing::RunSwerl;
using testing::TempDir;
using testing::WriteFile;

constexpr const char* kGone = "0123456789abcdef0123456789abcdef01234567";
constexpr const char* kGone2 = "89abcdef0123456789abcdef0123456789abcdef";
const std::string kLatin1Name = "caf\xe9.txt";  // not UTF-8

std::string Query(db::Db* db, const std::string& sql) {
  auto stmt = db->Prepare(sql);
  EXPECT_TRUE(stmt) << stmt.error().message();
  if (!stmt) return "";
  std::string out;
  while (*stmt->Step()) {
    for (int c = 0; c < stmt->columns(); ++c) {
      out += (c ? "|" : "") + (stmt->IsNull(c) ? std::string("NULL") : std::string(stmt->Text(c)));
    }
    out += "\n";
  }
  return out;
}

std::string Lines(int n, const std::string& prefix) {
  std::string s;
  for (int i = 0; i < n; ++i) s += prefix + " line " + std::to_string(i) + "\n";
  return s;
}

class AssembleCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string work = src_.Join("work");
    testing::InitWorkTree(work);
    fs::create_directories(work + "/tests");
    fs::create_directories(work + "/vendor");
    WriteFile(work + "/a.py", "def f():\n    return 1\n");
    WriteFile(work + "/bin.dat", std::string("\x00\x01\x02 binary\n", 12));
    WriteFile(work + "/big.txt", Lines(100, "big"));  // ~1.2 kB, over --max-file-bytes 1000
    WriteFile(work + "/tests/test_a.py", "def test_f():\n    assert f() == 1\n");
    WriteFile(work + "/vendor/lib.js", "var x = 1;\n");
    WriteFile(work + "/old.txt", Lines(20, "keep"));
    CommitAll(work, "initial");
    // PR 1, a true merge: two commits on f1; main moves on meanwhile.
    Git({"-C", work, "checkout", "-q", "-b", "f1"});
    WriteFile(work + "/a.py", "def f():\n    return 2\n");
    WriteFile(work + "/bin.dat", std::string("\x00\x03\x04 binary\n", 12));
    WriteFile(work + "/big.txt", Lines(101, "big"));
    WriteFile(work + "/tests/test_a.py", "def test_f():\n    assert f() == 2\n");
    WriteFile(work + "/vendor/lib.js", "var x = 2;\n");
    CommitAll(work, "Change f");
    WriteFile(work + "/" + kLatin1Name, "latin-1 name\r\nno final newline");
    fs::rename(work + "/old.txt", work + "/new.txt");
    f1_ = CommitAll(work, "Fix parser\n\nFixes #42");
    Git({"-C", work, "checkout", "-q", "main"});
    WriteFile(work + "/other.txt", "other\n");
    c1_ = CommitAll(work, "other");
    Git({"-C", work, "merge", "-q", "--no-ff", "-m", "Merge pull request #1", "f1"});
    m1_ = RevParse(work, "HEAD");
    // PR 2, a squash merge: its branch and head are gone.
    Git({"-C", work, "checkout", "-q", "-b", "f2"});
    WriteFile(work + "/b.py", "x = 1\n");
    CommitAll(work, "b one");
    WriteFile(work + "/b.py", "x = 2\n");
    CommitAll(work, "b two");
    Git({"-C", work, "checkout", "-q", "main"});
    Git({"-C", work, "merge", "-q", "--squash", "f2"});
    s2_ = CommitAll(work, "Add b (#2)");
    Git({"-C", work, "branch", "-q", "-D", "f2"});
    // PR 3: its head was force-pushed away; only refs/pull/3/head has the last one.
    Git({"-C", work, "checkout", "-q", "-b", "f3"});
    WriteFile(work + "/a.py", "def f():\n    return 3\n");
    x3_ = CommitAll(work, "three");
    Git({"-C", work, "checkout", "-q", "main"});
    Git({"-C", work, "update-ref", "refs/pull/3/head", x3_});
    Git({"-C", work, "branch", "-q", "-D", "f3"});
    bare_ = src_.Join("acme/widget.git");
    Git({"init", "-q", "--bare", "-b", "main", bare_});
    Git({"-C", work, "push", "-q", "--mirror", bare_});

    auto db = OpenStore(db_path_, /*create=*/true);
    ASSERT_TRUE(db) << db.error().message();
    ASSERT_TRUE(db->Exec(
        "INSERT INTO repos(repo_id, name) VALUES (1, 'acme/widget');"
        "INSERT INTO pull_requests(repo_id, number, merged, base_sha, head_sha, "
        "merge_commit_sha) VALUES "
        "(1, 1, 1, '" + c1_ + "', '" + f1_ + "', '" + m1_ + "'), "
        "(1, 2, 1, '" + kGone + "', '" + kGone2 + "', '" + s2_ + "'), "
        "(1, 3, 1, '" + s2_ + "', '" + kGone + "', NULL), "
        "(1, 4, 1, '" + kGone + "', '" + kGone2 + "', '" + kGone + "'), "
        "(1, 5, 0, '" + c1_ + "', '" + f1_ + "', NULL);"));
    const auto r = RunSwerl({"clone", "--db", db_path_, "--repos", repos_.path(),
                             "--url-template", "file://" + src_.path() + "/{owner}/{name}.git",
                             "--no-progress"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // Thirty more pull requests (10..39) forked from one commit, all editing
  // shared.py (so they share its old blob), one in three adding a file;
  // recorded merged in the store and fetched into the mirror.
  void AddThirtyPullRequests() {
    const std::string work = src_.Join("more");
    Git({"clone", "-q", bare_, work});
    Git({"-C", work, "config", "user.name", "t"});
    Git({"-C", work, "config", "user.email", "t@example.com"});
    WriteFile(work + "/shared.py", Lines(30, "shared"));  // under --max-file-bytes
    const std::string fork = CommitAll(work, "shared");
    std::string rows;
    for (int pr = 10; pr < 40; ++pr) {
      const std::string n = std::to_string(pr);
      Git({"-C", work, "checkout", "-q", "-b", "p" + n, fork});
      WriteFile(work + "/shared.py", Lines(pr + 21, "shared"));
      if (pr % 3 == 0) WriteFile(work + "/own" + n + ".py", Lines(pr, "own" + n));
      const std::string head = CommitAll(work, "pr " + n);
      Git({"-C", work, "update-ref", "refs/pull/" + n + "/head", head});
      rows += std::string(rows.empty() ? "" : ", ") + "(1, " + n + ", 1, '" + fork + "', '" +
              head + "', NULL)";
    }
    Git({"-C", work, "push", "-q", "origin", "refs/pull/*:refs/pull/*", "HEAD:refs/heads/more"});
    {
      auto db = OpenStore(db_path_, false);
      ASSERT_TRUE(db->Exec("INSERT INTO pull_requests(repo_id, number, merged, base_sha, "
                           "head_sha, merge_commit_sha) VALUES " + rows + ";"));
    }
    auto r = RunSwerl({"clone", "--db", db_path_, "--repos", repos_.path(), "--url-template",
                       "file://" + src_.path() + "/{owner}/{name}.git", "--no-progress",
                       "--refresh"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // The instance rows and blobs of the store at `path` (assembled_at aside).
  std::string DumpInstances(const std::string& path) {
    auto db = OpenStore(path, false);
    EXPECT_TRUE(db);
    if (!db) return std::string();
    return Query(&*db, "SELECT repo_id, number, status, how, base_commit, head_commit, "
                       "merge_base, patch, code_patch, test_patch, error FROM instances "
                       "ORDER BY number") +
           Query(&*db, "SELECT * FROM instance_commits ORDER BY number, seq") +
           Query(&*db, "SELECT * FROM instance_files ORDER BY number, seq") +
           Query(&*db, "SELECT blob_id, size, data FROM blobs ORDER BY blob_id");
  }

  testing::RunResult Assemble(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"assemble", "--db", db_path_, "--repos", repos_.path(),
                                  "--max-file-bytes", "1000", "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunSwerl(args);
  }

  std::string Rows(const std::string& sql) {
    auto db = OpenStore(db_path_, false);
    EXPECT_TRUE(db);
    return db ? Query(&*db, sql) : "";
  }

  std::string GitDiff(const std::string& from, const std::string& to) {
    return Git({"-C", bare_, "-c", "core.quotePath=true", "-c", "diff.noprefix=false", "-c",
                "diff.mnemonicPrefix=false", "diff", "--no-color", "--no-ext-diff",
                "--no-textconv", "-M", "--full-index", from, to});
  }

  TempDir src_, repos_, dbdir_;
  std::string db_path_ = dbdir_.Join("swerl.db");
  std::string bare_, c1_, f1_, m1_, s2_, x3_;
};

TEST_F(AssembleCliTest, AssemblesMergedPullRequestsLikeTheGitCli) {
  const auto r = Assemble();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("4 merged PRs, 0 done before, 3 assembled, 1 unresolved, 0 failed, "),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Rows("SELECT number, status, how, base_commit, head_commit, error IS NULL "
                 "FROM instances ORDER BY number"),
            "1|assembled|head_sha|" + c1_ + "|" + f1_ + "|1\n" +
                "2|assembled|squash|" + m1_ + "|" + s2_ + "|1\n" +
                "3|assembled|pull_ref|" + s2_ + "|" + x3_ + "|1\n" +
                "4|unresolved|NULL|NULL|NULL|0\n");
  EXPECT_NE(Rows("SELECT error FROM instances WHERE number = 4").find("cannot resolve pr 4"),
            std::string::npos);

  auto db = OpenStore(db_path_, false);
  ASSERT_TRUE(db);
  auto q = db->Prepare(
      "SELECT number, base_commit, head_commit, merge_base, patch FROM instances "
      "WHERE status = 'assembled' ORDER BY number");
  ASSERT_TRUE(q);
  int checked = 0;
  while (*q->Step()) {
    const std::string base(q->Text(1)), head(q->Text(2)), mb(q->Text(3)), patch(q->Text(4));
    std::string git_mb = Git({"-C", bare_, "merge-base", base, head});
    git_mb.pop_back();
    EXPECT_EQ(mb, git_mb) << "pr " << q->Int(0);
    EXPECT_EQ(patch, GitDiff(mb, head)) << "pr " << q->Int(0);
    EXPECT_FALSE(patch.empty());
    ++checked;
  }
  EXPECT_EQ(checked, 3);

  // Every stored side equals git show <commit>:<path>, byte for byte.
  auto files = db->Prepare(
      "SELECT f.number, i.merge_base, i.head_commit, f.old_path, f.new_path, f.old_blob, "
      "f.new_blob FROM instance_files f JOIN instances i USING (repo_id, number) "
      "WHERE f.skip IS NULL");
  ASSERT_TRUE(files);
  int sides = 0;
  while (*files->Step()) {
    for (int side = 0; side < 2; ++side) {
      if (files->IsNull(5 + side)) continue;
      const std::string commit(files->Text(1 + side)), path(files->Text(3 + side));
      auto stored = db::ReadStoredBlob(&*db, files->Text(5 + side));
      ASSERT_TRUE(stored) << stored.error().message();
      EXPECT_EQ(*stored, Git({"-C", bare_, "show", commit + ":" + path}))
          << "pr " << files->Int(0) << " " << path;
      ++sides;
    }
  }
  EXPECT_GE(sides, 10);
  EXPECT_EQ(db::ReadStoredBlob(&*db, kGone).error().code(), Code::kNotFound);

  EXPECT_EQ(Rows("SELECT CAST(old_path AS TEXT), CAST(new_path AS TEXT), status, binary, "
                 "is_test, skip, typeof(new_path) FROM instance_files WHERE number = 1 "
                 "ORDER BY seq"),
            "a.py|a.py|modified|0|0|NULL|blob\n"
            "big.txt|big.txt|modified|0|0|huge|blob\n"
            "bin.dat|bin.dat|modified|1|0|binary|blob\n" +
                kLatin1Name + "|" + kLatin1Name + "|added|0|0|NULL|blob\n" +
                "old.txt|new.txt|renamed|0|0|NULL|blob\n"
                "tests/test_a.py|tests/test_a.py|modified|0|1|NULL|blob\n"
                "vendor/lib.js|vendor/lib.js|modified|0|0|vendored|blob\n");
  // Skipped files' contents are not stored; one row per distinct blob.
  EXPECT_EQ(Rows("SELECT count(*) FROM blobs WHERE blob_id IN (SELECT new_blob FROM "
                 "instance_files WHERE skip IS NOT NULL)"),
            "0\n");
  EXPECT_EQ(Rows("SELECT number, seq, sha, CAST(message AS TEXT) FROM instance_commits "
                 "WHERE number IN (1, 3) ORDER BY number, seq"),
            "1|0|" + RevParse(bare_, f1_ + "^") + "|Change f\n\n" + "1|1|" + f1_ +
                "|Fix parser\n\nFixes #42\n\n" + "3|0|" + x3_ + "|three\n\n");
}

TEST_F(AssembleCliTest, RerunDoesNothingNewAndRefreshRedoes) {
  ASSERT_EQ(Assemble().exit_code, 0);
  auto dump = [&] {
    return Rows("SELECT * FROM instances ORDER BY number") +
           Rows("SELECT * FROM instance_commits ORDER BY number, seq") +
           Rows("SELECT * FROM instance_files ORDER BY number, seq") +
           Rows("SELECT blob_id, size, length(data) FROM blobs ORDER BY blob_id");
  };
  const std::string before = dump();
  const std::string blob_count = Rows("SELECT count(*) FROM blobs");
  auto r = Assemble();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("4 merged PRs, 4 done before, 0 assembled, 0 unresolved, 0 failed, "
                       "0 blobs (0.0 MB -> 0.0 MB zstd)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(dump(), before);

  auto db = OpenStore(db_path_, false);
  ASSERT_TRUE(db->Exec("UPDATE instances SET assembled_at = 'old', patch = 'stale'"));
  r = Assemble({"--refresh", "--where", "number <= 3"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("3 merged PRs, 0 done before, 3 assembled, 0 unresolved, 0 failed, 0 blobs"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Rows("SELECT number, assembled_at = 'old', patch = 'stale' FROM instances "
                 "ORDER BY number"),
            "1|0|0\n2|0|0\n3|0|0\n4|1|1\n");
  EXPECT_EQ(Rows("SELECT count(*) FROM blobs"), blob_count);
}

// Thirty more pull requests forked from one commit, all editing shared.py
// (so they share its old blob) and some their own file; then the same store
// assembled with one worker and with four must hold identical rows.
TEST_F(AssembleCliTest, AnyNumberOfWorkersStoresTheSameRows) {
  AddThirtyPullRequests();
  const std::string copy = dbdir_.Join("copy.db");
  fs::copy_file(db_path_, copy);

  auto r = Assemble({"-j", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("34 merged PRs, 0 done before, 33 assembled, 1 unresolved, 0 failed, "),
            std::string::npos)
      << r.err;
  r = RunSwerl({"assemble", "--db", copy, "--repos", repos_.path(), "--max-file-bytes", "1000",
                "--no-progress", "-j", "4"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string one = DumpInstances(db_path_);
  EXPECT_EQ(DumpInstances(copy), one);
  EXPECT_NE(one.find("|pr 39\n"), std::string::npos);
  // shared.py at the fork: one blob row however many instances share it.
  EXPECT_EQ(Rows("SELECT count(DISTINCT old_blob), count(*) FROM instance_files "
                 "WHERE CAST(new_path AS TEXT) = 'shared.py' AND skip IS NULL"),
            "1|30\n");
  EXPECT_EQ(Rows("SELECT count(*) FROM blobs WHERE blob_id = (SELECT old_blob FROM "
                 "instance_files WHERE number = 10 AND CAST(new_path AS TEXT) = 'shared.py')"),
            "1\n");
}

// Runs killed at random points, then one to the end, store exactly what an
// uninterrupted run does.
TEST_F(AssembleCliTest, SurvivesSigkillAtRandomPoints) {
  AddThirtyPullRequests();
  const std::string ref = dbdir_.Join("ref.db");
  fs::copy_file(db_path_, ref);
  auto r = RunSwerl({"assemble", "--db", ref, "--repos", repos_.path(), "--max-file-bytes",
                     "1000", "--no-progress", "-j", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::mt19937 rng(11);
  int killed = 0;
  for (int round = 0; round < 8; ++round) {
    const pid_t pid = testing::SpawnSwerl({"assemble", "--db", db_path_, "--repos",
                                           repos_.path(), "--max-file-bytes", "1000", "-j", "2"});
    ::usleep(2'000 + rng() % 60'000);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    killed += WIFSIGNALED(status);
  }
  r = Assemble({"-j", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(killed, 0);
  EXPECT_EQ(DumpInstances(db_path_), DumpInstances(ref));
}

TEST_F(AssembleCliTest, MissingMirrorFailsAndIsRetried) {
  auto db = OpenStore(db_path_, false);
  ASSERT_TRUE(db->Exec(
      "INSERT INTO repos(repo_id, name) VALUES (2, 'acme/gone');"
      "INSERT INTO pull_requests(repo_id, number, merged) VALUES (2, 1, 1);"
      "INSERT INTO repo_clones(repo_id, repo, status, attempts, fetched_at) VALUES "
      "(2, 'acme/gone', 'cloned', 1, 'x');"));
  auto r = Assemble({"--where", "repo_id = 2"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("1 merged PRs, 0 done before, 0 assembled, 0 unresolved, 1 failed"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("acme/gone#1: no mirror at"), std::string::npos) << r.err;
  EXPECT_EQ(Rows("SELECT status, error LIKE 'no mirror at %' FROM instances WHERE repo_id = 2"),
            "failed|1\n");
  r = Assemble({"--where", "repo_id = 2"});  // failed is tried again
  EXPECT_NE(r.err.find("0 done before, 0 assembled, 0 unresolved, 1 failed"), std::string::npos)
      << r.err;
  r = Assemble({"--where", "no_such_column = 1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("check --where"), std::string::npos) << r.err;
}

TEST_F(AssembleCliTest, LinkReadsCommitMessages) {
  ASSERT_EQ(Assemble().exit_code, 0);
  const auto r = RunSwerl({"link", "--db", db_path_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Rows("SELECT repo_id, pr_number, target_repo, target_number, closing, keyword, "
                 "source FROM issue_links ORDER BY pr_number"),
            "1|1||42|1|Fixes|commit\n"    // "Fixes #42" in a commit of the true merge
            "1|2||2|0|NULL|commit\n");    // the squash commit's "(#2)"
}

TEST(AssembleRulesTest, VendoredAndGeneratedFiles) {
  for (const char* p : {"vendor/a.c", "x/node_modules/y.js", "third_party/z.h", "dist/app.js",
                        "a.min.js", "web/yarn.lock", "go.sum", "Cargo.lock", "package-lock.json"}) {
    EXPECT_TRUE(VendoredPath(p)) << p;
  }
  for (const char* p : {"vendored.c", "src/distance.py", "lock.py", "go.mod", "min.js"}) {
    EXPECT_FALSE(VendoredPath(p)) << p;
  }
  EXPECT_TRUE(GeneratedContent("// Code generated by protoc. DO NOT EDIT.\n"));
  EXPECT_TRUE(GeneratedContent("# @generated by tool\n"));
  EXPECT_FALSE(GeneratedContent(std::string(2000, 'x') + "DO NOT EDIT"));
}

TEST(AssembleCliHelpTest, StatesTheRerunRuleAndExitCodes) {
  const auto r = RunSwerl({"assemble", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* text : {"--max-file-bytes", "--zstd-level", "--refresh", "--where", "--jobs",
                           "a rerun skips those recorded assembled or unresolved",
                           "Exit status: 0 when every pull request ended assembled"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text;
  }
  EXPECT_EQ(RunSwerl({"assemble", "--db", "x.db"}).exit_code, 2);  // --repos is required
}

}  // namespace
}  // namespace swerl::store

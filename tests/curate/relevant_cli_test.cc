// `swerl relevant` end to end: a source repository built with the git CLI
// (two merged PRs, one closing an issue), mirrored by `swerl clone`,
// assembled, then ranked by BM25 and by a fake chat-completions server
// (fake_llm.py) on 127.0.0.1; contents checked against `git show`.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "git/git_testing.h"
#include "swerl/db/blob_store.h"
#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl::curate {
namespace {

namespace fs = std::filesystem;
using testing::CommitAll;
using testing::Git;
using testing::RevParse;
using testing::RunSwerl;
using testing::TempDir;
using testing::WriteFile;

const std::string kLoader =
    "class ConfigLoader:\n"
    "    \"\"\"Loads the widget configuration from yaml.\"\"\"\n"
    "    def load_yaml(self, text):\n"
    "        return parse_config(text)\n";

// A running fake_llm.py answering `reply`, logging requests to a file.
class FakeLlm {
 public:
  FakeLlm(const std::string& dir, const std::string& reply, const std::string& mode)
      : log_(dir + "/requests-" + mode + ".jsonl"),
        child_({SWERL_PYTHON, SWERL_FAKE_LLM, "--reply", reply, "--log", log_, "--mode", mode},
               &line_) {
    EXPECT_EQ(line_.rfind("PORT ", 0), 0u) << line_;
    port_ = line_.size() > 5 ? std::stoi(line_.substr(5)) : 0;
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::string Requests() const {
    return fs::exists(log_) ? testing::ReadFile(log_) : std::string();
  }
  int Count() const {
    const std::string r = Requests();
    return static_cast<int>(std::count(r.begin(), r.end(), '\n'));
  }

 private:
  std::string log_;
  std::string line_;
  testing::Child child_;
  int port_ = 0;
};

class RelevantCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = src_.Join("work");
    testing::InitWorkTree(work_);
    fs::create_directories(work_ + "/src");
    fs::create_directories(work_ + "/docs");
    fs::create_directories(work_ + "/vendor");
    WriteFile(work_ + "/src/parser.py", "def parse_config(text):\n    return text.split()\n");
    WriteFile(work_ + "/src/config_loader.py", kLoader);
    WriteFile(work_ + "/src/widget.py", "class Widget:\n    size = 3\n");
    WriteFile(work_ + "/docs/notes.txt", "Widgets are drawn on a canvas.\n");
    WriteFile(work_ + "/README.md", "A widget library.\n");
    // Strong matches that are not candidates: vendored, binary.
    WriteFile(work_ + "/vendor/config_loader.py", kLoader + kLoader);
    WriteFile(work_ + "/config_loader.bin", std::string("config\0loader yaml", 18));
    CommitAll(work_, "initial");
    const std::string base1 = RevParse(work_, "HEAD");
    // PR 1 changes the parser; the config loader is relevant but unmodified.
    Git({"-C", work_, "checkout", "-q", "-b", "f1"});
    WriteFile(work_ + "/src/parser.py",
              "def parse_config(text):\n    return (text or '').split()\n");
    const std::string head1 = CommitAll(work_, "Handle empty config");
    Git({"-C", work_, "checkout", "-q", "main"});
    Git({"-C", work_, "merge", "-q", "--no-ff", "-m", "Merge pull request #1", "f1"});
    const std::string merge1 = RevParse(work_, "HEAD");
    // PR 2 changes the config loader itself: it must never be listed for it.
    Git({"-C", work_, "checkout", "-q", "-b", "f2"});
    WriteFile(work_ + "/src/config_loader.py", kLoader + "    # yaml config loader\n");
    const std::string head2 = CommitAll(work_, "Document the loader");
    Git({"-C", work_, "checkout", "-q", "main"});
    Git({"-C", work_, "merge", "-q", "--no-ff", "-m", "Merge pull request #2", "f2"});
    const std::string merge2 = RevParse(work_, "HEAD");
    bare_ = src_.Join("acme/widget.git");
    Git({"init", "-q", "--bare", "-b", "main", bare_});
    Git({"-C", work_, "push", "-q", "--mirror", bare_});

    auto db = store::OpenStore(db_path_, /*create=*/true);
    ASSERT_TRUE(db) << db.error().message();
    ASSERT_TRUE(db->Exec(
        "INSERT INTO repos(repo_id, name) VALUES (1, 'acme/widget');"
        "INSERT INTO pull_requests(repo_id, number, merged, title, body, base_sha, head_sha, "
        "merge_commit_sha) VALUES "
        "(1, 1, 1, 'Fix crash on empty config', 'Fixes #7: parse_config fails on None.', '" +
        base1 + "', '" + head1 + "', '" + merge1 +
        "'), "
        "(1, 2, 1, 'Document the yaml config loader', 'Explain how ConfigLoader reads a config.', "
        "'" +
        merge1 + "', '" + head2 + "', '" + merge2 +
        "');"
        "INSERT INTO issues(repo_id, number, title, body) VALUES (1, 7, "
        "'ConfigLoader crashes on an empty yaml file', 'load_yaml raises TypeError.');"
        "INSERT INTO issue_links(repo_id, pr_number, target_repo, target_number, "
        "target_repo_id, closing, keyword, source) VALUES (1, 1, '', 7, NULL, 1, 'fixes', "
        "'body');"));
    auto r = RunSwerl({"clone", "--db", db_path_, "--repos", repos_.path(), "--url-template",
                       "file://" + src_.path() + "/{owner}/{name}.git", "--no-progress"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = RunSwerl({"assemble", "--db", db_path_, "--repos", repos_.path(), "--no-progress"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    merge_base1_ = Rows("SELECT merge_base FROM instances WHERE number = 1");
    if (!merge_base1_.empty()) merge_base1_.pop_back();
    ASSERT_EQ(merge_base1_, base1);
  }

  testing::RunResult Relevant(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"relevant", "--db",        db_path_,
                                  "--repos",  repos_.path(), "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunSwerl(args);
  }

  std::string Rows(const std::string& sql) {
    auto db = store::OpenStore(db_path_, false);
    EXPECT_TRUE(db);
    if (!db) return "";
    auto stmt = db->Prepare(sql);
    EXPECT_TRUE(stmt) << stmt.error().message();
    if (!stmt) return "";
    std::string out;
    while (*stmt->Step()) {
      for (int c = 0; c < stmt->columns(); ++c) {
        out +=
            (c ? "|" : "") + (stmt->IsNull(c) ? std::string("NULL") : std::string(stmt->Text(c)));
      }
      out += "\n";
    }
    return out;
  }

  // Every stored file's contents equal `git show <merge base>:<path>`, its
  // blob id the tree's, and no changed path is listed.
  void CheckStoredFiles(const std::string& source) {
    auto db = store::OpenStore(db_path_, false);
    ASSERT_TRUE(db);
    auto stmt = db->Prepare(
        "SELECT f.path, f.blob_id, i.merge_base FROM relevant_files f JOIN instances i "
        "USING (repo_id, number) WHERE f.source = '" +
        source + "'");
    ASSERT_TRUE(stmt);
    int rows = 0;
    while (*stmt->Step()) {
      ++rows;
      const std::string path(stmt->Text(0)), blob(stmt->Text(1)), base(stmt->Text(2));
      EXPECT_EQ(Git({"-C", bare_, "rev-parse", base + ":" + path}), blob + "\n") << path;
      auto stored = db::ReadStoredBlob(&*db, blob);
      ASSERT_TRUE(stored) << stored.error().message();
      EXPECT_EQ(*stored, Git({"-C", bare_, "show", base + ":" + path})) << path;
    }
    EXPECT_GT(rows, 0);
    EXPECT_EQ(Rows("SELECT count(*) FROM relevant_files f JOIN instance_files c "
                   "ON c.repo_id = f.repo_id AND c.number = f.number "
                   "AND (f.path = c.old_path OR f.path = c.new_path)"),
              "0\n");
  }

  TempDir src_, repos_, dbdir_;
  std::string db_path_ = dbdir_.Join("swerl.db");
  std::string work_, bare_, merge_base1_;
};

TEST_F(RelevantCliTest, RanksUnmodifiedFilesByBm25) {
  const auto r = Relevant({"-k", "3", "-j", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("2 assembled instances, 0 done before, 2 ranked (bm25), 0 failed, "),
            std::string::npos)
      << r.err;
  const std::string pr1 = Rows(
      "SELECT rank, CAST(path AS TEXT), score > 0 FROM relevant_files "
      "WHERE number = 1 AND source = 'bm25' ORDER BY rank");
  EXPECT_EQ(pr1.substr(0, pr1.find('\n')), "0|src/config_loader.py|1") << pr1;
  // PR 2 changed the loader: the parser (parse_config) is its best match.
  const std::string pr2 =
      Rows("SELECT CAST(path AS TEXT) FROM relevant_files WHERE number = 2 ORDER BY rank");
  EXPECT_EQ(pr2.find("src/config_loader.py"), std::string::npos) << pr2;
  EXPECT_EQ(pr2.substr(0, pr2.find('\n')), "src/parser.py") << pr2;
  for (const std::string& pr : {pr1, pr2}) {
    EXPECT_EQ(pr.find("vendor/"), std::string::npos) << pr;
    EXPECT_EQ(pr.find(".bin"), std::string::npos) << pr;
    EXPECT_LE(std::count(pr.begin(), pr.end(), '\n'), 3);
  }
  EXPECT_EQ(Rows("SELECT number, source, status, files > 0, error IS NULL FROM relevant_runs "
                 "ORDER BY number"),
            "1|bm25|ranked|1|1\n2|bm25|ranked|1|1\n");
  CheckStoredFiles("bm25");

  // A rerun skips what is ranked; --refresh redoes it with the same result.
  const std::string before = Rows("SELECT * FROM relevant_files ORDER BY number, rank");
  auto again = Relevant({"-k", "3"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("2 assembled instances, 2 done before, 0 ranked"), std::string::npos)
      << again.err;
  again = Relevant({"-k", "3", "--refresh", "--where", "number = 1"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("1 assembled instances, 0 done before, 1 ranked"), std::string::npos)
      << again.err;
  EXPECT_EQ(Rows("SELECT * FROM relevant_files ORDER BY number, rank"), before);
  // A smaller k on refresh replaces the rows.
  again = Relevant({"-k", "1", "--refresh"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Rows("SELECT number, count(*) FROM relevant_files GROUP BY number"), "1|1\n2|1\n");
}

TEST_F(RelevantCliTest, FailsWithoutMirrorAndRetriesLater) {
  fs::rename(repos_.Join("acme"), repos_.Join("moved"));
  auto r = Relevant();
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("2 failed"), std::string::npos) << r.err;
  EXPECT_NE(Rows("SELECT error FROM relevant_runs WHERE number = 1").find("no mirror at"),
            std::string::npos);
  fs::rename(repos_.Join("moved"), repos_.Join("acme"));
  r = Relevant();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("0 done before, 2 ranked"), std::string::npos) << r.err;
}

TEST_F(RelevantCliTest, KeepsOnlyValidUnmodifiedPathsTheModelNames) {
  FakeLlm llm(dbdir_.path(),
              "Relevant files:\n1. `src/config_loader.py`\n2. src/parser.py\n- src/missing.py\n"
              "- ../acme/widget.git/config\n- src/../README.md\n3. src/config_loader.py\n",
              "ok");
  setenv("SWERL_TEST_LLM_KEY", "sk-secret-123", 1);
  const auto r = Relevant({"--llm-url", llm.Url(), "--llm-model", "tiny-coder", "--llm-key-env",
                           "SWERL_TEST_LLM_KEY", "--where", "number = 1", "-v"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 assembled instances, 0 done before, 1 ranked (llm)"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("sk-secret-123"), std::string::npos);
  EXPECT_EQ(Rows("SELECT rank, CAST(path AS TEXT), score FROM relevant_files "
                 "WHERE source = 'llm'"),
            "0|src/config_loader.py|0.0\n");
  CheckStoredFiles("llm");
  EXPECT_EQ(Rows("SELECT count(*) FROM relevant_runs WHERE source = 'bm25'"), "0\n");
  const std::string requests = llm.Requests();
  EXPECT_EQ(llm.Count(), 1) << requests;
  EXPECT_NE(requests.find("\"path\": \"/v1/chat/completions\""), std::string::npos) << requests;
  EXPECT_NE(requests.find("\"authorization\": \"Bearer sk-secret-123\""), std::string::npos);
  EXPECT_NE(requests.find("\"model\": \"tiny-coder\""), std::string::npos);
  EXPECT_NE(requests.find("\"temperature\": 0"), std::string::npos);
  // The prompt: PR and issue text, the changed path, the candidate list
  // without changed or vendored files.
  EXPECT_NE(requests.find("Fix crash on empty config"), std::string::npos);
  EXPECT_NE(requests.find("ConfigLoader crashes on an empty yaml file"), std::string::npos);
  EXPECT_NE(requests.find("Files changed by the pull request:\\nsrc/parser.py\\n"),
            std::string::npos)
      << requests;
  EXPECT_NE(requests.find("src/widget.py\\n"), std::string::npos);
  EXPECT_EQ(requests.find("vendor/config_loader.py"), std::string::npos);
  EXPECT_EQ(Rows("SELECT count(*) FROM blobs b JOIN relevant_files f USING (blob_id)"), "1\n");
  EXPECT_TRUE(Rows("SELECT * FROM relevant_runs").find("sk-secret") == std::string::npos);
}

TEST_F(RelevantCliTest, RetriesServerErrorsAndRecordsTimeouts) {
  {
    FakeLlm llm(dbdir_.path(), "src/widget.py\n", "fail-once");
    const auto r =
        Relevant({"--llm-url", llm.Url() + "/", "--llm-model", "m", "--where", "number = 1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(llm.Count(), 2);
    EXPECT_EQ(Rows("SELECT CAST(path AS TEXT) FROM relevant_files WHERE source = 'llm'"),
              "src/widget.py\n");
  }
  {
    FakeLlm llm(dbdir_.path(), "src/widget.py\n", "slow");
    const auto r = Relevant({"--llm-url", llm.Url(), "--llm-model", "m", "--where", "number = 2",
                             "--llm-timeout", "0.5", "--llm-attempts", "2"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("acme/widget#2: after 2 attempts: POST '"), std::string::npos) << r.err;
    EXPECT_EQ(llm.Count(), 2);
    const std::string run = Rows(
        "SELECT status, files, error FROM relevant_runs "
        "WHERE number = 2 AND source = 'llm'");
    EXPECT_EQ(run.rfind("failed|0|", 0), 0u) << run;
    EXPECT_NE(run.find("Timeout"), std::string::npos) << run;
  }
  // The failed instance is retried by the next run; the ranked one is not.
  FakeLlm llm(dbdir_.path(), "src/widget.py\n", "ok");
  const auto r = Relevant({"--llm-url", llm.Url(), "--llm-model", "m"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("2 assembled instances, 1 done before, 1 ranked (llm)"), std::string::npos)
      << r.err;
  EXPECT_EQ(llm.Count(), 1);
}

}  // namespace
}  // namespace swerl::curate

// `swerl merge` and `--shard` through the CLI (issue 22): one --shard
// definition and message on all six commands, merge's refusals and
// summary, and a merge killed with SIGKILL at random points that a rerun
// completes to the store an uninterrupted merge makes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "swerl/db/blob_store.h"
#include "swerl/store/repo_shard.h"
#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl {
namespace {

namespace fs = std::filesystem;
using testing::RunSwerl;
using testing::TempDir;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ShardFlag, OneDefinitionAndOneMessageInEveryCommand) {
  const std::vector<std::vector<std::string>> commands = {
      {"clone", "--db", "x.db", "--repos", "r"},
      {"assemble", "--db", "x.db", "--repos", "r"},
      {"relevant", "--db", "x.db", "--repos", "r"},
      {"enrich", "--db", "x.db"},
      {"filter", "--db", "x.db"},
      {"export", "--db", "x.db", "--ndjson"},
  };
  for (const auto& base : commands) {
    const auto help = RunSwerl({base[0], "--help"});
    EXPECT_TRUE(Contains(help.out, "--shard K/N")) << base[0] << ":\n" << help.out;
    EXPECT_TRUE(Contains(help.out, "repo_id mod N = K")) << base[0];
    const std::pair<const char*, const char*> bad[] = {
        {"3/3", "--shard: '3/3' is out of range: K must be in [0, 2] for N = 3"},
        {"x", "--shard: 'x' is not K/N (e.g. 0/4: shard 0 of 4)"},
        {"0/0", "--shard: '0/0' is out of range: N must be in [1, 1000000]"},
    };
    for (const auto& [value, message] : bad) {
      auto argv = base;
      argv.insert(argv.end(), {"--shard", value});
      const auto r = RunSwerl(argv);
      EXPECT_EQ(r.exit_code, 2) << base[0] << " " << value;
      EXPECT_TRUE(Contains(r.err, "swerl " + base[0] + ": error: " + message + "; see 'swerl " +
                                      base[0] + " --help'"))
          << r.err;
    }
  }
  // filter's --shard selects the store's instances: it needs --db.
  const auto r = RunSwerl({"filter", "--shard", "0/2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "--shard requires --db")) << r.err;
}

TEST(MergeCli, HelpStatesTheRulesAndExitStatus) {
  const auto r = RunSwerl({"merge", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* text : {"--db", "inputs", "Idempotent", "authoritative", "overlap",
                           "Exit status: 0 on success; 2"}) {
    EXPECT_TRUE(Contains(r.out, text)) << text;
  }
  EXPECT_EQ(RunSwerl({"merge", "--db", "x.db"}).exit_code, 2);  // no inputs
}

// Stores for the kill test: a base of `repos` repositories, and `workers`
// copies each adding an instance per pull request, its files, blobs,
// relevant files and decisions for the repositories of its shard.
class MergeKillTest : public ::testing::Test {
 protected:
  static constexpr int kRepos = 8, kPrs = 60, kWorkers = 4;

  void SetUp() override {
    const std::string base = dir_.Join("base.db");
    {
      auto db = store::OpenStore(base, db::Db::Mode::kCreate);
      ASSERT_TRUE(db) << db.error().message();
      ASSERT_TRUE(db->Exec("BEGIN"));
      for (int r = 1; r <= kRepos; ++r) {
        const std::string id = std::to_string(r);
        ASSERT_TRUE(
            db->Exec("INSERT INTO repos(repo_id, name) VALUES (" + id + ", 'o/r" + id + "')"));
        for (int n = 1; n <= kPrs; ++n) {
          ASSERT_TRUE(
              db->Exec("INSERT INTO pull_requests(repo_id, number, merged, title) "
                       "VALUES (" +
                       id + ", " + std::to_string(n) + ", 1, 'pr " + std::to_string(n) + "')"));
        }
      }
      ASSERT_TRUE(db->Exec("COMMIT"));
    }
    std::mt19937 rng(7);
    for (int w = 0; w < kWorkers; ++w) {
      const std::string path = dir_.Join("w" + std::to_string(w) + ".db");
      fs::copy_file(base, path);
      inputs_.push_back(path);
      auto db = store::OpenStore(path, db::Db::Mode::kReadWrite);
      ASSERT_TRUE(db) << db.error().message();
      ASSERT_TRUE(store::RecordWorkerShard(&*db, "assemble", {w, kWorkers}));
      auto blobs = db::BlobWriter::Create(&*db, 1);
      ASSERT_TRUE(blobs);
      ASSERT_TRUE(db->Exec("BEGIN"));
      for (int r = 1; r <= kRepos; ++r) {
        if (r % kWorkers != w) continue;
        const std::string id = std::to_string(r);
        for (int n = 1; n <= kPrs; ++n) {
          const std::string key = id + ", " + std::to_string(n);
          ASSERT_TRUE(
              db->Exec("INSERT INTO instances(repo_id, number, status, patch, "
                       "assembled_at) VALUES (" +
                       key +
                       ", 'assembled', randomblob(3000), "
                       "'t')"));
          for (int f = 0; f < 4; ++f) {
            const std::string blob = "b" + id + "-" + std::to_string(n) + "-" + std::to_string(f);
            ASSERT_TRUE(
                db->Exec("INSERT INTO instance_files(repo_id, number, seq, old_path, "
                         "new_path, status, old_blob, binary, is_test, similarity) "
                         "VALUES (" +
                         key + ", " + std::to_string(f) + ", 'p', 'p', 'modified', '" + blob +
                         "', 0, 0, 0)"));
            std::string data(2000 + rng() % 2000, 'x');
            for (char& c : data) c = static_cast<char>('a' + rng() % 26);
            ASSERT_TRUE(blobs->Put(blob, data));
          }
          ASSERT_TRUE(db->Exec("INSERT INTO filter_decisions VALUES (" + key +
                               ", 1, NULL, NULL, 'default', 't')"));
        }
      }
      ASSERT_TRUE(db->Exec("COMMIT"));
    }
  }

  // Every merged table, rows in order, as text.
  std::string Dump(const std::string& path) {
    auto db = store::OpenStore(path, db::Db::Mode::kReadOnly);
    EXPECT_TRUE(db) << db.error().message();
    std::string out;
    for (const char* table : {"repos", "pull_requests", "instances", "instance_files", "blobs",
                              "filter_decisions", "worker_shards"}) {
      auto q = db->Prepare(std::string("SELECT * FROM ") + table + " ORDER BY 1, 2, 3");
      EXPECT_TRUE(q) << q.error().message();
      out += std::string("## ") + table + "\n";
      while (*q->Step()) {
        for (int c = 0; c < q->columns(); ++c) {
          out += (q->IsNull(c) ? std::string("NULL") : std::string(q->Text(c))) + "|";
        }
        out += "\n";
      }
    }
    return out;
  }

  std::vector<std::string> Args(const std::string& out) {
    std::vector<std::string> argv = {"merge", "-q", "--no-progress", "--batch", "7", "--db", out};
    argv.insert(argv.end(), inputs_.begin(), inputs_.end());
    return argv;
  }

  TempDir dir_;
  std::vector<std::string> inputs_;
};

TEST_F(MergeKillTest, ARerunAfterSigkillCompletesTheMerge) {
  const std::string clean = dir_.Join("clean.db");
  auto start = std::chrono::steady_clock::now();
  auto r = RunSwerl(Args(clean));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto took = std::chrono::steady_clock::now() - start;
  const std::string want = Dump(clean);
  EXPECT_TRUE(Contains(want, "\n8|60|assembled|")) << "worker 0's last instance is there";
  std::mt19937 rng(22);
  int killed = 0, partial = 0;  // rounds killed; of which some instances were merged
  for (int round = 0; round < 8; ++round) {
    const std::string out = dir_.Join("killed" + std::to_string(round) + ".db");
    const pid_t pid = testing::SpawnSwerl(Args(out));
    const auto delay = std::chrono::duration_cast<std::chrono::microseconds>(took) *
                       (static_cast<int>(rng() % 90) + 5) / 100;
    std::this_thread::sleep_for(delay);
    killed += ::kill(pid, SIGKILL) == 0;
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (auto db = store::OpenStore(out, db::Db::Mode::kReadOnly)) {
      auto n = db->Prepare("SELECT count(*) FROM instances");
      if (n && *n->Step() && n->Int(0) > 0 && n->Int(0) < kRepos * kPrs) ++partial;
    }
    // Whatever the kill left is a store that a rerun completes.
    const auto again = RunSwerl(Args(out));
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(Dump(out), want) << "round " << round;
  }
  EXPECT_GT(killed, 0);
  EXPECT_GT(partial, 0) << "no kill fell inside the instances table";
}

TEST_F(MergeKillTest, SummaryAndJson) {
  auto argv = Args(dir_.Join("out.db"));
  argv[1] = "--json";
  const auto r = RunSwerl(argv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.err, "4 stores merged into " + dir_.Join("out.db") + ": 480 instances ("))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "\"tables\":{")) << r.err;
  EXPECT_TRUE(Contains(r.err, "\"instances\":{\"added\":480,\"same\":0,\"others\":0}")) << r.err;
  // Merging again adds nothing; every instance is already there.
  const auto again = RunSwerl(argv);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(Contains(again.err, "\"instances\":{\"added\":0,\"same\":480,\"others\":0}"))
      << again.err;
}

TEST_F(MergeKillTest, RefusalsLeaveNoOutputBehind) {
  const std::string out = dir_.Join("never.db");
  auto r = RunSwerl({"merge", "--db", out, inputs_[0], inputs_[0]});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "both worked on repository shard 0/4")) << r.err;
  EXPECT_FALSE(fs::exists(out));
  testing::WriteFile(dir_.Join("notes.db"), "");
  r = RunSwerl({"merge", "--db", out, inputs_[0], dir_.Join("missing.db")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "missing.db")) << r.err;
  EXPECT_FALSE(fs::exists(out));
  r = RunSwerl({"merge", "--db", inputs_[1], inputs_[0], inputs_[1]});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "same file")) << r.err;
}

}  // namespace
}  // namespace swerl

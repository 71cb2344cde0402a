// issue 16 "No typo destroys a store", the file half, through the CLI: each
// numbered case of the issue (1, 2, 3, 4, 6; case 5 is `swerl check`'s blob
// and path checks) as a test named after it with its repro command, plus
// `export --out` onto an existing shard and `ingest` with a missing input.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "swerl/curate/export.h"
#include "swerl/db/file_kind.h"
#include "swerl/db/sqlite.h"
#include "swerl/shard/shard.h"
#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl {
namespace {

namespace fs = std::filesystem;
using testing::DataPath;
using testing::ReadFile;
using testing::RunSwerl;
using testing::TempDir;
using testing::WriteFile;

// `swerl events` records of the fixture hours.
const std::string& Records() {
  static const std::string records = [] {
    const auto r = RunSwerl({"events", "-q", DataPath("gharchive/2021-07-21-few-hours.json"),
                             DataPath("gharchive/trimmed-era.json")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }();
  return records;
}

// A store made by `swerl ingest` from the fixture.
std::string MakeStore(const TempDir& dir, const std::string& name = "store.db") {
  WriteFile(dir.Join("records.ndjson"), Records());
  const auto r = RunSwerl({"ingest", "-q", "--db", dir.Join(name), dir.Join("records.ndjson")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir.Join(name);
}

// A shard of `n` seeds that pass `swerl check` (their oracle answers score
// 1.0 and their prompts are the ones their files render).
std::string MakeShard(const std::string& path, int n = 3) {
  auto w = shard::ShardWriter::Create(path);
  EXPECT_TRUE(w) << w.error().message();
  for (int i = 0; i < n; ++i) {
    shard::Seed s;
    s.repo = "octo/repo";
    s.pull_number = 100 + i;
    s.instance_id = shard::InstanceId(s.repo, s.pull_number);
    s.base_commit = std::string(40, 'a');
    s.head_commit = std::string(40, 'b');
    s.problem_statement = "the parser breaks on input " + std::to_string(i) + "\n";
    s.context = {
        {"pkg/parse.py", "def parse(x):\n    return x.split(',')[" + std::to_string(i) + "]\n"}};
    s.oracle = {{"pkg/parse.py",
                 "def parse(x):\n    if not x:\n        return None\n"
                 "    return x.split(',')[" +
                     std::to_string(i) + "]\n"}};
    s.prompt = curate::RenderedPrompt(s);
    EXPECT_TRUE(w->Add(s));
  }
  EXPECT_TRUE(w->Finish({{"source", "test"}}));
  return path;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Every table of a store but the ingest log's times, rows in a total
// order, as text: two stores with the same content dump alike.
std::string CanonicalDump(const std::string& path) {
  auto db = store::OpenStore(path, db::Db::Mode::kReadOnly);
  EXPECT_TRUE(db) << db.error().message();
  std::string out;
  auto tables = db->Prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
  std::vector<std::string> names;
  while (*tables->Step()) names.emplace_back(tables->Text(0));
  for (const std::string& table : names) {
    const std::string columns = table == "ingest_log"
                                    ? "input, lines, skipped, bad_lines"  // not times, not split
                                    : "*";
    auto probe = db->Prepare("SELECT " + columns + " FROM " + table + " LIMIT 0");
    std::string order;
    for (int c = 1; c <= probe->columns(); ++c) order += (c > 1 ? ", " : "") + std::to_string(c);
    auto rows = db->Prepare("SELECT " + columns + " FROM " + table + " ORDER BY " + order);
    out += "## " + table + "\n";
    while (*rows->Step()) {
      for (int c = 0; c < rows->columns(); ++c) {
        out += rows->IsNull(c) ? std::string("NULL") : std::string(rows->Text(c));
        out += '|';
      }
      out += '\n';
    }
  }
  for (const char* pragma : {"user_version", "application_id", "journal_mode", "page_size"}) {
    auto p = db->Prepare(std::string("PRAGMA ") + pragma);
    EXPECT_TRUE(*p->Step());
    out += std::string(pragma) + "=" + std::string(p->Text(0)) + "\n";
  }
  return out;
}

// "" when `a` == `b`, else their first differing lines.
std::string FirstDifference(const std::string& a, const std::string& b) {
  const auto la = testing::SplitLines(a), lb = testing::SplitLines(b);
  for (size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
    const std::string x = i < la.size() ? la[i] : "<end>", y = i < lb.size() ? lb[i] : "<end>";
    if (x != y) return "line " + std::to_string(i + 1) + ": " + x + "\n  vs " + y;
  }
  return "";
}

// issue 16 case 1: `swerl export --db e.db --out e.db` replaced the whole
// store by the shard and reported success.
TEST(Issue16, Case1_export_db_e_db_out_e_db_RefusesAndKeepsTheStore) {
  TempDir dir;
  const std::string store = MakeStore(dir, "e.db");
  const std::string before = ReadFile(store);
  const auto r = RunSwerl({"export", "--all", "--db", store, "--out", store});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "--out '" + store + "' is the same file as --db '" + store + "'"))
      << r.err;
  EXPECT_EQ(ReadFile(store), before);
  EXPECT_EQ(RunSwerl({"stats", "--db", store}).exit_code, 0);
}

// issue 16 case 2: `swerl filter --db f.db --explain f.db` overwrote the
// store with NDJSON; `swerl filter --explain in.ndjson in.ndjson` emptied
// its own input.
TEST(Issue16, Case2_filter_explain_onto_the_store_or_the_input_Refuses) {
  TempDir dir;
  const std::string store = MakeStore(dir, "f.db");
  const std::string before = ReadFile(store);
  auto r = RunSwerl({"filter", "--db", store, "--explain", store});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(
      Contains(r.err, "--explain '" + store + "' and --db '" + store + "' are the same file"))
      << r.err;
  EXPECT_EQ(ReadFile(store), before);

  const std::string in = dir.Join("in.ndjson");
  WriteFile(in, "{\"instance_id\": \"a__b-1\"}\n");
  r = RunSwerl({"filter", "--explain", in, in});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "--explain '" + in + "' is the same file as input '" + in + "'"))
      << r.err;
  EXPECT_EQ(ReadFile(in), "{\"instance_id\": \"a__b-1\"}\n");
}

// issue 16 case 3: `swerl stats --db shard.db` (or ingest) committed a store
// migration into the shard before failing, after which `swerl check`
// refused the shard as "newer than this swerl".
TEST(Issue16, Case3_stats_or_ingest_on_a_shard_RefuseWithoutTouchingIt) {
  TempDir dir;
  const std::string shard_path = MakeShard(dir.Join("shard.db"));
  WriteFile(dir.Join("records.ndjson"), Records());
  const std::string before = ReadFile(shard_path);
  const std::string why = "'" + shard_path +
                          "' is a swerl shard, not a store (--db wants a store made by swerl "
                          "ingest)";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"stats", "--db", shard_path},
           {"ingest", "--db", shard_path, dir.Join("records.ndjson")},
           {"link", "--db", shard_path},
           {"export", "--all", "--ndjson", "--db", shard_path}}) {
    const auto r = RunSwerl(args);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_TRUE(Contains(r.err, "swerl " + args[0] + ": error: " + why)) << r.err;
  }
  EXPECT_EQ(ReadFile(shard_path), before);
  const auto check = RunSwerl({"check", "--seeds", shard_path});
  EXPECT_EQ(check.exit_code, 0) << check.err;

  // And a store given as a shard.
  const std::string store = MakeStore(dir);
  const auto r = RunSwerl({"check", "--seeds", store});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "'" + store +
                                  "' is a swerl store, not a shard (--seeds wants a shard made "
                                  "by swerl export --out)"))
      << r.err;
}

// issue 16 case 3: pointing `ingest` at any unrelated SQLite file silently
// added ~20 tables to it; a file that is not SQLite at all is named so.
TEST(Issue16, Case3_ingest_into_an_unrelated_sqlite_file_Refuses) {
  TempDir dir;
  WriteFile(dir.Join("records.ndjson"), Records());
  const std::string other = dir.Join("notes.db");
  {
    auto db = db::Db::Open(other, db::Db::Mode::kCreate);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("CREATE TABLE notes(id INTEGER PRIMARY KEY, text TEXT)"));
  }
  const std::string before = ReadFile(other);
  auto r = RunSwerl({"ingest", "--db", other, dir.Join("records.ndjson")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "'" + other +
                                  "' is an SQLite database of other tables (notes), not a store "
                                  "(--db wants a store made by swerl ingest)"))
      << r.err;
  EXPECT_EQ(ReadFile(other), before);

  WriteFile(dir.Join("README"), "# a text file, not a database: nothing may be written to it\n");
  r = RunSwerl({"stats", "--db", dir.Join("README")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "'" + dir.Join("README") + "' is not an SQLite database")) << r.err;
}

// issue 16 case 4: two `swerl ingest` processes starting on a new database:
// one failed every time ("table repos already exists" or "database is
// locked"). Four at once, several rounds; each round's store has the
// content of the same four ingests run one after another.
TEST(Issue16, Case4_four_ingests_on_a_new_store_AllSucceedWithTheSerialContent) {
  TempDir dir;
  WriteFile(dir.Join("records.ndjson"), Records());
  constexpr int kProcesses = 4, kRounds = 3;
  const std::string serial = dir.Join("serial.db");
  for (int p = 0; p < kProcesses; ++p) {
    const auto r = RunSwerl({"ingest", "-q", "--db", serial, dir.Join("records.ndjson")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const std::string expected = CanonicalDump(serial);
  for (int round = 0; round < kRounds; ++round) {
    const std::string path = dir.Join("concurrent" + std::to_string(round) + ".db");
    std::vector<testing::RunResult> results(kProcesses);
    std::vector<std::thread> threads;
    for (int p = 0; p < kProcesses; ++p) {
      threads.emplace_back([&, p] {
        results[p] = RunSwerl({"ingest", "-q", "--db", path, dir.Join("records.ndjson")});
      });
    }
    for (auto& t : threads) t.join();
    for (int p = 0; p < kProcesses; ++p) {
      EXPECT_EQ(results[p].exit_code, 0) << "round " << round << ": " << results[p].err;
    }
    EXPECT_EQ(FirstDifference(CanonicalDump(path), expected), "") << "round " << round;
  }
}

// Runs `swerl args` as an unprivileged user (see testing::RunOptions).
testing::RunResult RunUnprivileged(std::vector<std::string> args) {
  args.insert(args.begin(), SWERL_BINARY);
  testing::RunOptions options;
  options.unprivileged = true;
  return testing::Run(args, options);
}

// Whether the unprivileged user really cannot create a file in `dir` (a
// test of read-only behaviour means nothing otherwise).
bool CannotWriteIn(const std::string& dir) {
  testing::RunOptions options;
  options.unprivileged = true;
  return testing::Run({"/bin/sh", "-c", "echo x > '" + dir + "/probe'"}, options).exit_code != 0;
}

// The names in `dir` that start with `prefix`, sorted.
std::vector<std::string> Listing(const std::string& dir, const std::string& prefix = "") {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().starts_with(prefix)) names.push_back(e.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// issue 16 case 6: commands that only read (`stats`, `export --ndjson`,
// `check`) failed on a read-only store. Both a read-only file in a writable
// directory and a read-only directory; the store in WAL mode.
TEST(Issue16, Case6_stats_export_ndjson_check_on_a_read_only_store_Work) {
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string store = MakeStore(dir);
  MakeShard(dir.Join("shard.db"));
  const auto stats_ref = RunSwerl({"stats", "--json", "--db", store});
  ASSERT_EQ(stats_ref.exit_code, 0) << stats_ref.err;
  const auto export_ref = RunSwerl({"export", "--all", "--ndjson", "--db", store});
  ASSERT_EQ(export_ref.exit_code, 0) << export_ref.err;

  for (const bool writable_dir : {true, false}) {
    SCOPED_TRACE(writable_dir ? "read-only files in a writable directory" : "read-only directory");
    const std::string sub = dir.Join(writable_dir ? "rw" : "ro");
    fs::create_directories(sub);
    fs::copy_file(store, sub + "/store.db");
    fs::copy_file(dir.Join("shard.db"), sub + "/shard.db");
    ::chmod((sub + "/store.db").c_str(), 0444);
    ::chmod((sub + "/shard.db").c_str(), 0444);
    ::chmod(sub.c_str(), writable_dir ? 0777 : 0555);
    if (!writable_dir && !CannotWriteIn(sub)) GTEST_SKIP() << "cannot run as an unprivileged user";
    const std::string store_bytes = ReadFile(sub + "/store.db");
    const auto listing = Listing(sub);

    auto r = RunUnprivileged({"stats", "--json", "--db", sub + "/store.db"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, stats_ref.out);
    r = RunUnprivileged({"export", "--all", "--ndjson", "--db", sub + "/store.db"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, export_ref.out);
    r = RunUnprivileged({"check", "--seeds", sub + "/shard.db"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(Contains(r.err, "3 seeds")) << r.err;
    // Writing commands fail cleanly on it.
    r = RunUnprivileged({"link", "--db", sub + "/store.db"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(ReadFile(sub + "/store.db"), store_bytes);
    if (!writable_dir) {
      EXPECT_EQ(Listing(sub), listing);
    }
  }
}

// A WAL store whose -wal holds commits, in a read-only directory: SQLite
// cannot read those commits without a shared-memory file, so the open fails
// saying why rather than showing the store without them.
TEST(Issue16, Case6_a_read_only_store_with_commits_in_its_wal_SaysWhy) {
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string store = MakeStore(dir);
  const std::string sub = dir.Join("ro");
  fs::create_directories(sub);
  {
    // A writer that has committed but not checkpointed: copy the pair then.
    auto db = store::OpenStore(store, db::Db::Mode::kReadWrite);
    ASSERT_TRUE(db);
    ASSERT_TRUE(
        db->Exec("PRAGMA wal_autocheckpoint=0; INSERT INTO repos(repo_id, name) "
                 "VALUES (424242, 'late/commit')"));
    fs::copy_file(store, sub + "/store.db");
    fs::copy_file(store + "-wal", sub + "/store.db-wal");
  }
  ::chmod(sub.c_str(), 0555);
  if (!CannotWriteIn(sub)) GTEST_SKIP() << "cannot run as an unprivileged user";
  const auto r = RunUnprivileged({"stats", "--db", sub + "/store.db"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "write-ahead log")) << r.err;
}

// issue 16, smaller rough edges: `swerl ingest --db new.db missing.ndjson`
// left an empty database behind.
TEST(Issue16, ingest_db_new_db_missing_ndjson_LeavesNoStoreBehind) {
  TempDir dir;
  WriteFile(dir.Join("records.ndjson"), Records());
  const auto r = RunSwerl({"ingest", "--db", dir.Join("new.db"), dir.Join("records.ndjson"),
                           dir.Join("missing.ndjson")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "missing.ndjson")) << r.err;
  EXPECT_FALSE(fs::exists(dir.Join("new.db")));
}

// `swerl export --out` onto an existing shard needs --force; onto anything
// else (a store, another file) it is refused even with it; a failed export
// leaves the old shard and no temporary files.
TEST(ExportOut, ReplacesAShardOnlyWithForceAndNothingElseEver) {
  TempDir dir;
  const std::string store = MakeStore(dir);
  const std::string shard_path = MakeShard(dir.Join("old.db"));
  const std::string old_bytes = ReadFile(shard_path);
  auto r = RunSwerl({"export", "--all", "--db", store, "--out", shard_path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(
      r.err, "--out '" + shard_path + "' exists (a swerl shard): pass --force to replace it"))
      << r.err;
  EXPECT_EQ(ReadFile(shard_path), old_bytes);

  // A failing export (bad --where) with --force: the old shard stays.
  r = RunSwerl({"export", "--all", "--force", "--where", "no_such_column = 1", "--db", store,
                "--out", shard_path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(ReadFile(shard_path), old_bytes);
  const std::vector<std::string> expected_files = {"old.db"};
  EXPECT_EQ(Listing(dir.path(), "old.db"), expected_files);

  r = RunSwerl({"export", "--all", "--force", "--db", store, "--out", shard_path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto reader = shard::ShardReader::Open(shard_path);
  ASSERT_TRUE(reader) << reader.error().message();
  EXPECT_EQ(*reader->Count(), 0);  // the store has no assembled instances
  EXPECT_EQ(Listing(dir.path(), "old.db"), expected_files);

  const std::string other = MakeStore(dir, "other.db");
  const std::string other_bytes = ReadFile(other);
  r = RunSwerl({"export", "--all", "--force", "--db", store, "--out", other});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "exists and is a swerl store: refusing to replace it")) << r.err;
  EXPECT_EQ(ReadFile(other), other_bytes);
}

}  // namespace
}  // namespace swerl

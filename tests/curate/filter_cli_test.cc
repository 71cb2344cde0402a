// swerl filter end to end: NDJSON through the binary (kept lines
// byte-identical, --explain, the funnel, bad lines, presets, rules files)
// and --db mode on a store made here.
#include <gtest/gtest.h>

#include "swerl/db/sqlite.h"
#include "swerl/shard/seed.h"
#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl::curate {
namespace {

using testing::ReadFile;
using testing::RunSwerl;
using testing::TempDir;
using testing::WriteFile;

const std::string kPatch =
    "diff --git a/src/parser.py b/src/parser.py\n"
    "index 1111111..2222222 100644\n"
    "--- a/src/parser.py\n"
    "+++ b/src/parser.py\n"
    "@@ -10,3 +10,4 @@ def parse(text):\n"
    "     if text is None:\n"
    "         return []\n"
    "+    text = text.strip()\n"
    "     return text.split()\n";

shard::Seed MakeSeed(const std::string& repo, int64_t number) {
  shard::Seed s;
  s.repo = repo;
  s.repo_id = 1000 + number;
  s.pull_number = number;
  s.instance_id = shard::InstanceId(repo, number);
  s.title = "Handle blank input";
  s.body = "Fixes #3";
  s.author = "alice";
  s.author_type = "User";
  s.issues.push_back({repo, 3, true, "Parser crashes on blank input", "Traceback ..."});
  s.problem_statement = "Parser crashes on blank input\nTraceback ...\n";
  s.patch = kPatch;
  s.files.push_back({"src/parser.py", "src/parser.py", "modified", false, false, "", 1, 0});
  s.context.emplace_back("src/parser.py", "def parse(text):\n    return text.split()\n");
  return s;
}

std::string Line(const shard::Seed& s) {
  std::string out;
  shard::AppendSeedJson(s, &out);
  return out;
}

struct Input {
  std::string kept1, bot, contaminated, copy, kept2, no_issue;
  std::string all;
};

Input MakeInput() {
  Input in;
  in.kept1 = Line(MakeSeed("acme/widget", 1));
  shard::Seed bot = MakeSeed("acme/widget", 2);
  bot.author = "dependabot[bot]";
  in.bot = Line(bot);
  in.contaminated = Line(MakeSeed("psf/requests", 3));
  in.copy = Line(MakeSeed("bob/widget", 4));  // same patch as acme/widget#1
  shard::Seed other = MakeSeed("acme/widget", 5);
  other.patch.replace(other.patch.find("strip()"), 7, "rstrip()");
  in.kept2 = Line(other);
  shard::Seed no_issue = MakeSeed("acme/gadget", 6);
  no_issue.patch.replace(no_issue.patch.find("strip()"), 7, "lstrip()");
  no_issue.issues.clear();
  no_issue.problem_statement.clear();
  in.no_issue = Line(no_issue);
  in.all = in.kept1 + in.bot + "{not json\n" + in.contaminated + in.copy + in.kept2 + in.no_issue;
  return in;
}

TEST(FilterCliTest, KeepsLinesByteForByteExplainsDropsAndPrintsTheFunnel) {
  TempDir dir;
  const Input in = MakeInput();
  WriteFile(dir.Join("seeds.ndjson"), in.all);
  auto r = RunSwerl({"filter", "--explain", dir.Join("why.ndjson"), dir.Join("seeds.ndjson")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, in.kept1 + in.kept2 + in.no_issue);
  EXPECT_EQ(ReadFile(dir.Join("why.ndjson")),
            "{\"instance_id\":\"acme__widget-2\",\"rule\":\"bot\","
            "\"detail\":\"author contains '[bot]'\"}\n"
            "{\"instance_id\":\"psf__requests-3\",\"rule\":\"decontaminated\","
            "\"detail\":\"repository psf/requests\"}\n"
            "{\"instance_id\":\"bob__widget-4\",\"rule\":\"duplicate\","
            "\"detail\":\"same normalized patch as acme__widget-1\"}\n");
  EXPECT_NE(r.err.find("'" + dir.Join("seeds.ndjson") + "' line 3: skipped: "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("funnel (rules: default)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("           6  input"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("           1  bad lines"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("           1  - decontaminated"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("           1  - duplicate"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("           3  kept"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bot keyword hits: [bot] 1, dependabot 1"), std::string::npos) << r.err;
}

TEST(FilterCliTest, ReadsStdinAndGzipAndComposes) {
  TempDir dir;
  const Input in = MakeInput();
  WriteFile(dir.Join("seeds.ndjson.gz"), testing::Gzip(in.kept1 + in.bot));
  auto gz = RunSwerl({"filter", "-q", dir.Join("seeds.ndjson.gz")});
  ASSERT_EQ(gz.exit_code, 0) << gz.err;
  EXPECT_EQ(gz.out, in.kept1);
  EXPECT_EQ(gz.err, "");

  auto piped = RunSwerl({"filter", "-q", "-"}, in.kept1 + in.kept2);
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out, in.kept1 + in.kept2);
  // Filtering the output again changes nothing but dedup state: idempotent.
  auto again = RunSwerl({"filter", "-q"}, piped.out);
  EXPECT_EQ(again.out, piped.out);
}

TEST(FilterCliTest, SeedsPreset) {
  const Input in = MakeInput();
  auto r = RunSwerl({"filter", "--preset", "seeds", "--json"}, in.kept2 + in.no_issue);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, in.kept2);
  EXPECT_NE(r.err.find("\"rules\":\"seeds\",\"input\":2,\"bad_lines\":0"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("\"no_closing_issue\":1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"kept\":1"), std::string::npos) << r.err;
}

TEST(FilterCliTest, MaxErrorsAndBadRules) {
  TempDir dir;
  const Input in = MakeInput();
  auto too_many = RunSwerl({"filter", "--max-errors", "0"}, in.kept1 + "[]\n");
  EXPECT_EQ(too_many.exit_code, 2);
  EXPECT_NE(too_many.err.find("<stdin>' line 2"), std::string::npos) << too_many.err;
  EXPECT_NE(too_many.err.find("more than 0 bad lines"), std::string::npos) << too_many.err;

  WriteFile(dir.Join("r.toml"), "[size]\nmax_files = 1\nmax_lines = 2\n");
  auto bad = RunSwerl({"filter", "--rules", dir.Join("r.toml")}, in.kept1);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(dir.Join("r.toml") + ":3: unknown key 'size.max_lines'"),
            std::string::npos)
      << bad.err;

  WriteFile(dir.Join("r.toml"), "[bots]\nkeywords = [\"alice\"]\n");
  auto custom = RunSwerl({"filter", "--rules", dir.Join("r.toml")}, in.kept1);
  ASSERT_EQ(custom.exit_code, 0) << custom.err;
  EXPECT_EQ(custom.out, "");
  EXPECT_NE(custom.err.find("funnel (rules: " + dir.Join("r.toml") + ")"), std::string::npos);

  auto both = RunSwerl({"filter", "--preset", "seeds", "--rules", dir.Join("r.toml")}, "");
  EXPECT_EQ(both.exit_code, 2);
  auto where = RunSwerl({"filter", "--where", "1"}, "");
  EXPECT_EQ(where.exit_code, 2);
}

TEST(FilterCliTest, HelpNamesTheRulesInOrder) {
  auto r = RunSwerl({"filter", "--help"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("decontaminated, created_window, benchmark_instance, "
                       "benchmark_near_duplicate, secret, license, utf8_repaired, "
                       "bot, empty, too_large, noise"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Exit status"), std::string::npos);
}

// --db: decisions for the store's assembled instances, replaced by a rerun.
TEST(FilterCliTest, DbModeRecordsDecisions) {
  TempDir dir;
  const std::string path = dir.Join("swerl.db");
  {
    auto db = store::OpenStore(path, /*create=*/true);
    ASSERT_TRUE(db.has_value()) << db.error().message();
    const char* sql =
        "INSERT INTO repos (repo_id, name) VALUES (1, 'acme/widget'), (2, 'django/django');"
        "INSERT INTO pull_requests (repo_id, number, title, body, user, user_type, merged) VALUES"
        " (1, 7, 'Handle blank input', '', 'alice', 'User', 1),"
        " (1, 8, 'Bump six', '', 'alice', 'User', 1),"
        " (2, 9, 'Fix a crash', '', 'bob', 'User', 1);";
    ASSERT_TRUE(db->Exec(sql).has_value());
    auto ins = db->Prepare(
        "INSERT INTO instances (repo_id, number, status, base_commit, head_commit, merge_base, "
        "patch, code_patch, test_patch, assembled_at) VALUES (?, ?, 'assembled', 'b', 'h', 'm', "
        "?, ?, '', '2024-01-01T00:00:00Z')");
    ASSERT_TRUE(ins.has_value());
    for (auto [repo, number] : {std::pair{1, 7}, std::pair{1, 8}, std::pair{2, 9}}) {
      ins->BindInt(1, repo);
      ins->BindInt(2, number);
      ins->BindBlob(3, kPatch);
      ins->BindBlob(4, kPatch);
      ASSERT_TRUE(ins->Run().has_value());
    }
  }
  WriteFile(dir.Join("r.toml"), "[budget]\nmax_prompt_tokens = 0\n");
  auto r = RunSwerl({"filter", "--db", path, "--rules", dir.Join("r.toml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("           3  input"), std::string::npos) << r.err;

  auto read = [&] {
    auto db = store::OpenStore(path, /*create=*/false);
    EXPECT_TRUE(db.has_value());
    auto q = db->Prepare(
        "SELECT repo_id, number, kept, coalesce(rule, '-'), rules FROM filter_decisions "
        "ORDER BY repo_id, number");
    EXPECT_TRUE(q.has_value());
    std::string rows;
    while (*q->Step()) {
      rows += std::to_string(q->Int(0)) + " " + std::to_string(q->Int(1)) + " " +
              std::to_string(q->Int(2)) + " " + std::string(q->Text(3)) + " " +
              std::string(q->Text(4)) + "\n";
    }
    return rows;
  };
  const std::string rules = dir.Join("r.toml");
  EXPECT_EQ(read(),
            "1 7 1 - " + rules + "\n1 8 0 bot " + rules + "\n2 9 0 decontaminated " + rules + "\n");

  // A rerun with other rules over one pull request replaces its row only.
  WriteFile(dir.Join("r.toml"), "[budget]\nmax_prompt_tokens = 0\n[bots]\nenabled = false\n");
  auto again = RunSwerl(
      {"filter", "--db", path, "--rules", dir.Join("r.toml"), "--where", "number = 8", "-q"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  // Dedup state is per run: alone, #8 is no copy of anything.
  EXPECT_EQ(read(),
            "1 7 1 - " + rules + "\n1 8 1 - " + rules + "\n2 9 0 decontaminated " + rules + "\n");
}

// --created-after / --created-before: the window on the PR's creation time,
// overriding the rules; a bad time is a usage error naming the flag.
TEST(FilterCliTest, CreatedWindowFlags) {
  shard::Seed old_pr = MakeSeed("acme/widget", 7);
  old_pr.created_at = "2019-03-01T10:00:00Z";
  shard::Seed new_pr = MakeSeed("acme/widget", 8);
  new_pr.created_at = "2024-08-01T10:00:00Z";
  new_pr.patch += "+    # and another line\n";  // not a duplicate of #7
  const std::string in = Line(old_pr) + Line(new_pr);
  TempDir dir;
  auto r =
      RunSwerl({"filter", "--created-after", "2020-01-01", "--explain", dir.Join("x.ndjson")}, in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, Line(new_pr));
  EXPECT_NE(r.err.find("           1  - created_window"), std::string::npos) << r.err;
  EXPECT_EQ(ReadFile(dir.Join("x.ndjson")),
            "{\"instance_id\":\"acme__widget-7\",\"rule\":\"created_window\",\"detail\":\"PR "
            "created 2019-03-01T10:00:00Z, outside [2020-01-01T00:00:00Z, -)\"}\n");
  r = RunSwerl({"filter", "--created-before", "2020-01-01T00:00:00Z", "-q"}, in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, Line(old_pr));
  r = RunSwerl({"filter", "--created-after", "last year"}, in);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--created-after: 'last year' is not a time"), std::string::npos) << r.err;
}

// --db: a near duplicate created earlier than the kept seed replaces it,
// and the kept one's decision is rewritten.
TEST(FilterCliTest, DbModeNearDuplicateKeepsTheEarliest) {
  TempDir dir;
  const std::string path = dir.Join("swerl.db");
  const std::string fix =
      "diff --git a/src/parse.py b/src/parse.py\n--- a/src/parse.py\n+++ b/src/parse.py\n"
      "@@ -10,3 +10,6 @@ def parse(text):\n"
      "     if text is None:\n"
      "+    text = text.strip()\n"
      "+    if not text:\n"
      "+        raise ValueError('empty input: nothing to parse after stripping')\n"
      "+    tokens = [t for t in text.split() if t and not t.startswith('#')]\n";
  {
    auto db = store::OpenStore(path, /*create=*/true);
    ASSERT_TRUE(db.has_value()) << db.error().message();
    // The fork (repo 1) is read first but its PR was opened later.
    const char* sql =
        "INSERT INTO repos (repo_id, name) VALUES (1, 'fork/widget'), (2, 'acme/widget');"
        "INSERT INTO pull_requests (repo_id, number, title, body, user, user_type, merged, "
        "created_at) VALUES"
        " (1, 4, 'Strip input', '', 'alice', 'User', 1, '2021-05-01T00:00:00Z'),"
        " (2, 9, 'Strip input', '', 'bob', 'User', 1, '2021-01-01T00:00:00Z');";
    ASSERT_TRUE(db->Exec(sql).has_value());
    auto ins = db->Prepare(
        "INSERT INTO instances (repo_id, number, status, base_commit, head_commit, merge_base, "
        "patch, code_patch, test_patch, assembled_at) VALUES (?, ?, 'assembled', 'b', 'h', 'm', "
        "?, ?, '', '2024-01-01T00:00:00Z')");
    ASSERT_TRUE(ins.has_value());
    for (auto [repo, number, extra] :
         {std::tuple{1, 4, "+    # from upstream\n"}, std::tuple{2, 9, ""}}) {
      const std::string patch = fix + extra;
      ins->BindInt(1, repo);
      ins->BindInt(2, number);
      ins->BindBlob(3, patch);
      ins->BindBlob(4, patch);
      ASSERT_TRUE(ins->Run().has_value());
    }
  }
  WriteFile(dir.Join("r.toml"), "[budget]\nmax_prompt_tokens = 0\n");
  auto r = RunSwerl(
      {"filter", "--db", path, "--rules", dir.Join("r.toml"), "--explain", dir.Join("x.ndjson")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("           1  - near_duplicate"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("           1  kept"), std::string::npos) << r.err;
  auto db = store::OpenStore(path, /*create=*/false);
  ASSERT_TRUE(db.has_value());
  auto q = db->Prepare(
      "SELECT repo_id, number, kept, coalesce(rule, '-') FROM filter_decisions ORDER BY repo_id");
  ASSERT_TRUE(q.has_value());
  std::string rows;
  while (*q->Step()) {
    rows += std::to_string(q->Int(0)) + " " + std::to_string(q->Int(1)) + " " +
            std::to_string(q->Int(2)) + " " + std::string(q->Text(3)) + "\n";
  }
  EXPECT_EQ(rows, "1 4 0 near_duplicate\n2 9 1 -\n");
  const std::string explained = ReadFile(dir.Join("x.ndjson"));
  EXPECT_NE(explained.find("\"instance_id\":\"fork__widget-4\",\"rule\":\"near_duplicate\","
                           "\"detail\":\"patch similar ("),
            std::string::npos)
      << explained;
  EXPECT_NE(explained.find("to acme__widget-9, created earlier (2021-01-01T00:00:00Z)"),
            std::string::npos)
      << explained;
}

}  // namespace
}  // namespace swerl::curate

// The shard manifest (schemas/manifest.md): its JSON round trip and
// canonical bytes, what it collects from a store, and the normalized command
// lines of stage_runs.
#include "swerl/curate/shard_manifest.h"

#include <gtest/gtest.h>

#include "swerl/core/sha256.h"
#include "swerl/store/stage_runs.h"
#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl::curate {
namespace {

ShardManifest Sample() {
  ShardManifest m;
  m.swerl_version = "0.1.0";
  m.swerl_git = "19103ad30f02-dirty";
  m.created_at = "2021-07-21T13:00:00Z";
  m.hours = {{"2021-07-21-5.json.gz", "missing", 0, "", "http://h/2021-07-21-5.json.gz"},
             {"2021-07-21-6.json.gz", "ok", 93629, std::string(64, 'a'),
              "http://h/2021-07-21-6.json.gz"}};
  store::StageRun filter{"filter", {"--db", "{db}", "--rules", "{rules}"}, {}};
  filter.files["--rules"] = {Sha256::Hex("[size]\nmax_files = 3\n"), "[size]\nmax_files = 3\n"};
  m.stages = {{"clone", {"--db", "{db}", "--url-template", "git://x/{owner}/{name}.git"}, {}},
              filter};
  m.export_args = {"--where", "repo = 'a/b' AND \"x\" <> '\\n'"};
  m.repos = {{7, "a/b", "git://x/a/b.git", "cloned", {"01", "ff"}},
             {9, "c/d", "git://x/c/d.git", "not_found", {}}};
  m.api = {{"https://api/x/pulls/1", "\"etag-1\"", 200}, {"https://api/x/issues/2", "", 404}};
  m.seeds = {"a__b-2", "a__b-10", "\xc3\xa9__z-1"};
  return m;
}

TEST(ShardManifestTest, RoundTripsThroughJsonToTheSameBytes) {
  const ShardManifest m = Sample();
  const std::string json = ShardManifestJson(m);
  auto parsed = ParseShardManifest(json);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(*parsed, m);
  EXPECT_EQ(ShardManifestJson(*parsed), json);
}

TEST(ShardManifestTest, KeysAreSortedAndNoClockIsRead) {
  const std::string json = ShardManifestJson(Sample());
  // The top-level keys in the order written: sorted.
  const std::vector<std::string> keys = {"\"api\":",  "\"created_at\":", "\"export\":",
                                         "\"hours\":", "\"manifest_version\":", "\"repos\":",
                                         "\"seeds\":", "\"stages\":", "\"swerl\":"};
  size_t last = 0;
  for (const auto& key : keys) {
    const size_t at = json.find(key);
    ASSERT_NE(at, std::string::npos) << key;
    EXPECT_GE(at, last) << key;
    last = at;
  }
  EXPECT_EQ(ShardManifestJson(Sample()), json);  // equal manifests, equal bytes
}

TEST(ShardManifestTest, RefusesDamagedAndNewerManifests) {
  EXPECT_FALSE(ParseShardManifest("[]"));
  EXPECT_FALSE(ParseShardManifest("{\"manifest_version\":1}"));
  // Each key removed in turn: refused, never read past.
  const std::string full = ShardManifestJson(Sample());
  for (const char* key : {"\"seeds\":", "\"export\":", "\"hours\":", "\"stages\":", "\"repos\":",
                          "\"api\":", "\"swerl\":", "\"created_at\":"}) {
    std::string damaged = full;
    const size_t at = damaged.find(key);
    ASSERT_NE(at, std::string::npos);
    damaged.replace(at, std::string(key).size() - 1, "\"zz\"");  // renamed: the key is gone
    EXPECT_FALSE(ParseShardManifest(damaged)) << key;
  }
  std::string no_args = full;
  const size_t export_at = no_args.find("\"export\":{\"args\"");
  ASSERT_NE(export_at, std::string::npos);
  no_args.replace(export_at + 10, 6, "\"zz\"");
  EXPECT_FALSE(ParseShardManifest(no_args));
  std::string json = ShardManifestJson(Sample());
  const std::string from = "\"manifest_version\":1";
  json.replace(json.find(from), from.size(), "\"manifest_version\":99");
  auto newer = ParseShardManifest(json);
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code(), Code::kUnsupported);
}

TEST(ShardManifestTest, CollectsHoursRepositoriesCommitsAndEtagsFromTheStore) {
  testing::TempDir dir;
  auto db = store::OpenStore(dir.Join("swerl.db"), db::Db::Mode::kCreate);
  ASSERT_TRUE(db) << db.error().message();
  ASSERT_TRUE(db->Exec(
      "INSERT INTO repo_clones(repo_id, repo, path, url, status, attempts, fetched_at) VALUES "
      "(2, 'b/b', 'p', 'git://b', 'cloned', 1, 'now'), (1, 'a/a', 'p', 'git://a', 'not_found', 1, "
      "'now');"
      "INSERT INTO instances(repo_id, number, status, head_commit, merge_base, assembled_at) "
      "VALUES (2, 1, 'assembled', 'cc', 'aa', 'now'), (2, 2, 'assembled', 'bb', 'aa', 'now'), "
      "(2, 3, 'failed', 'dd', 'ee', 'now');"
      "INSERT INTO api_fetches(url, etag, status) VALUES ('u2', '\"e2\"', 200), ('u1', NULL, 404);"));
  store::StageRun link{"link", {"--db", "{db}"}, {}};
  ASSERT_TRUE(store::RecordStageRun(&*db, {"filter", {"--db", "{db}"}, {}}));
  ASSERT_TRUE(store::RecordStageRun(&*db, link));
  std::vector<net::ManifestEntry> hours(3);
  hours[0].hour = "2021-07-21-6.json.gz";
  hours[0].status = net::EntryStatus::kOk;
  hours[1].hour = "2021-07-21-7.json.gz";
  hours[1].status = net::EntryStatus::kFailed;
  hours[2].hour = "2021-07-21-9.json.gz";
  hours[2].status = net::EntryStatus::kMissing;
  ShardManifest m;
  ASSERT_TRUE(CollectManifestInputs(&*db, hours, &m));
  ASSERT_EQ(m.hours.size(), 2u);  // the failed hour is left out
  EXPECT_EQ(m.hours[1].status, "missing");
  EXPECT_EQ(m.created_at, "2021-07-21T07:00:00Z");  // the end of the newest ok hour
  ASSERT_EQ(m.repos.size(), 2u);
  EXPECT_EQ(m.repos[0].name, "a/a");
  EXPECT_TRUE(m.repos[0].commits.empty());
  EXPECT_EQ(m.repos[1].commits, (std::vector<std::string>{"aa", "bb", "cc"}));
  ASSERT_EQ(m.api.size(), 2u);
  EXPECT_EQ(m.api[0].url, "u1");
  EXPECT_EQ(m.api[1].etag, "\"e2\"");
  ASSERT_EQ(m.stages.size(), 2u);
  EXPECT_EQ(m.stages[0].stage, "link");  // pipeline order
  EXPECT_EQ(m.stages[1].stage, "filter");
}

TEST(StageRunsTest, NormalizesPathsAndLeavesOutWhatCannotChangeTheStore) {
  testing::TempDir dir;
  testing::WriteFile(dir.Join("r.toml"), "[size]\nmax_files = 3\n");
  auto run = store::NormalizeStageRun(
      "filter",
      {"--db=/x/swerl.db", "-j", "4", "--jobs=2", "-j8", "-q", "-vv", "--no-progress", "--json",
       "--shard", "1/4",
       "--explain", "/x/dropped.ndjson", "--rules", dir.Join("r.toml"), "--created-after",
       "2020-01-01"});
  ASSERT_TRUE(run) << run.error().message();
  EXPECT_EQ(run->args, (std::vector<std::string>{"--db", "{db}", "--rules", "{rules}",
                                                 "--created-after", "2020-01-01"}));
  ASSERT_EQ(run->files.count("--rules"), 1u);
  EXPECT_EQ(run->files["--rules"].text, "[size]\nmax_files = 3\n");
  EXPECT_EQ(run->files["--rules"].sha256, Sha256::Hex("[size]\nmax_files = 3\n"));
  EXPECT_EQ(store::FlagValue({"--db", "a", "--db=b"}, "--db"), "b");
  auto missing = store::NormalizeStageRun("filter", {"--rules", dir.Join("nope.toml")});
  EXPECT_FALSE(missing);
}

TEST(StageRunsTest, ExportArgsKeepOnlyWhatSelectsTheSeeds) {
  EXPECT_EQ(NormalizeExportArgs({"--db", "s.db", "--out=x.db", "--manifest", "m.json", "--hours",
                                 "h", "--force", "-q", "--where", "repo = 'a'", "--all"}),
            (std::vector<std::string>{"--where", "repo = 'a'", "--all"}));
}

}  // namespace
}  // namespace swerl::curate

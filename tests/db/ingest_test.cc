// The store and `swerl ingest`: order independence and idempotence on the
// real fixture (random permutations, duplicates, batches), the era rules,
// migrations, and crash safety under SIGKILL.
#include "swerl/store/ingest.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <random>

#include "swerl/store/store.h"
#include "testing/testing.h"


namespace swerl::store {
namespace {

using testing::DataPath;
using testing::RunSwerl;
using testing::TempDir;

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t begin = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', begin)) {
    lines.push_back(text.substr(begin, nl - begin));
    begin = nl + 1;
  }
  return lines;
}

// The records of the real fixture hours and the trimmed-era samples.
const std::vector<std::string>& FixtureRecords() {
  static const std::vector<std::string> records = [] {
    const auto r = RunSwerl({"events", "-q", DataPath("gharchive/2021-07-21-few-hours.json"),
                             DataPath("gharchive/trimmed-era.json")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return SplitLines(r.out);
  }();
  return records;
}

Status IngestAll(db::Db* db, const std::vector<std::string>& lines, size_t batch) {
  SWERL_ASSIGN_OR_RETURN(Ingester ing, Ingester::Create(db, batch));
  for (const std::string& line : lines) {
    std::string padded = line;
    padded.append(kRecordPadding, '\0');
    SWERL_RETURN_IF_ERROR(ing.Add(std::string_view(padded.data(), line.size())));
  }
  return ing.FinishInput("test", "2026-01-01T00:00:00Z");
}

// Every table but the ingest log, rows in key order, as text.
std::string Dump(db::Db* db) {
  std::string out;
  for (const char* table :
       {"repos", "repo_names", "pull_requests", "issues", "issue_comments", "reviews",
        "review_comments", "issue_links", "events_seen", "event_counts", "api_fetches"}) {
    out += std::string("## ") + table + "\n";
    // Ordered by every column: a total order whatever the key.
    auto count = db->Prepare(std::string("SELECT * FROM ") + table + " LIMIT 0");
    EXPECT_TRUE(count) << count.error().message();
    std::string order;
    for (int c = 1; c <= count->columns(); ++c) order += (c > 1 ? ", " : "") + std::to_string(c);
    auto stmt = db->Prepare(std::string("SELECT * FROM ") + table + " ORDER BY " + order);
    EXPECT_TRUE(stmt) << stmt.error().message();
    while (*stmt->Step()) {
      for (int c = 0; c < stmt->columns(); ++c) {
        out += stmt->IsNull(c) ? "NULL" : std::string(stmt->Text(c));
        out += '|';
      }
      out += '\n';
    }
  }
  return out;
}

// Rows of one SQL query as text.
std::string Query(db::Db* db, const std::string& sql) {
  auto stmt = db->Prepare(sql);
  EXPECT_TRUE(stmt) << stmt.error().message();
  std::string out;
  while (*stmt->Step()) {
    for (int c = 0; c < stmt->columns(); ++c) {
      if (c) out += '|';
      out += stmt->IsNull(c) ? std::string_view("NULL") : stmt->Text(c);
    }
    out += '\n';
  }
  return out;
}

TEST(Ingest, OrderIndependentAndIdempotentOnRealEvents) {
  const auto& records = FixtureRecords();
  ASSERT_GT(records.size(), 150u);
  TempDir dir;
  auto ref_db = OpenStore(dir.Join("ref.db"), true);
  ASSERT_TRUE(ref_db) << ref_db.error().message();
  ASSERT_TRUE(IngestAll(&*ref_db, records, 50'000));
  const std::string reference = Dump(&*ref_db);
  EXPECT_EQ(Query(&*ref_db, "SELECT count(*) > 80, count(title) > 80 FROM pull_requests"), "1|1\n");

  std::mt19937 rng(7);
  for (int trial = 0; trial < 12; ++trial) {
    SCOPED_TRACE(trial);
    std::vector<std::string> lines = records;
    for (size_t k = 0; k < records.size() / 4; ++k)
      lines.push_back(records[rng() % records.size()]);
    std::shuffle(lines.begin(), lines.end(), rng);
    auto db = OpenStore(dir.Join("t" + std::to_string(trial) + ".db"), true);
    ASSERT_TRUE(db);
    // Several inputs, each its own ingester run, small transactions.
    const size_t parts = 1 + rng() % 4;
    for (size_t p = 0; p < parts; ++p) {
      const size_t begin = lines.size() * p / parts, end = lines.size() * (p + 1) / parts;
      ASSERT_TRUE(IngestAll(&*db, {lines.begin() + begin, lines.begin() + end}, 1 + rng() % 40));
    }
    EXPECT_EQ(Dump(&*db), reference);
  }
  // Everything again: nothing changes.
  ASSERT_TRUE(IngestAll(&*ref_db, records, 7));
  EXPECT_EQ(Dump(&*ref_db), reference);
}

std::string Pr(std::string_view id, std::string_view at, std::string_view era,
               std::string_view action, std::string_view pr_json,
               std::string_view type = "PullRequestEvent") {
  return std::string(R"({"id":")") + std::string(id) + R"(","type":")" + std::string(type) +
         R"(","created_at":")" + std::string(at) +
         R"(","repo":"o/r","repo_id":1,"actor":"alice","actor_id":2,"action":")" +
         std::string(action) + R"(","number":5,"era":")" + std::string(era) +
         R"(","pull_request":)" + std::string(pr_json) + "}";
}

TEST(Ingest, TrimmedEventsNeverEraseRicherDataAndMergedIsSeenInBothEras) {
  const std::string full_open = Pr("10", "2025-10-01T00:00:00Z", "full", "opened",
                                   R"({"id":9,"number":5,"title":"Fix crash","body":"Fixes #1",)"
                                   R"("state":"open","merged":false,"user":"alice",)"
                                   R"("base_sha":"b1","head_sha":"h1","additions":3})");
  const std::string trimmed_merge =
      Pr("20", "2025-11-01T00:00:00Z", "trimmed", "merged",
         R"({"id":9,"number":5,"title":null,"body":null,"base_sha":"b1","head_sha":"h2"})");
  const std::string full_review =
      Pr("15", "2025-10-02T00:00:00Z", "full", "created",
         R"({"id":9,"number":5,"title":"Fix crash, v2","body":"Fixes #1","state":"open",)"
         R"("merged":null,"user":"alice","base_sha":"b1","head_sha":"h1"})",
         "PullRequestReviewEvent");
  for (const auto& order : std::vector<std::vector<std::string>>{
           {full_open, full_review, trimmed_merge}, {trimmed_merge, full_review, full_open}}) {
    TempDir dir;
    auto db = OpenStore(dir.Join("s.db"), true);
    ASSERT_TRUE(db);
    ASSERT_TRUE(IngestAll(&*db, order, 1));
    // Title from the newest full event; head from the trimmed one; merged
    // from the trimmed action; additions kept (the review event's object
    // does not carry them).
    EXPECT_EQ(Query(&*db,
                    "SELECT title, body, head_sha, state, merged, merged_at, author "
                    "FROM prs"),
              "Fix crash, v2|Fixes #1|h2|closed|1|2025-11-01T00:00:00Z|alice\n");
    EXPECT_EQ(Query(&*db, "SELECT additions FROM pull_requests"), "3\n");
  }
  // Full era: merged = closed + merged:true.
  TempDir dir;
  auto db = OpenStore(dir.Join("f.db"), true);
  ASSERT_TRUE(db);
  ASSERT_TRUE(IngestAll(&*db,
                        {full_open, Pr("30", "2025-10-03T00:00:00Z", "full", "closed",
                                       R"({"id":9,"number":5,"state":"closed","merged":true,)"
                                       R"("merged_at":"2025-10-03T00:00:00Z"})")},
                        10));
  EXPECT_EQ(Query(&*db, "SELECT state, merged, merged_at, merged_by FROM prs"),
            "closed|1|2025-10-03T00:00:00Z|alice\n");
}

// Duplicates are known at commit, so the counts hold across batches and
// runs: an event seen in an earlier run, earlier in the same batch, or in an
// earlier batch of the same run is a duplicate, never a new event.
// One ingest run of `lines` in batches of `batch` events; its counts.
IngestCounts IngestRun(db::Db* db, const std::vector<std::string>& lines, size_t batch) {
  auto ing = Ingester::Create(db, batch);
  EXPECT_TRUE(ing);
  for (const std::string& line : lines) {
    std::string padded = line;
    padded.append(kRecordPadding, '\0');
    EXPECT_TRUE(ing->Add(std::string_view(padded.data(), line.size())));
  }
  EXPECT_TRUE(ing->FinishInput("run", "2026-01-01T00:00:00Z"));
  return ing->counts();
}

TEST(Ingest, CountsEveryEventOnceAcrossBatchesAndRuns) {
  const auto& records = FixtureRecords();
  const size_t n = records.size();
  TempDir dir;
  auto db = OpenStore(dir.Join("c.db"), true);
  ASSERT_TRUE(db);
  auto run = [&](const std::vector<std::string>& lines, size_t batch) {
    return IngestRun(&*db, lines, batch);
  };
  const IngestCounts first = run({records.begin(), records.begin() + n / 2}, 5);
  EXPECT_EQ(first.new_events + first.skipped, n / 2);
  EXPECT_EQ(first.duplicates, 0u);
  std::vector<std::string> second(records.begin() + n / 4, records.end());
  second.push_back(records[n / 3]);  // in run 1 and earlier in this run
  second.push_back(records[n - 1]);  // earlier in this run only
  const IngestCounts again = run(second, 6);
  EXPECT_EQ(again.duplicates, n / 2 - n / 4 + 2);
  EXPECT_EQ(again.new_events + again.skipped, n - n / 2);
  EXPECT_GT(first.new_events, 0u);
  EXPECT_GT(again.new_events, 0u);
  EXPECT_EQ(Query(&*db, "SELECT sum(n) FROM event_counts"),
            std::to_string(first.new_events + again.new_events) + "\n");
  EXPECT_EQ(Query(&*db, "SELECT new_events, duplicates, skipped FROM ingest_log ORDER BY run_id"),
            std::to_string(first.new_events) + "|0|" + std::to_string(first.skipped) + "\n" +
                std::to_string(again.new_events) + "|" + std::to_string(again.duplicates) + "|" +
                std::to_string(again.skipped) + "\n");
  EXPECT_EQ(Query(&*db, "SELECT count(*) FROM events_seen"), std::to_string(n) + "\n");
}

// Fixture record `k` (cycling) under event id `id`.
std::string WithEventId(size_t k, int64_t id) {
  const auto& records = FixtureRecords();
  const std::string& r = records[k % records.size()];
  const size_t end = r.find("\",", 7);  // records start {"id":"<digits>",
  EXPECT_EQ(r.substr(0, 7), "{\"id\":\"");
  return "{\"id\":\"" + std::to_string(id) + r.substr(end);
}

// Batches far larger than the fixture: new ids above all seen go in
// multi-row inserts, the rest one by one; either way each id counts once.
TEST(Ingest, CountsLargeBatchesOnceWhateverTheIdOrder) {
  TempDir dir;
  auto db = OpenStore(dir.Join("l.db"), true);
  ASSERT_TRUE(db);
  auto lines = [](int64_t first_id, size_t count) {
    std::vector<std::string> out;
    for (size_t k = 0; k < count; ++k) out.push_back(WithEventId(k, first_id + int64_t(k)));
    return out;
  };
  auto folded = [](const IngestCounts& c) { return c.new_events + c.skipped; };
  // All new and above every seen id: 1,234 = 2 x 500 in bulk + 234 singly.
  const IngestCounts first = IngestRun(&*db, lines(1'000'000, 1234), 100'000);
  EXPECT_EQ(folded(first), 1234u);
  EXPECT_EQ(first.duplicates, 0u);
  // Ids 1,000,500.. again (734 seen) and 600 new ones above them.
  const IngestCounts second = IngestRun(&*db, lines(1'000'500, 1334), 100'000);
  EXPECT_EQ(second.duplicates, 734u);
  EXPECT_EQ(folded(second), 600u);
  // 1,000 new ids below every seen one, then all of the first run again in
  // batches of 700.
  const IngestCounts third = IngestRun(&*db, lines(1, 1000), 100'000);
  EXPECT_EQ(third.duplicates, 0u);
  EXPECT_EQ(folded(third), 1000u);
  const IngestCounts fourth = IngestRun(&*db, lines(1'000'000, 1234), 700);
  EXPECT_EQ(fourth.duplicates, 1234u);
  EXPECT_EQ(folded(fourth), 0u);
  EXPECT_EQ(Query(&*db, "SELECT count(*) FROM events_seen"), "2834\n");
  EXPECT_EQ(Query(&*db, "SELECT sum(n) FROM event_counts"),
            std::to_string(first.new_events + second.new_events + third.new_events) + "\n");
}

TEST(Ingest, BadLinesAreReportedAndNotFolded) {
  TempDir dir;
  auto db = OpenStore(dir.Join("b.db"), true);
  ASSERT_TRUE(db);
  auto ing = Ingester::Create(&*db);
  ASSERT_TRUE(ing);
  for (std::string line :
       {std::string("{not json"), std::string(R"({"id":"1"})"), std::string("[1,2]")}) {
    line.append(kRecordPadding, '\0');
    Status st = ing->Add(std::string_view(line.data(), line.size() - kRecordPadding));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code(), Code::kInvalidInput);
  }
  EXPECT_EQ(ing->counts().bad_lines, 3u);
  ASSERT_TRUE(ing->Commit());
  EXPECT_EQ(Query(&*db, "SELECT count(*) FROM events_seen"), "0\n");
}

TEST(Store, RefusesANewerSchemaAndMigratesAnEmptyFile) {
  TempDir dir;
  {
    ASSERT_TRUE(OpenStore(dir.Join("new.db"), true));
    auto db = db::Db::Open(dir.Join("new.db"), db::Db::Mode::kReadWrite);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("PRAGMA user_version=" + std::to_string(SchemaVersion() + 1)));
  }
  auto newer = OpenStore(dir.Join("new.db"), false);
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code(), Code::kUnsupported);
  EXPECT_NE(newer.error().message().find("newer than this swerl"), std::string::npos);

  auto missing = OpenStore(dir.Join("missing.db"), false);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);

  testing::WriteFile(dir.Join("junk.db"), std::string(4096, 'x'));
  auto junk = OpenStore(dir.Join("junk.db"), false);
  ASSERT_FALSE(junk);
  EXPECT_EQ(junk.error().code(), Code::kCorrupt) << junk.error().message();

  auto fresh = OpenStore(dir.Join("fresh.db"), true);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(Query(&*fresh, "PRAGMA user_version"), std::to_string(SchemaVersion()) + "\n");
  EXPECT_EQ(Query(&*fresh, "PRAGMA journal_mode"), "wal\n");
}

// Starts `swerl ingest` on `input`; returns its pid.
TEST(Ingest, SurvivesSigkillAtRandomPoints) {
  // ~16,000 records: the fixture 100 times over with fresh event ids.
  const auto& records = FixtureRecords();
  TempDir dir;
  std::string input;
  for (int copy = 0; copy < 100; ++copy) {
    for (const std::string& r : records) {
      const size_t q = r.find("\",");  // end of the id value
      input += r.substr(0, q) + std::to_string(1000 + copy) + r.substr(q) + "\n";
    }
  }
  testing::WriteFile(dir.Join("in.ndjson"), input);
  const std::string ref = dir.Join("ref.db"), db = dir.Join("killed.db");
  ASSERT_EQ(RunSwerl({"ingest", "-q", "--db", ref, dir.Join("in.ndjson")}).exit_code, 0);

  std::mt19937 rng(11);
  int killed = 0;
  for (int attempt = 0; attempt < 6; ++attempt) {
    const pid_t pid =
        testing::SpawnSwerl({"ingest", "-q", "--batch", "100", "--db", db, dir.Join("in.ndjson")});
    ::usleep(20'000 + rng() % 300'000);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    killed += WIFSIGNALED(status);
  }
  const auto final_run = RunSwerl({"ingest", "-q", "--db", db, dir.Join("in.ndjson")});
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
  auto a = OpenStore(ref, false);
  auto b = OpenStore(db, false);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(Dump(&*b), Dump(&*a));
  EXPECT_GT(killed, 0);
}

}  // namespace
}  // namespace swerl::store

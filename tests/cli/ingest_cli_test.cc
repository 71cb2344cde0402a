// `swerl ingest` at the edges issue 16 found: raw GH Archive lines given
// instead of `swerl events` records, and damaged (truncated gzip) input,
// which follows the exit-status rule of docs/CLI.md.
#include <gtest/gtest.h>

#include "testing/testing.h"

namespace swerl {
namespace {

using testing::DataPath;
using testing::Gzip;
using testing::ReadFile;
using testing::RunSwerl;
using testing::TempDir;
using testing::WriteFile;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Repro: `swerl ingest --db s.db hours/2021-07-21-6.json.gz` warned about
// every one of the hour's lines and reported success with 0 events.
TEST(IngestCliTest, Issue16RawGhArchiveLinesStopWithAHint) {
  TempDir dir;
  const std::string raw = DataPath("gharchive/2021-07-21-few-hours.json");
  const auto r = RunSwerl({"ingest", "--db", dir.Join("s.db"), raw});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(Count(r.err, "warning:"), 5u) << r.err;
  EXPECT_NE(r.err.find("error: '" + raw +
                       "' holds raw GH Archive events, not `swerl events` records: run `swerl "
                       "events` first, e.g. swerl events " +
                       raw + " | swerl ingest --db " + dir.Join("s.db")),
            std::string::npos)
      << r.err;
  // Through stdin too.
  const auto piped = RunSwerl({"ingest", "--db", dir.Join("s.db")}, ReadFile(raw));
  EXPECT_EQ(piped.exit_code, 2);
  EXPECT_NE(piped.err.find("swerl events - | swerl ingest"), std::string::npos) << piped.err;
  // Records after a few bad lines are not raw input: no hint, exit 0.
  const auto events = RunSwerl({"events", "-q", raw});
  ASSERT_EQ(events.exit_code, 0);
  const std::string mixed = "{}\n{}\n{}\n{}\n{}\n{}\n" + events.out;
  const auto ok = RunSwerl({"ingest", "--db", dir.Join("m.db")}, mixed);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(Count(ok.err, "warning:"), 6u) << ok.err;
}

// Damage follows the rule: a truncated gzip of records is a warning, the
// records before it stay, the input is not logged as done, exit 0; with
// --max-errors 0 it is an error, exit 2. (It was exit 2 here and exit 0 in
// `swerl events`.)
TEST(IngestCliTest, Issue16TruncatedGzipIsAWarningUnlessMaxErrors) {
  TempDir dir;
  const auto events = RunSwerl({"events", "-q", DataPath("gharchive/2021-07-21-few-hours.json")});
  ASSERT_EQ(events.exit_code, 0);
  const std::string gz = Gzip(events.out);
  WriteFile(dir.Join("cut.ndjson.gz"), gz.substr(0, gz.size() / 2));
  const auto r =
      RunSwerl({"ingest", "--db", dir.Join("s.db"), "--json", dir.Join("cut.ndjson.gz")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: '" + dir.Join("cut.ndjson.gz") + "': truncated"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"damaged_inputs\":1"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("\"new_events\":0,"), std::string::npos) << r.err;  // some were folded
  const auto stats = RunSwerl({"stats", "--db", dir.Join("s.db"), "--json"});
  EXPECT_NE(stats.out.find("\"ingested_inputs\":0"), std::string::npos) << stats.out;
  const auto strict = RunSwerl(
      {"ingest", "--db", dir.Join("t.db"), "--max-errors", "0", dir.Join("cut.ndjson.gz")});
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_NE(strict.err.find("error: more than 0 errors"), std::string::npos) << strict.err;
}

}  // namespace
}  // namespace swerl

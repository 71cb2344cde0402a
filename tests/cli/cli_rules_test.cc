// The repro commands of issue 16's CLI convention, one by one (the walker
// tests/cli/convention_test.py checks every subcommand generically): values
// out of range, unknown commands, sizes, and --json.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "testing/testing.h"

namespace swerl {
namespace {

using testing::DataPath;
using testing::RunSwerl;
using testing::TempDir;

TEST(CliRulesTest, Issue16ValuesOutOfRangeAreRefusedNamingTheFlag) {
  TempDir dir;
  // `swerl events -j -1` ran with all cores; `swerl ingest --batch 0` and
  // `--batch -1` (wrapped to 2^64 - 1) ran too; a negative size was read.
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"events", "-j", "-1", DataPath("gharchive/2021-07-21-few-hours.json")},
       "--jobs: '-1' is out of range: must be in [1, 1024]"},
      {{"reward", "-j", "0"}, "--jobs: '0' is out of range"},
      {{"ingest", "--db", dir.Join("s.db"), "--batch", "0"},
       "--batch: '0' is out of range: must be at least 1"},
      {{"ingest", "--db", dir.Join("s.db"), "--batch", "-1"}, "--batch: '-1' is out of range"},
      {{"clone", "--db", dir.Join("s.db"), "--repos", dir.path(), "--max-repo-bytes", "-1"},
       "--max-repo-bytes: invalid size '-1': negative"},
      {{"events", "--max-errors", "-3"}, "--max-errors: '-3' is out of range"},
      {{"relevant", "--db", "x", "--repos", "y", "--llm-timeout", "0"},
       "--llm-timeout: '0' is out of range: must be greater than 0"},
  };
  for (const auto& [args, want] : cases) {
    const auto r = RunSwerl(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[args.size() - 1];
    EXPECT_NE(r.err.find("swerl " + args[0] + ": error: " + want), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  EXPECT_FALSE(std::ifstream(dir.Join("s.db")));  // refused before anything was opened
}

TEST(CliRulesTest, Issue16UnknownCommandIsNamed) {
  auto r = RunSwerl({"frobnicate", "--db", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "swerl: error: unknown command 'frobnicate'; see 'swerl --help' for the "
            "commands\n");
  r = RunSwerl({"injest", "--db", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command 'injest' (did you mean 'ingest'?)"), std::string::npos)
      << r.err;
  r = RunSwerl({"events", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("swerl events: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown option '--no-such-flag'; see 'swerl events --help'"),
            std::string::npos)
      << r.err;
  // Named before what is then missing.
  r = RunSwerl({"ingest", "--d", "x.db"});
  EXPECT_EQ(r.err, "swerl ingest: error: unknown option '--d'; see 'swerl ingest --help'\n");
}

TEST(CliRulesTest, SizesTakeBinarySuffixes) {
  TempDir dir;
  // 1K = 1024: a 1,500-byte request line is over --max-line-bytes 1K and
  // under 2K.
  const std::string line = "{\"id\":1,\"pad\":\"" + std::string(1480, 'p') + "\"}\n";
  const auto small = RunSwerl({"reward", "--max-line-bytes", "1K"}, line);
  EXPECT_NE(small.out.find("line longer than --max-line-bytes (1024 bytes)"), std::string::npos)
      << small.out;
  const auto big = RunSwerl({"reward", "--max-line-bytes", "2k"}, line);
  EXPECT_NE(big.out.find("\"context\\\" is missing"), std::string::npos) << big.out;
}

TEST(CliRulesTest, JsonSummaryIsTheLastLineOfStderr) {
  TempDir dir;
  const std::string events = DataPath("gharchive/2021-07-21-few-hours.json");
  const auto r = RunSwerl({"events", "--json", "-q", events});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err.rfind("{\"files\":1,\"lines\":800,", 0), 0u) << r.err;  // even with -q
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  const auto records = RunSwerl({"events", "-q", events});
  const auto ingest = RunSwerl({"ingest", "--db", dir.Join("s.db"), "--json"}, records.out);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  const std::string last = ingest.err.substr(ingest.err.rfind('\n', ingest.err.size() - 2) + 1);
  EXPECT_EQ(last.rfind("{\"inputs\":1,\"records\":159,\"new_events\":159,", 0), 0u) << last;
  const auto link = RunSwerl({"link", "--db", dir.Join("s.db"), "--json"});
  EXPECT_NE(link.err.find("{\"pull_requests\":"), std::string::npos) << link.err;
  const auto stats = RunSwerl({"stats", "--db", dir.Join("s.db"), "--json"});
  EXPECT_EQ(stats.out.rfind("{\"schema_version\":", 0), 0u) << stats.out;
}

}  // namespace
}  // namespace swerl

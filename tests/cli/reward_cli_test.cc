// `swerl reward` as a user runs it: one result per request in input order
// for any -j, invalid requests answered in place and reported by file and
// line, --max-errors, gzip and stdin input, the size guard flags.
#include <gtest/gtest.h>

#include <algorithm>

#include "testing/testing.h"

namespace swerl {
namespace {

using testing::Gzip;
using testing::RunSwerl;
using testing::TempDir;
using testing::WriteFile;

std::string Request(int id, const std::string& replace) {
  return R"({"id":)" + std::to_string(id) +
         R"(,"context":{"a.py":"x = 1\ny = x+1\n"},"oracle":{"a.py":"x = 1\ny = x + 1\n"},)"
         R"("output":"<think>t</think><solution>```\n### a.py\n<<<<<<< SEARCH\ny = x+1\n=======\n)" +
         replace + R"(\n>>>>>>> REPLACE\n```</solution>"})" + "\n";
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  size_t begin = 0;
  for (size_t nl = s.find('\n'); nl != std::string::npos; nl = s.find('\n', begin)) {
    out.push_back(s.substr(begin, nl - begin));
    begin = nl + 1;
  }
  return out;
}

TEST(RewardCliTest, OneResultPerRequestInOrderForAnyThreadCount) {
  std::string input;
  for (int i = 0; i < 300; ++i)
    input += Request(i, i % 3 ? "y = x + " + std::to_string(i) : "y = x + 1");
  const auto one = RunSwerl({"reward", "-q", "-j", "1"}, input);
  const auto two = RunSwerl({"reward", "-q", "-j", "2"}, input);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(one.out, two.out);
  const auto lines = Lines(one.out);
  ASSERT_EQ(lines.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(lines[i].rfind("{\"id\":" + std::to_string(i) + ",", 0), 0u) << lines[i];
  }
  EXPECT_EQ(lines[0],
            R"({"id":0,"reward":1.0,"error":null,"files":[{"path":"a.py","similarity":1.0}]})");
}

TEST(RewardCliTest, InvalidRequestsAreAnsweredInPlaceAndReported) {
  TempDir dir;
  const std::string input = Request(1, "y = x + 1") + "{broken\n\n" + Request(2, "y = x + 1");
  WriteFile(dir.Join("r.ndjson"), input);
  const auto r = RunSwerl({"reward", dir.Join("r.ndjson")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 3u);  // the blank line is skipped
  EXPECT_EQ(lines[1].rfind(R"({"id":null,"reward":null,"error":"invalid request: invalid JSON)", 0),
            0u)
      << lines[1];
  EXPECT_NE(r.err.find("r.ndjson' line 2: invalid JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 requests (1 invalid): 2 outputs scored, 0 of them -1"), std::string::npos)
      << r.err;

  const auto strict = RunSwerl({"reward", "-q", "--max-errors", "0", dir.Join("r.ndjson")});
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_NE(strict.err.find("more than 0 invalid requests"), std::string::npos) << strict.err;
  // What was answered before the limit is kept.
  EXPECT_EQ(Lines(strict.out).size(), 2u);
}

TEST(RewardCliTest, GzipFilesAndStdinAgree) {
  TempDir dir;
  const std::string input = Request(1, "y = x + 2") + Request(2, "y = x+1");
  WriteFile(dir.Join("r.ndjson.gz"), Gzip(input));
  const auto from_file = RunSwerl({"reward", "-q", dir.Join("r.ndjson.gz")});
  const auto from_stdin = RunSwerl({"reward", "-q", "-"}, input);
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_EQ(from_file.out, from_stdin.out);
  const auto lines = Lines(from_file.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find(R"("reward":-1.0,"error":"SEARCH and REPLACE are identical)"),
            std::string::npos)
      << lines[1];
}

TEST(RewardCliTest, SizeGuardFlags) {
  // A thought far longer than the oracle's answer needs (which the guard
  // always allows: lib/swerl/reward/reward.h).
  std::string input = Request(1, "y = x + 1");
  input.replace(input.find("<think>t"), 8, "<think>" + std::string(9000, 't'));
  const auto guarded = RunSwerl({"reward", "-q", "--max-output-bytes", "8K"}, input);
  ASSERT_EQ(guarded.exit_code, 0);
  EXPECT_NE(guarded.out.find("exceeds the size guard (8192 bytes)"), std::string::npos)
      << guarded.out;
  const auto roomy = RunSwerl({"reward", "-q", "--max-output-bytes", "16K"}, input);
  EXPECT_NE(roomy.out.find(R"("reward":1.0)"), std::string::npos) << roomy.out;
  const auto unguarded =
      RunSwerl({"reward", "-q", "--max-output-bytes", "20", "--no-guard"}, input);
  EXPECT_NE(unguarded.out.find(R"("reward":1.0)"), std::string::npos) << unguarded.out;
  // The answer the oracle itself needs is scored whatever the limit.
  const auto oracle =
      RunSwerl({"reward", "-q", "--max-output-bytes", "20"}, Request(1, "y = x + 1"));
  EXPECT_NE(oracle.out.find(R"("reward":1.0)"), std::string::npos) << oracle.out;
  const auto negative = RunSwerl({"reward", "--max-output-bytes", "-1"}, input);
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_NE(negative.err.find("--max-output-bytes: invalid size '-1': negative"), std::string::npos)
      << negative.err;
}

// Issue 16: an invalid request was answered {"id":null,...} even when its id
// could be read, so results could not be joined back to requests.
TEST(RewardCliTest, Issue16InvalidRequestEchoesItsId) {
  const std::string input = R"({"id":"req-7","context":{},"oracle":{}})"
                            "\n" +
                            Request(8, "y = x + 1") +
                            R"({"id":9,"context":{"a.py":1}})"
                            "\n";
  const auto r = RunSwerl({"reward"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            R"({"id":"req-7","reward":null,"error":"invalid request: exactly one of \"output\", )"
            R"(\"outputs\" and \"predicted\" must be present"})");
  EXPECT_EQ(lines[1].rfind(R"({"id":8,"reward":1.0)", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind(R"({"id":9,"reward":null,"error":"invalid request: )", 0), 0u)
      << lines[2];
  EXPECT_NE(r.err.find("warning: '<stdin>' line 1: exactly one of"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("error:"), std::string::npos) << r.err;
}

// --line-buffered (a long-lived scorer behind a pipe) answers exactly as the
// batch path does: same lines for good, invalid, blank, oversized and
// unterminated requests, the same warnings and --max-errors. That it
// answers before its input ends is tested through CommandScorer
// (tests/reward/command_scorer_test.cc).
TEST(RewardCliTest, LineBufferedAnswersAsTheBatchPath) {
  std::string input;
  for (int i = 0; i < 40; ++i) input += Request(i, i % 3 ? "y = x + 2" : "y = x + 1");
  input += "{broken\n  \t\n" + std::string(3000, 'x') + "\r\n" + Request(99, "y = x+1");
  input += Request(100, "y = x + 1");
  input.pop_back();                                 // the last line has no '\n'
  for (const std::string max_errors : {"", "1"}) {  // "": no limit
    SCOPED_TRACE(max_errors);
    std::vector<std::string> limit;
    if (!max_errors.empty()) limit = {"--max-errors", max_errors};
    std::vector<std::string> batch_args = {"reward", "-j", "2", "--max-line-bytes", "2000"};
    batch_args.insert(batch_args.end(), limit.begin(), limit.end());
    std::vector<std::string> served_args = batch_args;
    served_args.push_back("--line-buffered");
    const auto batch = RunSwerl(batch_args, input);
    const auto served = RunSwerl(served_args, input);
    EXPECT_EQ(served.exit_code, batch.exit_code) << served.err;
    EXPECT_EQ(served.out, batch.out);
    EXPECT_EQ(Lines(served.out).size(), max_errors == "1" ? 42u : 44u);
    EXPECT_NE(served.err.find("line 43: line longer than --max-line-bytes"), std::string::npos)
        << served.err;
  }
}

TEST(RewardCliTest, MissingFileIsAnError) {
  const auto r = RunSwerl({"reward", "/nonexistent/requests.ndjson"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/requests.ndjson"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace swerl

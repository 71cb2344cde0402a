#include "swerl/reward/request.h"

#include <gtest/gtest.h>

#include <string>

#include "swerl/json/json_writer.h"

namespace swerl::reward {
namespace {

// Scores `line` (padded as the scorer requires).
Result<std::string> Answer(std::string line) {
  const size_t n = line.size();
  line.append(kRequestPadding, '\0');
  RequestScorer scorer;
  std::string out;
  auto counts = scorer.Score(std::string_view(line.data(), n), &out);
  if (!counts) return counts.error();
  return out;
}

constexpr const char* kFiles =
    R"("context":{"a.py":"x = 1\ny = x+1\n"},"oracle":{"a.py":"x = 1\ny = x + 1\n"})";
constexpr const char* kGood =
    R"(<think>t</think><solution>```\n### a.py\n<<<<<<< SEARCH\ny = x+1\n=======\ny = x + 1\n>>>>>>> REPLACE\n```</solution>)";

TEST(RequestScorer, SingleOutput) {
  auto r = Answer(std::string(R"({"id":"i1",)") + kFiles + R"(,"output":")" + kGood + "\"}");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r,
            "{\"id\":\"i1\",\"reward\":1.0,\"error\":null,"
            "\"files\":[{\"path\":\"a.py\",\"similarity\":1.0}]}\n");
}

TEST(RequestScorer, GroupOfOutputsAndIdKinds) {
  auto r = Answer(std::string(R"({"id":7,)") + kFiles + R"(,"outputs":[")" + kGood +
                  R"(","<think>t</think>"]})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r,
            "{\"id\":7,\"results\":[{\"reward\":1.0,\"error\":null,\"files\":[{\"path\":\"a.py\","
            "\"similarity\":1.0}]},{\"reward\":-1.0,\"error\":\"<solution> occurs 0 times, "
            "expected once\",\"files\":[]}]}\n");
}

TEST(RequestScorer, PredictedContents) {
  auto r = Answer(std::string(R"({"id":{"k":[1,2]},)") + kFiles +
                  R"(,"predicted":{"a.py":"x = 1\ny = x + 2\n"}})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->rfind("{\"id\":{\"k\":[1,2]},\"reward\":0.9", 0), 0u) << *r;
}

TEST(RequestScorer, InvalidRequestsNameTheProblem) {
  const std::pair<std::string, std::string> cases[] = {
      {"not json", "invalid JSON"},
      {"[1]", "not a JSON object"},
      {R"({"context":{},"oracle":{},"output":""})", "\"id\" is missing"},
      {R"({"id":1,"oracle":{},"output":""})", "\"context\" is missing or not an object"},
      {R"({"id":1,"context":{"a":1},"oracle":{},"output":""})", "member 'a' is not a string"},
      {R"({"id":1,"context":{},"oracle":{}})", "exactly one of"},
      {R"({"id":1,"context":{},"oracle":{},"output":"","predicted":{}})", "exactly one of"},
      {R"({"id":1,"context":{},"oracle":{},"outputs":[1]})", "not a string"},
      {R"({"id":1,"context":{"a":"\ud800"},"oracle":{},"output":""})", "invalid JSON"},
  };
  for (const auto& [line, want] : cases) {
    SCOPED_TRACE(line);
    auto r = Answer(line);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find(want), std::string::npos) << r.error().message();
  }
  std::string out;
  RequestScorer::AppendInvalid("bad", &out);
  EXPECT_EQ(out, "{\"id\":null,\"reward\":null,\"error\":\"invalid request: bad\"}\n");
}

// Issue 16: `echo '{"id":"r7","context":{},"oracle":{}}' | swerl reward` answered
// {"id":null,...}: the result of an invalid request now carries its id
// whenever the line is an object that has one, so results can be joined to
// requests by id; null only when no id could be read.
TEST(RequestScorer, InvalidRequestEchoesItsIdWhenReadable) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"id":"r7","context":{},"oracle":{}})", R"("r7")"},
      {R"({"id":42,"context":{"a":1},"oracle":{},"output":""})", "42"},
      {R"({"id":{"k":[1,"x"]},"oracle":{},"output":""})", R"({"k":[1,"x"]})"},
      {R"({"id":"r8","context":{},"oracle":{},"outputs":[1]})", R"("r8")"},
      {R"({"context":{},"oracle":{},"output":""})", "null"},
      {R"({"id":"r9","context":)", "null"},  // not JSON: nothing can be trusted
      {"[1]", "null"},
  };
  for (const auto& [line, id] : cases) {
    SCOPED_TRACE(line);
    std::string padded = line;
    padded.append(kRequestPadding, '\0');
    RequestScorer scorer;
    std::string out = "before\n";
    auto counts = scorer.Score(std::string_view(padded.data(), line.size()), &out);
    ASSERT_FALSE(counts);
    std::string error;
    json::AppendJsonString(&error, "invalid request: " + counts.error().message());
    EXPECT_EQ(out, "before\n{\"id\":" + id + ",\"reward\":null,\"error\":" + error + "}\n");
  }
}

TEST(RequestScorer, RawInvalidUtf8IsRepaired) {
  // A raw 0xFF byte inside a JSON string: one U+FFFD, as Python's
  // decode(errors="replace") before json.loads.
  auto r = Answer("{\"id\":\"\xff\",\"context\":{},\"oracle\":{},\"output\":\"\"}");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->rfind("{\"id\":\"\xef\xbf\xbd\",", 0), 0u) << *r;
}

}  // namespace
}  // namespace swerl::reward

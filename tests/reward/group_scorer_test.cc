// InProcessScorer and the request lines of a group: scores land at their
// (group, output) place, equal to scoring each output alone, and the
// request line is what `swerl reward` reads.
#include "swerl/reward/group_scorer.h"

#include <gtest/gtest.h>

#include "swerl/reward/request.h"

namespace swerl::reward {
namespace {

std::string Output(const std::string& search, const std::string& replace) {
  return "<think>\nr\n</think>\n<solution>\n```python\n### a.py\n<<<<<<< SEARCH\n" + search +
         "\n=======\n" + replace + "\n>>>>>>> REPLACE\n```\n</solution>";
}

ScoreGroup Group(std::string id, std::vector<std::string> outputs) {
  ScoreGroup g;
  g.id = std::move(id);
  g.context = {{"a.py", "x = 1\ny = x+1\nprint(y)\n"}};
  g.oracle = {{"a.py", "x = 1\ny = x + 1\nprint(y)\n"}};
  g.outputs = std::move(outputs);
  return g;
}

TEST(InProcessScorer, EachOutputGetsItsOwnScoreInPlace) {
  std::vector<ScoreGroup> groups;
  groups.push_back(
      Group("g0", {Output("y = x+1", "y = x + 1"), "no tags", Output("y = x+1", "y = x+2")}));
  groups.push_back(Group("g1", {}));
  groups.push_back(Group("g2", {Output("y = x", "y = x "), Output("y = x+1", "y = x+1")}));
  groups[2].oracle["b.py"] = "new\n";  // a second oracle file: similarities 0 for it
  InProcessScorer scorer;
  auto scores = scorer.ScoreGroups(groups);
  ASSERT_TRUE(scores);
  ASSERT_EQ(scores->size(), 3u);
  ASSERT_EQ((*scores)[0].size(), 3u);
  EXPECT_TRUE((*scores)[1].empty());
  ASSERT_EQ((*scores)[2].size(), 2u);
  EXPECT_EQ((*scores)[0][0].reward, 1.0);
  EXPECT_EQ((*scores)[0][1].reward, -1.0);
  EXPECT_NE((*scores)[0][1].error.find("<think> occurs 0 times"), std::string::npos);
  EXPECT_EQ((*scores)[0][2].reward, 0.9607843137254902);  // SPEC 5.2
  EXPECT_EQ((*scores)[2][1].reward, -1.0);
  EXPECT_NE((*scores)[2][1].error.find("identical"), std::string::npos) << (*scores)[2][1].error;
  // Every output equals scoring it alone.
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t k = 0; k < groups[g].outputs.size(); ++k) {
      const Score alone = ComputeReward(groups[g].context, groups[g].oracle, groups[g].outputs[k]);
      const Score& s = (*scores)[g][k];
      EXPECT_EQ(s.reward, alone.reward);
      EXPECT_EQ(s.error, alone.error);
      ASSERT_EQ(s.files.size(), alone.files.size());
      for (size_t f = 0; f < s.files.size(); ++f) {
        EXPECT_EQ(s.files[f].path, alone.files[f].path);
        EXPECT_EQ(s.files[f].similarity, alone.files[f].similarity);
      }
    }
  }
  ASSERT_EQ((*scores)[2][0].files.size(), 2u);
  EXPECT_EQ((*scores)[2][0].files[1].path, "b.py");
  EXPECT_EQ((*scores)[2][0].files[1].similarity, 0.0);
}

TEST(InProcessScorer, LimitsApply) {
  RewardLimits limits;
  limits.max_output_bytes = 10;
  InProcessScorer scorer(limits);
  // Longer than the oracle's own answer needs (which the guard always
  // allows, reward.h): a long thought.
  std::string output = Output("y = x+1", "y = x + 1");
  output.insert(output.find("</think>"), std::string(8000, 'r'));
  const std::vector<ScoreGroup> groups = {Group("g", {output})};
  auto scores = scorer.ScoreGroups(groups);
  ASSERT_TRUE(scores);
  EXPECT_EQ((*scores)[0][0].reward, -1.0);
  EXPECT_NE((*scores)[0][0].error.find("size guard"), std::string::npos) << (*scores)[0][0].error;
}

TEST(AppendGroupRequest, IsARequestLineSwerlRewardReads) {
  ScoreGroup g = Group("step 3/\"seed\" 7", {"a\n", "b\xff"});
  std::string line;
  AppendGroupRequest(g, &line);
  EXPECT_EQ(
      line,
      "{\"id\":\"step 3/\\\"seed\\\" 7\",\"context\":{\"a.py\":\"x = 1\\ny = x+1\\nprint(y)\\n\"},"
      "\"oracle\":{\"a.py\":\"x = 1\\ny = x + 1\\nprint(y)\\n\"},"
      "\"outputs\":[\"a\\n\",\"b\xef\xbf\xbd\"]}\n");
  // The request path of `swerl reward` accepts it and echoes the id.
  const size_t n = line.size() - 1;
  line.append(kRequestPadding, '\0');
  RequestScorer scorer;
  std::string out;
  auto counts = scorer.Score(std::string_view(line.data(), n), &out);
  ASSERT_TRUE(counts) << counts.error().message();
  EXPECT_EQ(counts->scores, 2u);
  EXPECT_EQ(out.rfind("{\"id\":\"step 3/\\\"seed\\\" 7\",\"results\":[", 0), 0u) << out;
}

}  // namespace
}  // namespace swerl::reward

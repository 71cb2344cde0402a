// `swerl link` over a store: closing keywords, cross-repository references
// resolved through repo_names, mentions, idempotent reruns, and the
// SWE-bench rule side by side.
#include "swerl/store/links.h"

#include <gtest/gtest.h>

#include "swerl/store/ingest.h"
#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl::store {
namespace {

std::string PrEvent(int id, const std::string& repo, int repo_id, int number,
                    const std::string& title, const std::string& body) {
  return R"({"id":")" + std::to_string(id) +
         R"(","type":"PullRequestEvent",)"
         R"("created_at":"2021-07-21T06:00:00Z","repo":")" +
         repo + R"(","repo_id":)" + std::to_string(repo_id) +
         R"(,"actor":"a","actor_id":1,"action":"opened","number":)" + std::to_string(number) +
         R"(,"era":"full","pull_request":{"id":)" + std::to_string(id) + R"(,"number":)" +
         std::to_string(number) + R"(,"title":")" + title + R"(","body":")" + body +
         R"(","state":"open","merged":false}})";
}

std::string Rows(db::Db* db) {
  auto stmt = db->Prepare(
      "SELECT repo_id, pr_number, target_repo, target_number, coalesce(target_repo_id, 'NULL'), "
      "closing, coalesce(keyword, ''), source FROM issue_links ORDER BY 1, 2, 3, 4");
  EXPECT_TRUE(stmt);
  std::string out;
  while (*stmt->Step()) {
    for (int c = 0; c < 8; ++c) out += std::string(c ? "|" : "") + std::string(stmt->Text(c));
    out += "\n";
  }
  return out;
}

TEST(Links, ClosingMentionsAndCrossRepositoryReferences) {
  testing::TempDir dir;
  auto db = OpenStore(dir.Join("l.db"), true);
  ASSERT_TRUE(db);
  auto ing = Ingester::Create(&*db);
  ASSERT_TRUE(ing);
  for (std::string line :
       {PrEvent(1, "acme/app", 10, 5, "Fix crash (fixes #3)",
                "Closes acme/lib#7, see #4 and other/unknown#9. Fixes: #3\\n<!-- fixes #99 -->"),
        PrEvent(2, "acme/lib", 20, 8, "Lib change", "fixes #1, fixes #2")}) {
    line.append(kRecordPadding, '\0');
    ASSERT_TRUE(ing->Add(std::string_view(line.data(), line.size() - kRecordPadding)));
  }
  ASSERT_TRUE(ing->Commit());

  auto counts = LinkPullRequests(&*db, link::RefRule::kSwerl);
  ASSERT_TRUE(counts) << counts.error().message();
  const std::string swerl_rows =
      "10|5||3|10|1|fixes|title\n"          // title and body: one row
      "10|5||4|10|0||body\n"                // a mention
      "10|5|acme/lib|7|20|1|Closes|body\n"  // resolved through repo_names
      "10|5|other/unknown|9|NULL|0||body\n"
      "20|8||1|20|1|fixes|body\n"
      "20|8||2|20|1|fixes|body\n";
  EXPECT_EQ(Rows(&*db), swerl_rows);
  EXPECT_EQ(counts->pull_requests, 2u);
  EXPECT_EQ(counts->references, 6u);
  EXPECT_EQ(counts->closing, 4u);
  EXPECT_EQ(counts->resolved, 5u);
  ASSERT_TRUE(LinkPullRequests(&*db, link::RefRule::kSwerl));  // idempotent
  EXPECT_EQ(Rows(&*db), swerl_rows);

  // SWE-bench's rule: same repository only, "Fixes: #3" missed, and of
  // "fixes #1, fixes #2" only the last number survives its dict().
  ASSERT_TRUE(LinkPullRequests(&*db, link::RefRule::kSweBench));
  EXPECT_EQ(Rows(&*db),
            "10|5||3|10|1|fixes|text\n"
            "20|8||2|20|1|fixes|text\n");
}

}  // namespace
}  // namespace swerl::store

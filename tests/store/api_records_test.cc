// ApiRecords: GitHub REST responses (tests/data/github_api/) to event-shaped
// records, and folding them over trimmed-era events with AddSnapshot.
#include "swerl/store/api_records.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "swerl/store/ingest.h"
#include "swerl/store/store.h"
#include "testing/testing.h"

namespace swerl::store {
namespace {

std::string Fixture(const std::string& name) {
  return testing::ReadFile(testing::DataPath("github_api/" + name));
}

const ApiRecordContext kCtx{"quarkline/ledger", 861200431, 412, "2025-12-01T10:00:00Z"};

std::vector<std::string> Records(ApiObject what, const std::string& fixture,
                                 const ApiRecordContext& ctx = kCtx) {
  auto r = ApiRecords(what, Fixture(fixture), ctx);
  EXPECT_TRUE(r) << r.error().message();
  return r ? *r : std::vector<std::string>{};
}

constexpr const char* kHead =
    R"({"id":"api","type":"%s","created_at":"2025-12-01T10:00:00Z","repo":"quarkline/ledger",)"
    R"("repo_id":861200431,"actor":null,"actor_id":null,"action":null,"number":412,"era":"full",)";

std::string Head(const std::string& type) {
  std::string h = kHead;
  return h.replace(h.find("%s"), 2, type);
}

TEST(ApiRecordsTest, SnapshotVersionOutranksEventsOfTheSameSecond) {
  EXPECT_EQ(SnapshotVersion("2025-12-01T10:00:00Z"), "2025-12-01T10:00:00Z99999999999999999999");
  EXPECT_GT(SnapshotVersion("2025-12-01T10:00:00Z"),
            EventVersion("2025-12-01T10:00:00Z", "99999999999"));
  EXPECT_LT(SnapshotVersion("2025-12-01T10:00:00Z"), EventVersion("2025-12-01T10:00:01Z", "1"));
}

TEST(ApiRecordsTest, PullRequestHasEveryEventField) {
  auto recs = Records(ApiObject::kPull, "pull.json");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(
      recs[0],
      Head("PullRequestEvent") +
          R"("pull_request":{"id":2893412201,"number":412,)"
          R"("title":"Escape non-ASCII bytes in CSV export",)"
          R"("body":"Fixes #398.\r\n\r\nThe exporter wrote raw UTF-8 into `\\x`-escaped fields; )"
          R"(this escapes them as `\\u00e9` → \"é\".",)"
          R"("state":"closed","draft":false,"merged":true,"merged_at":"2025-11-03T15:10:02Z",)"
          R"("merge_commit_sha":"c7e1f0a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3",)"
          R"("created_at":"2025-11-03T14:30:11Z","updated_at":"2025-11-03T15:10:04Z",)"
          R"("closed_at":"2025-11-03T15:10:02Z","user":"alice-dev","user_id":48112233,)"
          R"("user_type":"User","author_association":"CONTRIBUTOR","base_ref":"main",)"
          R"("base_sha":"a41d7c2e9b0f3a6d5c8e1b4f7a0d3c6e9b2f5a8d","base_repo":"quarkline/ledger",)"
          R"("base_repo_id":861200431,"head_ref":"fix/utf8-escapes",)"
          R"("head_sha":"5f0c2e9b7a1d4c3e8f6a2b1c0d9e8f7a6b5c4d3e","head_repo":"alice-dev/ledger",)"
          R"("head_repo_id":902117788,"additions":41,"deletions":7,"changed_files":2,"commits":3,)"
          R"("labels":["bug","export"],"merged_by":"bmaintainer"}})");
}

TEST(ApiRecordsTest, DeletedForkAndGhostAuthorGiveNulls) {
  const ApiRecordContext ctx{"quarkline/ledger", 861200431, 415, "2025-12-01T10:00:00Z"};
  auto recs = Records(ApiObject::kPull, "pull-deleted-fork.json", ctx);
  ASSERT_EQ(recs.size(), 1u);
  const std::string& r = recs[0];
  EXPECT_NE(r.find(R"("number":415,"era":"full")"), std::string::npos) << r;
  EXPECT_NE(r.find(R"("title":"WIP: parallel import","body":null,"state":"open","draft":true,)"
                   R"("merged":false,"merged_at":null,)"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find(R"("user":null,"user_id":null,"user_type":null,"author_association":"NONE")"),
            std::string::npos)
      << r;
  EXPECT_NE(
      r.find(
          R"("head_ref":"parallel-import","head_sha":"9b2f5a8d41d7c2e9b0f3a6d5c8e1b4f7a0d3c6e9",)"
          R"("head_repo":null,"head_repo_id":null,)"),
      std::string::npos)
      << r;
  EXPECT_NE(r.find(R"("labels":[],"merged_by":null}})"), std::string::npos) << r;
}

TEST(ApiRecordsTest, IssueTakesItsRepositoryFromRepositoryUrl) {
  const ApiRecordContext ctx{"old-owner/ledger", 861200431, 398, "2025-12-01T10:00:00Z"};
  auto recs = Records(ApiObject::kIssue, "issue.json", ctx);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(
      recs[0],
      R"({"id":"api","type":"IssuesEvent","created_at":"2025-12-01T10:00:00Z",)"
      R"("repo":"quarkline/ledger","repo_id":861200431,"actor":null,"actor_id":null,)"
      R"("action":null,"number":398,"era":"full","issue":{"id":3540120988,"number":398,)"
      R"("title":"CSV export mangles accented names",)"
      R"("body":"Exporting `Zoë Müller` gives `ZoÃ« MÃ¼ller`.\n\nSteps:\n1. add a customer\n2. export",)"
      R"("state":"closed","user":"carol-r","user_id":71203344,"user_type":"User",)"
      R"("author_association":"NONE","labels":["bug","good first issue"],)"
      R"("created_at":"2025-10-28T11:12:13Z","updated_at":"2025-11-03T15:10:05Z",)"
      R"("closed_at":"2025-11-03T15:10:03Z","is_pull_request":false}})");
}

TEST(ApiRecordsTest, IssueOfAPullRequestIsFlagged) {
  auto recs =
      ApiRecords(ApiObject::kIssue,
                 R"({"id":1,"number":412,"pull_request":{"url":"u","merged_at":null}})", kCtx);
  ASSERT_TRUE(recs);
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_NE((*recs)[0].find(R"("is_pull_request":true}})"), std::string::npos);
  recs = ApiRecords(ApiObject::kIssue, R"({"id":1,"number":412,"pull_request":null})", kCtx);
  ASSERT_TRUE(recs);
  EXPECT_NE((*recs)[0].find(R"("is_pull_request":false}})"), std::string::npos);
}

TEST(ApiRecordsTest, IssueCommentsLeaveTheIssueNull) {
  auto recs = Records(ApiObject::kIssueComments, "issue_comments.json");
  ASSERT_EQ(recs.size(), 2u);  // the string and the id-less object give none
  EXPECT_EQ(recs[0],
            Head("IssueCommentEvent") +
                R"("issue":null,"comment":{"id":3480011201,)"
                R"("body":"Coverage: 91.2% (+0.4%) ✅","user":"ci-helper[bot]",)"
                R"("user_id":41898282,"user_type":"Bot","author_association":"NONE",)"
                R"("created_at":"2025-11-03T14:31:02Z","updated_at":"2025-11-03T14:31:02Z"}})");
  EXPECT_NE(recs[1].find(R"("body":"thanks!\nwill this land in 2.3?","user":null,"user_id":null,)"
                         R"("user_type":null,)"),
            std::string::npos)
      << recs[1];
}

TEST(ApiRecordsTest, ReviewCommentsKeepTheirCodePosition) {
  auto recs = Records(ApiObject::kReviewComments, "review_comments.json");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1],
            Head("PullRequestReviewCommentEvent") +
                R"("pull_request":null,"comment":{"id":2501230477,)"
                R"("body":"Good catch, fixed in the next push.","user":"alice-dev",)"
                R"("user_id":48112233,"user_type":"User","author_association":"CONTRIBUTOR",)"
                R"("created_at":"2025-11-03T15:00:03Z","updated_at":"2025-11-03T15:00:03Z",)"
                R"("path":"ledger/export.py",)"
                R"("diff_hunk":"@@ -40,7 +40,9 @@ def escape(field):\n-    return field\n+    )"
                R"j(return field.encode(\"unicode_escape\")",)j"
                R"("commit_id":"5f0c2e9b7a1d4c3e8f6a2b1c0d9e8f7a6b5c4d3e",)"
                R"("original_commit_id":"5f0c2e9b7a1d4c3e8f6a2b1c0d9e8f7a6b5c4d3e",)"
                R"("line":42,"original_line":42,"side":"RIGHT","start_line":40,)"
                R"("in_reply_to_id":2501230001,"pull_request_review_id":3190450001}})");
  EXPECT_NE(recs[0].find(R"("start_line":null,"in_reply_to_id":null,)"), std::string::npos);
}

TEST(ApiRecordsTest, ReviewStatesAreLowerCased) {
  auto recs = Records(ApiObject::kReviews, "reviews.json");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0], Head("PullRequestReviewEvent") +
                         R"("pull_request":null,"review":{"id":3190442107,)"
                         R"("state":"changes_requested","body":"One nit, otherwise fine.",)"
                         R"("user":"bmaintainer","user_id":9034511,"user_type":"User",)"
                         R"("author_association":"MEMBER","submitted_at":"2025-11-03T14:55:40Z",)"
                         R"("commit_id":"3e8f6a2b1c0d9e8f7a6b5c4d3e5f0c2e9b7a1d4c"}})");
  EXPECT_NE(recs[1].find(R"("state":"approved","body":"",)"), std::string::npos);
}

TEST(ApiRecordsTest, EmptyListGivesNoRecords) {
  auto recs = ApiRecords(ApiObject::kReviews, "[]", kCtx);
  ASSERT_TRUE(recs);
  EXPECT_TRUE(recs->empty());
}

TEST(ApiRecordsTest, WrongShapesAreInvalidInput) {
  auto not_json = ApiRecords(ApiObject::kPull, "{\"id\":", kCtx);
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code(), Code::kInvalidInput);
  auto list_for_object = ApiRecords(ApiObject::kPull, "[]", kCtx);
  ASSERT_FALSE(list_for_object);
  EXPECT_EQ(list_for_object.error().code(), Code::kInvalidInput);
  auto object_for_list = ApiRecords(ApiObject::kIssueComments, R"({"message":"Not Found"})", kCtx);
  ASSERT_FALSE(object_for_list);
  EXPECT_EQ(object_for_list.error().code(), Code::kInvalidInput);
}

// Folding: the records fill what trimmed events left empty, and the review
// and comment records (with null pull_request/issue) erase nothing.
TEST(ApiRecordsTest, SnapshotsFillTrimmedPullRequestsWithoutErasingThem) {
  testing::TempDir dir;
  auto db = OpenStore(dir.Join("swerl.db"), /*create=*/true);
  ASSERT_TRUE(db) << db.error().message();
  auto ingester = Ingester::Create(&*db);
  ASSERT_TRUE(ingester);
  const std::string pad(kRecordPadding, ' ');
  std::string trimmed =
      R"({"id":"54871200011","type":"PullRequestEvent","created_at":"2025-11-03T14:30:12Z",)"
      R"("repo":"quarkline/ledger","repo_id":861200431,"actor":"alice-dev","actor_id":48112233,)"
      R"("action":"opened","number":412,"era":"trimmed","pull_request":{"id":2893412201,)"
      R"("number":412,"title":null,"body":null,"state":null,"draft":null,"merged":null,)"
      R"("merged_at":null,"merge_commit_sha":null,"created_at":null,"updated_at":null,)"
      R"("closed_at":null,"user":null,"user_id":null,"user_type":null,"author_association":null,)"
      R"("base_ref":"main","base_sha":"a41d7c2e9b0f3a6d5c8e1b4f7a0d3c6e9b2f5a8d",)"
      R"("base_repo":"quarkline/ledger","base_repo_id":861200431,"head_ref":"fix/utf8-escapes",)"
      R"("head_sha":"5f0c2e9b7a1d4c3e8f6a2b1c0d9e8f7a6b5c4d3e","head_repo":"alice-dev/ledger",)"
      R"("head_repo_id":902117788,"additions":null,"deletions":null,"changed_files":null,)"
      R"("commits":null,"labels":null,"merged_by":null}})";
  const size_t n = trimmed.size();
  trimmed += pad;
  ASSERT_TRUE(ingester->Add(std::string_view(trimmed.data(), n)));
  const std::string version = SnapshotVersion(kCtx.fetched_at);
  std::vector<std::string> all;
  for (auto [what, file] :
       {std::pair{ApiObject::kPull, "pull.json"}, std::pair{ApiObject::kReviews, "reviews.json"},
        std::pair{ApiObject::kReviewComments, "review_comments.json"},
        std::pair{ApiObject::kIssueComments, "issue_comments.json"}}) {
    for (auto& r : Records(what, file)) all.push_back(std::move(r));
  }
  // Conversation first, PR last, then again: order must not matter.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t k = 0; k < all.size(); ++k) {
      std::string line = all[(k + pass) % all.size()];
      const size_t size = line.size();
      line += pad;
      Status st = ingester->AddSnapshot(std::string_view(line.data(), size), version);
      ASSERT_TRUE(st) << st.error().message();
    }
  }
  ASSERT_TRUE(ingester->Commit());
  auto q = db->Prepare(
      "SELECT title, state, merged, merged_at, user, labels, head_sha, opened_by, "
      "(SELECT count(*) FROM reviews), (SELECT count(*) FROM review_comments), "
      "(SELECT count(*) FROM issue_comments), (SELECT state FROM reviews WHERE "
      "review_id = 3190460032), (SELECT merged FROM prs WHERE repo_id = 861200431 AND number = "
      "412) "
      "FROM pull_requests WHERE repo_id = 861200431 AND number = 412");
  ASSERT_TRUE(q) << q.error().message();
  auto row = q->Step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(q->Text(0), "Escape non-ASCII bytes in CSV export");
  EXPECT_EQ(q->Text(1), "closed");
  EXPECT_EQ(q->Int(2), 1);
  EXPECT_EQ(q->Text(3), "2025-11-03T15:10:02Z");
  EXPECT_EQ(q->Text(4), "alice-dev");
  EXPECT_EQ(q->Text(5), R"(["bug","export"])");
  EXPECT_EQ(q->Text(6), "5f0c2e9b7a1d4c3e8f6a2b1c0d9e8f7a6b5c4d3e");
  EXPECT_EQ(q->Text(7), "alice-dev");
  EXPECT_EQ(q->Int(8), 2);
  EXPECT_EQ(q->Int(9), 2);
  EXPECT_EQ(q->Int(10), 2);
  EXPECT_EQ(q->Text(11), "approved");
  EXPECT_EQ(q->Int(12), 1);  // the view: the snapshot outranks the trimmed "opened"
}

}  // namespace
}  // namespace swerl::store

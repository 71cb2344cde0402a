#include "swerl/gharchive/normalize.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "testing/testing.h"

namespace swerl::gharchive {
namespace {

using simdjson::dom::element;

const std::vector<std::string> kCommonKeys = {
    "id", "type", "created_at", "repo", "repo_id", "actor", "actor_id", "action", "number", "era"};

// A line followed by the 64 readable bytes Normalize requires.
class Padded {
 public:
  explicit Padded(std::string_view line) : buf_(line) { buf_.append(64, '\0'); }
  std::string_view view() const { return {buf_.data(), buf_.size() - 64}; }

 private:
  std::string buf_;
};

using testing::SplitLines;

struct Outcome {
  std::string out;
  std::vector<RecordSpan> spans;
  std::vector<LineResult> results;  // per line; an error leaves a default entry
  std::vector<std::string> errors;  // per line; "" when it succeeded
  uint64_t skipped_type = 0, skipped_timeline = 0;

  size_t Count(EventType type) const {
    size_t n = 0;
    for (const auto& s : spans) n += s.type == type;
    return n;
  }
  std::string_view Record(size_t i) const {
    return std::string_view(out).substr(spans[i].begin, spans[i].end - spans[i].begin);
  }
};

Outcome NormalizeLines(const std::vector<std::string>& lines, TypeSet types) {
  Normalizer normalizer(types);
  Outcome run;
  for (const auto& line : lines) {
    Padded padded(line);
    auto result = normalizer.Normalize(padded.view(), &run.out, &run.spans);
    if (result) {
      run.skipped_type += result->skipped_type;
      run.skipped_timeline += result->skipped_timeline;
      run.results.push_back(*result);
      run.errors.emplace_back();
    } else {
      run.results.emplace_back();
      run.errors.push_back(result.error().message());
    }
  }
  return run;
}

Outcome NormalizeFile(const std::string& name, TypeSet types) {
  return NormalizeLines(SplitLines(testing::ReadFile(testing::DataPath("gharchive/" + name))),
                        types);
}

// Parses one record (with its '\n') into `parser`; fails the test when it is
// not one JSON object.
element ParseRecord(simdjson::dom::parser& parser, std::string_view record) {
  EXPECT_FALSE(record.empty());
  EXPECT_EQ(record.back(), '\n');
  element doc;
  auto err = parser.parse(std::string(record)).get(doc);
  EXPECT_EQ(err, simdjson::SUCCESS) << record;
  EXPECT_TRUE(doc.is_object());
  return doc;
}

std::vector<std::string> Keys(element obj) {
  std::vector<std::string> keys;
  simdjson::dom::object o = obj.get_object().value();
  for (auto field : o) keys.emplace_back(field.key);
  return keys;
}

std::string Str(element e) { return std::string(e.get_string().value()); }

// ---------------------------------------------------------------------------
// The real 2021-07-21 fixture (800 lines, SOURCES facts in tests/data/gharchive/README.md).

TEST(NormalizeFixtureTest, CountsPerTypeWithDefaultTypes) {
  const Outcome run = NormalizeFile("2021-07-21-few-hours.json", TypeSet::Default());
  EXPECT_EQ(run.Count(EventType::kPullRequest), 64u);
  EXPECT_EQ(run.Count(EventType::kIssues), 21u);
  EXPECT_EQ(run.Count(EventType::kIssueComment), 36u);
  EXPECT_EQ(run.Count(EventType::kPullRequestReview), 28u);
  EXPECT_EQ(run.Count(EventType::kPullRequestReviewComment), 10u);
  EXPECT_EQ(run.Count(EventType::kPush), 0u);
  EXPECT_EQ(run.spans.size(), 159u);
  EXPECT_EQ(run.skipped_type, 800u - 159u);
  EXPECT_EQ(run.skipped_timeline, 0u);
  for (const auto& e : run.errors) EXPECT_EQ(e, "");
  for (const auto& r : run.results) EXPECT_EQ(r.repair, "");
}

TEST(NormalizeFixtureTest, PushEventsWhenSelected) {
  const Outcome run = NormalizeFile("2021-07-21-few-hours.json", *TypeSet::Parse("all"));
  EXPECT_EQ(run.Count(EventType::kPush), 425u);
  EXPECT_EQ(run.spans.size(), 159u + 425u);
  EXPECT_EQ(run.skipped_type, 800u - 584u);

  const Outcome only_push =
      NormalizeFile("2021-07-21-few-hours.json", *TypeSet::Parse("PushEvent"));
  EXPECT_EQ(only_push.spans.size(), 425u);
  // Commits per push (SOURCES.md): 1 -> 363, 2 -> 27, 0 -> 10, 20 (capped) -> 6.
  simdjson::dom::parser parser;
  std::map<size_t, int> by_commits;
  for (size_t i = 0; i < only_push.spans.size(); ++i) {
    element rec = ParseRecord(parser, only_push.Record(i));
    EXPECT_EQ(Str(rec["era"]), "full");
    EXPECT_TRUE(rec["action"].is_null());
    EXPECT_TRUE(rec["number"].is_null());
    ++by_commits[rec["push"]["commits"].get_array().size()];
  }
  EXPECT_EQ(by_commits[1], 363);
  EXPECT_EQ(by_commits[2], 27);
  EXPECT_EQ(by_commits[0], 10);
  EXPECT_EQ(by_commits[20], 6);
}

TEST(NormalizeFixtureTest, RecordsAreValidJsonWithCommonKeysFirst) {
  const Outcome run = NormalizeFile("2021-07-21-few-hours.json", TypeSet::All());
  simdjson::dom::parser parser;
  size_t expected_begin = 0;
  for (size_t i = 0; i < run.spans.size(); ++i) {
    const RecordSpan& span = run.spans[i];
    ASSERT_EQ(span.begin, expected_begin) << "spans tile the output";
    ASSERT_LT(span.begin, span.end);
    ASSERT_LE(span.end, run.out.size());
    expected_begin = span.end;
    element rec = ParseRecord(parser, run.Record(i));
    std::vector<std::string> keys = Keys(rec);
    ASSERT_GE(keys.size(), kCommonKeys.size());
    EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + kCommonKeys.size()),
              kCommonKeys);
    EXPECT_EQ(Str(rec["type"]), EventTypeName(span.type));
    EXPECT_EQ(span.id_key, std::stoull(Str(rec["id"])));
    EXPECT_EQ(Str(rec["era"]), "full");
  }
  EXPECT_EQ(expected_begin, run.out.size());
}

TEST(NormalizeFixtureTest, PerTypeObjectsAndKeyOrder) {
  const Outcome run = NormalizeFile("2021-07-21-few-hours.json", TypeSet::All());
  const std::map<std::string, std::vector<std::string>> tails = {
      {"PullRequestEvent", {"pull_request"}},
      {"IssuesEvent", {"issue"}},
      {"IssueCommentEvent", {"issue", "comment"}},
      {"PullRequestReviewEvent", {"pull_request", "review"}},
      {"PullRequestReviewCommentEvent", {"pull_request", "comment"}},
      {"PushEvent", {"push"}},
  };
  const std::vector<std::string> pr_keys = {"id",
                                            "number",
                                            "title",
                                            "body",
                                            "state",
                                            "draft",
                                            "merged",
                                            "merged_at",
                                            "merge_commit_sha",
                                            "created_at",
                                            "updated_at",
                                            "closed_at",
                                            "user",
                                            "user_id",
                                            "user_type",
                                            "author_association",
                                            "base_ref",
                                            "base_sha",
                                            "base_repo",
                                            "base_repo_id",
                                            "head_ref",
                                            "head_sha",
                                            "head_repo",
                                            "head_repo_id",
                                            "additions",
                                            "deletions",
                                            "changed_files",
                                            "commits",
                                            "labels",
                                            "merged_by"};
  simdjson::dom::parser parser;
  for (size_t i = 0; i < run.spans.size(); ++i) {
    element rec = ParseRecord(parser, run.Record(i));
    std::vector<std::string> keys = Keys(rec);
    const auto& tail = tails.at(Str(rec["type"]));
    EXPECT_EQ(std::vector<std::string>(keys.begin() + kCommonKeys.size(), keys.end()), tail);
    if (tail[0] == "pull_request") {
      EXPECT_EQ(Keys(rec["pull_request"]), pr_keys);
    }
  }
}

TEST(NormalizeFixtureTest, PullRequestAndConversationFacts) {
  const Outcome run = NormalizeFile("2021-07-21-few-hours.json", TypeSet::Default());
  simdjson::dom::parser parser;
  std::map<std::string, int> pr_actions, merged_on_close, user_types, review_states;
  int on_pr = 0, on_issue = 0;
  for (size_t i = 0; i < run.spans.size(); ++i) {
    element rec = ParseRecord(parser, run.Record(i));
    const std::string type = Str(rec["type"]);
    if (type == "PullRequestEvent") {
      const std::string action = Str(rec["action"]);
      ++pr_actions[action];
      element pr = rec["pull_request"];
      EXPECT_EQ(rec["number"].get_int64().value(), pr["number"].get_int64().value());
      if (action == "closed") ++merged_on_close[pr["merged"].get_bool().value() ? "yes" : "no"];
      ++user_types[Str(pr["user_type"])];
      EXPECT_FALSE(pr["head_repo"].is_null());  // no deleted forks in this sample
    } else if (type == "IssueCommentEvent") {
      (rec["issue"]["is_pull_request"].get_bool().value() ? on_pr : on_issue)++;
    } else if (type == "PullRequestReviewEvent") {
      ++review_states[Str(rec["review"]["state"])];
    }
  }
  EXPECT_EQ(pr_actions["opened"], 33);
  EXPECT_EQ(pr_actions["closed"], 31);
  EXPECT_EQ(merged_on_close["yes"], 25);
  EXPECT_EQ(merged_on_close["no"], 6);
  EXPECT_EQ(user_types["Bot"], 20);
  EXPECT_EQ(user_types["User"], 44);
  EXPECT_EQ(on_pr, 17);
  EXPECT_EQ(on_issue, 19);
  EXPECT_EQ(review_states["approved"], 13);
  EXPECT_EQ(review_states["commented"], 13);
  EXPECT_EQ(review_states["changes_requested"], 2);
}

TEST(NormalizeFixtureTest, Deterministic) {
  const auto lines =
      SplitLines(testing::ReadFile(testing::DataPath("gharchive/2021-07-21-few-hours.json")));
  const Outcome a = NormalizeLines(lines, TypeSet::All());
  const Outcome b = NormalizeLines(lines, TypeSet::All());
  EXPECT_EQ(a.out, b.out);
  // One Normalizer reused across differently sized lines gives the same bytes
  // as a fresh one per line.
  std::string fresh;
  for (const auto& line : lines) {
    Normalizer n(TypeSet::All());
    std::vector<RecordSpan> spans;
    Padded padded(line);
    ASSERT_TRUE(n.Normalize(padded.view(), &fresh, &spans));
  }
  EXPECT_EQ(a.out, fresh);
}

// ---------------------------------------------------------------------------
// Trimmed era (>= 2025-10-07; tests/data/gharchive/trimmed-era.json).

TEST(NormalizeTrimmedTest, StubsYieldNullsNeverInventedValues) {
  const Outcome run = NormalizeFile("trimmed-era.json", TypeSet::All());
  ASSERT_EQ(run.spans.size(), 10u);
  EXPECT_EQ(run.skipped_type, 1u);  // the WatchEvent
  simdjson::dom::parser parser;
  std::map<std::string, std::string> era_by_id;
  // Fields a trimmed pull_request may carry; all others must be null.
  const std::set<std::string> stub_fields = {"id",        "number",       "base_ref", "base_sha",
                                             "base_repo", "base_repo_id", "head_ref", "head_sha",
                                             "head_repo", "head_repo_id"};
  for (size_t i = 0; i < run.spans.size(); ++i) {
    element rec = ParseRecord(parser, run.Record(i));
    era_by_id[Str(rec["id"])] = Str(rec["era"]);
    element pr;
    if (rec["pull_request"].get(pr) == simdjson::SUCCESS) {
      simdjson::dom::object fields = pr.get_object().value();
      for (auto field : fields) {
        if (!stub_fields.count(std::string(field.key))) {
          EXPECT_TRUE(field.value.is_null()) << field.key << " in " << run.Record(i);
        }
      }
    }
  }
  EXPECT_EQ(era_by_id["54871200011"], "trimmed");  // PR opened
  EXPECT_EQ(era_by_id["54871200342"], "trimmed");  // review
  EXPECT_EQ(era_by_id["54871200343"], "trimmed");  // review comment
  EXPECT_EQ(era_by_id["54871201603"], "trimmed");  // push
  // Issue events cannot be told apart from early full-era ones by keys.
  EXPECT_EQ(era_by_id["54871198002"], "full");
  EXPECT_EQ(era_by_id["54871200788"], "full");
}

TEST(NormalizeTrimmedTest, MergedAndClosedActionsAndRepoNames) {
  const Outcome run = NormalizeFile("trimmed-era.json", TypeSet::All());
  simdjson::dom::parser parser;
  int checked = 0;
  for (size_t i = 0; i < run.spans.size(); ++i) {
    element rec = ParseRecord(parser, run.Record(i));
    const std::string id = Str(rec["id"]);
    if (id == "54871200011" || id == "54871201007") {  // opened / merged, PR 412
      element pr = rec["pull_request"];
      EXPECT_EQ(rec["number"].get_int64().value(), 412);
      EXPECT_TRUE(pr["merged"].is_null());  // even for action "merged"
      EXPECT_TRUE(pr["merged_at"].is_null());
      EXPECT_TRUE(pr["title"].is_null());
      EXPECT_TRUE(pr["user"].is_null());
      EXPECT_TRUE(pr["labels"].is_null());
      EXPECT_EQ(Str(pr["head_repo"]), "alice-dev/ledger");  // from the url
      EXPECT_EQ(pr["head_repo_id"].get_int64().value(), 902117788);
      EXPECT_EQ(Str(pr["base_repo"]), "quarkline/ledger");
      EXPECT_EQ(Str(pr["head_ref"]), "fix/utf8-escapes");
      ++checked;
    }
    if (id == "54871201007") {
      EXPECT_EQ(Str(rec["action"]), "merged");
    }
    if (id == "54871201290") {  // closed without merge, deleted fork
      EXPECT_EQ(Str(rec["action"]), "closed");
      element pr = rec["pull_request"];
      EXPECT_TRUE(pr["merged"].is_null());
      EXPECT_TRUE(pr["head_repo"].is_null());
      EXPECT_TRUE(pr["head_repo_id"].is_null());
      EXPECT_EQ(Str(pr["head_ref"]), "patch-1");
      EXPECT_EQ(Str(pr["base_repo"]), "quarkline/ledger");
      ++checked;
    }
    if (id == "54871200343") {  // review comment without line/side
      element c = rec["comment"];
      EXPECT_EQ(Str(c["body"]), "nit: keep the table sorted");
      EXPECT_EQ(Str(c["path"]), "src/escape.rs");
      EXPECT_TRUE(c["line"].is_null());
      EXPECT_TRUE(c["side"].is_null());
      EXPECT_TRUE(c["author_association"].is_null());
      EXPECT_EQ(c["pull_request_review_id"].get_int64().value(), 3190442107);
      ++checked;
    }
    if (id == "54871200788") {  // conversation comment on the PR
      EXPECT_TRUE(rec["issue"]["is_pull_request"].get_bool().value());
      EXPECT_TRUE(rec["issue"]["author_association"].is_null());
      EXPECT_TRUE(rec["issue"]["body"].is_null());  // null in the payload
      EXPECT_EQ(Str(rec["issue"]["title"]), "Fix UTF-8 escapes");
      ++checked;
    }
    if (id == "54871201603") {  // push: counts and commits are gone
      element push = rec["push"];
      EXPECT_EQ(push["push_id"].get_int64().value(), 28110934471);
      EXPECT_EQ(Str(push["ref"]), "refs/heads/main");
      EXPECT_TRUE(push["size"].is_null());
      EXPECT_TRUE(push["distinct_size"].is_null());
      EXPECT_TRUE(push["commits"].is_null());
      ++checked;
    }
    if (id == "54871198002") {  // U+2028 passes through unescaped
      EXPECT_NE(Str(rec["issue"]["body"]).find("a\u2028b"), std::string::npos);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 7);
}

// ---------------------------------------------------------------------------
// Timeline era (2011-2014; tests/data/gharchive/timeline-era.json).

TEST(NormalizeTimelineTest, SkippedAndCounted) {
  const Outcome run = NormalizeFile("timeline-era.json", TypeSet::All());
  EXPECT_EQ(run.skipped_timeline, 5u);
  EXPECT_EQ(run.skipped_type, 0u);
  ASSERT_EQ(run.spans.size(), 1u);  // the 2015-01-01 Events API line
  for (const auto& e : run.errors) EXPECT_EQ(e, "");
  simdjson::dom::parser parser;
  element rec = ParseRecord(parser, run.Record(0));
  EXPECT_EQ(Str(rec["created_at"]), "2015-01-01T15:00:03Z");
  EXPECT_EQ(Str(rec["issue"]["title"]), "Timeouts on large pushes");
  EXPECT_TRUE(rec["issue"]["author_association"].is_null());  // not yet in 2015
}

TEST(NormalizeTimelineTest, TimelineWinsOverTypeFilter) {
  // A timeline PushEvent is counted as timeline even when PushEvent is not selected.
  const Outcome run = NormalizeFile("timeline-era.json", TypeSet::Default());
  EXPECT_EQ(run.skipped_timeline, 5u);
}

// ---------------------------------------------------------------------------
// Repairs (SPEC §2.3; tests/data/gharchive/bad-lines.json, see its README).

TEST(NormalizeRepairTest, EachHazard) {
  const Outcome run = NormalizeFile("bad-lines.json", TypeSet::All());
  ASSERT_EQ(run.results.size(), 11u);
  auto emitted = [&](size_t line) { return run.results[line - 1].emitted; };
  auto repair = [&](size_t line) { return run.results[line - 1].repair; };
  auto error = [&](size_t line) { return run.errors[line - 1]; };
  // 1: clean control line.
  EXPECT_EQ(emitted(1), 1u);
  EXPECT_EQ(repair(1), "");
  // 2: malformed JSON inside a whole-looking line of a type never emitted
  // (DeleteEvent): skipped unparsed by the fast path, as event.md says.
  EXPECT_EQ(error(2), "");
  EXPECT_EQ(run.results[1].skipped_type, 1u);
  // 3: NUL bytes.
  EXPECT_EQ(emitted(3), 1u);
  EXPECT_EQ(repair(3), "dropped 9 NUL bytes");
  // 4: invalid UTF-8.
  EXPECT_EQ(emitted(4), 1u);
  EXPECT_EQ(repair(4), "replaced 2 invalid UTF-8 sequences");
  // 5: two objects on one line.
  EXPECT_EQ(emitted(5), 2u);
  EXPECT_EQ(repair(5), "split 2 concatenated objects");
  // 6: truncated event + the next one.
  EXPECT_EQ(emitted(6), 1u);
  EXPECT_EQ(repair(6), "split 2 concatenated objects; dropped 1 unparseable");
  // 7: not an object.
  EXPECT_EQ(error(7), "not a JSON object");
  // 8, 9: blank lines produce nothing.
  EXPECT_EQ(error(8), "");
  EXPECT_EQ(emitted(8), 0u);
  EXPECT_EQ(error(9), "");
  EXPECT_EQ(emitted(9), 0u);
  // 10: all at once.
  EXPECT_EQ(emitted(10), 2u);
  EXPECT_EQ(repair(10),
            "dropped 4 NUL bytes; replaced 1 invalid UTF-8 sequence; split 2 concatenated objects");
  // 11: truncated last line: the message says where.
  EXPECT_NE(error(11).find("truncated at byte 300"), std::string::npos) << error(11);
  EXPECT_EQ(run.spans.size(), 8u);
}

TEST(NormalizeFastPathTest, SkipsOnlyWholeLookingLinesOfUnselectedTypes) {
  const auto lines =
      SplitLines(testing::ReadFile(testing::DataPath("gharchive/2021-07-21-few-hours.json")));
  std::string push, issue;
  for (const auto& l : lines) {
    if (push.empty() && l.find("\"type\":\"PushEvent\"") != std::string::npos) push = l;
    if (issue.empty() && l.find("\"type\":\"IssuesEvent\"") != std::string::npos) issue = l;
  }
  ASSERT_FALSE(push.empty());
  ASSERT_FALSE(issue.empty());
  std::string issue_damaged = issue;
  issue_damaged.erase(issue_damaged.find(','), 1);
  const std::vector<std::string> cases = {
      push,                                     // 1: skipped unparsed
      push.substr(0, push.size() / 2),          // 2: cut off: parsed, reported
      push.substr(0, push.size() / 2) + issue,  // 3: concatenated: the issue is recovered
      issue_damaged,                            // 4: damage in a selected type: reported
      push + issue,                             // 5: two whole events: both seen
  };
  const Outcome run = NormalizeLines(cases, TypeSet::Default());
  EXPECT_EQ(run.results[0].skipped_type, 1u);
  EXPECT_EQ(run.errors[0], "");
  EXPECT_NE(run.errors[1], "");
  EXPECT_EQ(run.results[2].emitted, 1u);
  EXPECT_NE(run.errors[3], "");
  EXPECT_EQ(run.results[4].emitted, 1u);
  EXPECT_EQ(run.results[4].skipped_type, 1u);
}

// Lines of skipped types go unparsed only when whole: an event glued after a
// push cut at any byte is recovered (the scan for a second event start at
// every alignment), and a push with an org object cut anywhere in its last
// bytes is reported, not skipped.
TEST(NormalizeRepairTest, SkippedTypesAreCheckedAtEveryCut) {
  const auto lines =
      SplitLines(testing::ReadFile(testing::DataPath("gharchive/2021-07-21-few-hours.json")));
  std::string push, push_org, issue;
  for (const auto& l : lines) {
    const bool is_push = l.find("\"type\":\"PushEvent\"") != std::string::npos;
    const bool has_org = l.find(",\"org\":{\"id\":") != std::string::npos;
    if (push.empty() && is_push && !has_org) push = l;
    if (push_org.empty() && is_push && has_org) push_org = l;
    if (issue.empty() && l.find("\"type\":\"IssuesEvent\"") != std::string::npos) issue = l;
  }
  ASSERT_FALSE(push.empty());
  ASSERT_FALSE(push_org.empty());
  ASSERT_FALSE(issue.empty());
  std::vector<std::string> glued, cut;
  for (size_t at = 1; at < push.size(); ++at) glued.push_back(push.substr(0, at) + issue);
  for (size_t at = push_org.size() - 300; at < push_org.size(); ++at) {
    cut.push_back(push_org.substr(0, at));
  }
  const Outcome g = NormalizeLines(glued, TypeSet::Default());
  for (size_t k = 0; k < glued.size(); ++k) {
    EXPECT_EQ(g.results[k].emitted, 1u) << "push cut at " << k + 1 << ": " << g.errors[k];
  }
  const Outcome c = NormalizeLines(cut, TypeSet::Default());
  for (size_t k = 0; k < cut.size(); ++k) {
    EXPECT_NE(c.errors[k], "") << "push_org cut " << 300 - k << " bytes short was not reported";
  }
  // Whole, both are skipped without a word.
  const Outcome whole = NormalizeLines({push, push_org}, TypeSet::Default());
  EXPECT_EQ(whole.results[0].skipped_type + whole.results[1].skipped_type, 2u);
  EXPECT_EQ(whole.errors[0] + whole.errors[1], "");
}

// Python's json accepts lone surrogate escapes; simdjson rejects them and
// UTF-8 cannot hold them: they become U+FFFD, proper pairs and escaped
// backslashes stay as they are.
TEST(NormalizeRepairTest, LoneSurrogateEscapesBecomeReplacementCharacters) {
  const auto lines =
      SplitLines(testing::ReadFile(testing::DataPath("gharchive/2021-07-21-few-hours.json")));
  std::string issue;
  for (const auto& l : lines) {
    if (l.find("\"type\":\"IssuesEvent\"") != std::string::npos) {
      issue = l;
      break;
    }
  }
  const size_t title = issue.find("\"title\":\"");
  ASSERT_NE(title, std::string::npos);
  std::string line = issue;
  line.insert(title + 9, R"(A\ud83dB\ud83d\ude00C\ude00D\\ud83dE)");
  const Outcome run = NormalizeLines({line}, TypeSet::Default());
  ASSERT_EQ(run.errors[0], "");
  ASSERT_EQ(run.results[0].emitted, 1u);
  EXPECT_EQ(run.results[0].repair, "replaced 2 lone surrogate escapes");
  EXPECT_NE(run.out.find("\"title\":\"A\xEF\xBF\xBD"
                         "B\xF0\x9F\x98\x80"
                         "C\xEF\xBF\xBD"
                         "D\\\\ud83dE"),
            std::string::npos)
      << run.out.substr(0, 600);
}

TEST(NormalizeRepairTest, RepairedValuesAreTheOriginalOnes) {
  const auto lines = SplitLines(testing::ReadFile(testing::DataPath("gharchive/bad-lines.json")));
  const Outcome run = NormalizeLines(lines, TypeSet::All());
  simdjson::dom::parser parser;
  // Line 1 is the clean copy of line 4's event; line 4 has bytes inserted at
  // the start of the title, each replaced by U+FFFD.
  element clean = ParseRecord(parser, run.Record(0));
  const std::string title = Str(clean["issue"]["title"]);
  const std::string clean_id = Str(clean["id"]);
  element fixed = ParseRecord(parser, run.Record(2));
  EXPECT_EQ(Str(fixed["id"]), clean_id);
  EXPECT_EQ(Str(fixed["issue"]["title"]), "\xEF\xBF\xBD\xEF\xBF\xBD" + title);
  // The records of a split line follow each other, in input order.
  const size_t split_first = 3;
  EXPECT_EQ(run.spans[split_first].end, run.spans[split_first + 1].begin);
  EXPECT_EQ(run.spans[split_first].type, EventType::kIssues);
  EXPECT_EQ(run.spans[split_first + 1].type, EventType::kPush);
}

TEST(NormalizeRepairTest, FailureAppendsNothing) {
  Normalizer n(TypeSet::All());
  std::string out = "prefix\n";
  std::vector<RecordSpan> spans(1, RecordSpan{1, 0, 7, EventType::kPush});
  // Two unparseable pieces split at a boundary: nothing survives.
  Padded line(R"({"id":"1","type":"PushEvent",{"id":"2","type":)");
  auto r = n.Normalize(line.view(), &out, &spans);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidInput);
  EXPECT_EQ(out, "prefix\n");
  EXPECT_EQ(spans.size(), 1u);
}

TEST(NormalizeRepairTest, NulOnlyLineIsInvalid) {
  Normalizer n(TypeSet::All());
  std::string out;
  std::vector<RecordSpan> spans;
  Padded line(std::string(5, '\0'));
  auto r = n.Normalize(line.view(), &out, &spans);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("dropped 5 NUL bytes"), std::string::npos)
      << r.error().message();
  EXPECT_TRUE(out.empty());
}

// ---------------------------------------------------------------------------
// Field rules, on small inline events.

std::string NormalizeOne(std::string_view line, TypeSet types = TypeSet::All()) {
  Normalizer n(types);
  std::string out;
  std::vector<RecordSpan> spans;
  Padded padded(line);
  auto r = n.Normalize(padded.view(), &out, &spans);
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  return out;
}

constexpr std::string_view kEnvelope =
    R"("actor":{"id":7,"login":"octo"},"repo":{"id":9,"name":"o/r"},)"
    R"("created_at":"2020-01-01T00:00:00Z")";

std::string Event(std::string_view id, std::string_view type, std::string_view payload) {
  return "{\"id\":\"" + std::string(id) + "\",\"type\":\"" + std::string(type) + "\"," +
         std::string(kEnvelope) + ",\"payload\":" + std::string(payload) + "}";
}

TEST(NormalizeFieldsTest, CommonKeysExactly) {
  EXPECT_EQ(NormalizeOne(Event("42", "IssuesEvent", R"({"action":"opened"})")),
            R"({"id":"42","type":"IssuesEvent","created_at":"2020-01-01T00:00:00Z","repo":"o/r",)"
            R"("repo_id":9,"actor":"octo","actor_id":7,"action":"opened","number":null,)"
            R"("era":"full","issue":null})"
            "\n");
}

TEST(NormalizeFieldsTest, HeadRepoNameRules) {
  auto head_repo = [](std::string_view repo_json) {
    const std::string line = Event(
        "1", "PullRequestEvent",
        R"({"action":"opened","number":3,"pull_request":{"number":3,"head":{"ref":"x","repo":)" +
            std::string(repo_json) + "}}}");
    simdjson::dom::parser parser;
    const std::string out = NormalizeOne(line);
    element rec = ParseRecord(parser, out);
    element v = rec["pull_request"]["head_repo"];
    return v.is_null() ? std::string("null") : Str(v);
  };
  EXPECT_EQ(head_repo(R"({"full_name":"a/b","name":"b","url":"https://api.github.com/repos/c/d"})"),
            "a/b");
  EXPECT_EQ(head_repo(R"({"name":"a/b","url":"https://api.github.com/repos/c/d"})"), "a/b");
  EXPECT_EQ(head_repo(R"({"name":"b","url":"https://api.github.com/repos/c/d"})"), "c/d");
  EXPECT_EQ(head_repo(R"({"name":"b","url":"https://github.com/c/d"})"), "null");
  EXPECT_EQ(head_repo(R"({"url":"https://api.github.com/repos/c/d/e"})"), "null");
  EXPECT_EQ(head_repo(R"({"url":"https://api.github.com/repos/c/"})"), "null");
  EXPECT_EQ(head_repo("null"), "null");
}

TEST(NormalizeFieldsTest, WrongTypesAndGhostsBecomeNull) {
  const std::string line =
      Event("5", "PullRequestEvent",
            R"({"action":"closed","pull_request":{"id":1.5,"number":7,"title":12,"draft":"no",)"
            R"("additions":18446744073709551615,"deletions":-3,"user":null,"merged_by":null,)"
            R"("labels":[{"name":"bug"},{"color":"fff"},"loose",{"name":null}]}})");
  simdjson::dom::parser parser;
  const std::string out = NormalizeOne(line);
  element rec = ParseRecord(parser, out);
  element pr = rec["pull_request"];
  EXPECT_EQ(rec["number"].get_int64().value(), 7);  // from pull_request.number
  EXPECT_TRUE(pr["id"].is_null());                  // a double
  EXPECT_TRUE(pr["title"].is_null());               // a number
  EXPECT_TRUE(pr["draft"].is_null());               // a string
  EXPECT_TRUE(pr["additions"].is_null());           // above int64
  EXPECT_EQ(pr["deletions"].get_int64().value(), -3);
  EXPECT_TRUE(pr["user"].is_null());
  EXPECT_TRUE(pr["user_id"].is_null());
  EXPECT_TRUE(pr["user_type"].is_null());
  EXPECT_TRUE(pr["merged_by"].is_null());
  EXPECT_TRUE(pr["base_ref"].is_null());
  EXPECT_EQ(pr["labels"].get_array().size(), 1u);
  EXPECT_EQ(Str(pr["labels"].at(0)), "bug");
  EXPECT_EQ(Str(rec["era"]), "full");  // title/user keys present
}

TEST(NormalizeFieldsTest, IsPullRequestMarker) {
  auto is_pr = [](std::string_view issue_json) {
    simdjson::dom::parser parser;
    const std::string out =
        NormalizeOne(Event("1", "IssueCommentEvent",
                           R"({"action":"created","issue":)" + std::string(issue_json) + "}"));
    return ParseRecord(parser, out)["issue"]["is_pull_request"].get_bool().value();
  };
  EXPECT_TRUE(is_pr(R"({"number":1,"pull_request":{"url":"u"}})"));
  EXPECT_TRUE(is_pr(R"({"number":1,"pull_request":{}})"));
  EXPECT_FALSE(is_pr(R"({"number":1,"pull_request":null})"));
  EXPECT_FALSE(is_pr(R"({"number":1})"));
}

TEST(NormalizeFieldsTest, PushEraNeedsBothCommitsAndSizeGone) {
  auto era = [](std::string_view payload) {
    simdjson::dom::parser parser;
    const std::string out = NormalizeOne(Event("1", "PushEvent", payload));
    return Str(ParseRecord(parser, out)["era"]);
  };
  EXPECT_EQ(era(R"({"push_id":1,"ref":"r","head":"h","before":"b"})"), "trimmed");
  EXPECT_EQ(era(R"({"push_id":1,"size":0})"), "full");
  EXPECT_EQ(era(R"({"push_id":1,"commits":[]})"), "full");
}

TEST(NormalizeFieldsTest, UnselectedAndOtherTypesAreSkipped) {
  Normalizer n(TypeSet::Default());
  std::string out;
  std::vector<RecordSpan> spans;
  Padded push(Event("1", "PushEvent", "{}"));
  Padded watch(Event("2", "WatchEvent", "{}"));
  auto a = n.Normalize(push.view(), &out, &spans);
  auto b = n.Normalize(watch.view(), &out, &spans);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->skipped_type, 1u);
  EXPECT_EQ(b->skipped_type, 1u);
  EXPECT_TRUE(out.empty());
}

TEST(NormalizeFieldsTest, InvalidEvents) {
  Normalizer n(TypeSet::All());
  std::string out;
  std::vector<RecordSpan> spans;
  for (std::string_view bad : {R"({"id":5,"type":"PushEvent","actor":{},"repo":{}})",
                               R"({"id":"5","actor":{},"repo":{}})", R"("just a string")"}) {
    Padded line(bad);
    auto r = n.Normalize(line.view(), &out, &spans);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), Code::kInvalidInput);
  }
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(spans.empty());
}

TEST(NormalizeFieldsTest, EmptyAndWhitespaceLines) {
  Normalizer n(TypeSet::All());
  std::string out;
  std::vector<RecordSpan> spans;
  for (std::string_view blank : {"", " ", "\t \r"}) {
    Padded line(blank);
    auto r = n.Normalize(line.view(), &out, &spans);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->emitted + r->skipped_type + r->skipped_timeline, 0u);
    EXPECT_EQ(r->repair, "");
  }
  EXPECT_TRUE(out.empty());
}

TEST(NormalizeFieldsTest, AppendsAfterExistingOutput) {
  Normalizer n(TypeSet::All());
  std::string out = "earlier record\n";
  std::vector<RecordSpan> spans;
  Padded line(Event("77", "IssuesEvent", "{}"));
  ASSERT_TRUE(n.Normalize(line.view(), &out, &spans));
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].begin, 15u);
  EXPECT_EQ(spans[0].end, out.size());
  EXPECT_EQ(out.substr(0, 15), "earlier record\n");
  EXPECT_EQ(spans[0].id_key, 77u);
  EXPECT_EQ(spans[0].type, EventType::kIssues);
}

TEST(NormalizeFieldsTest, MovedNormalizerKeepsWorking) {
  Normalizer a(TypeSet::All());
  Normalizer b(std::move(a));
  std::string out;
  std::vector<RecordSpan> spans;
  Padded line(Event("1", "IssuesEvent", "{}"));
  ASSERT_TRUE(b.Normalize(line.view(), &out, &spans));
  EXPECT_EQ(spans.size(), 1u);
}

// ---------------------------------------------------------------------------
// Helpers of the public API.

TEST(EventIdKeyTest, DecimalOrTaggedHash) {
  EXPECT_EQ(EventIdKey("17244207336"), 17244207336u);
  EXPECT_EQ(EventIdKey("0"), 0u);
  EXPECT_EQ(EventIdKey("9223372036854775807"), 9223372036854775807u);
  for (std::string_view id :
       {"9223372036854775808", "99999999999999999999", "007", "", "abc", "12a", "-1", " 1"}) {
    EXPECT_TRUE(EventIdKey(id) >> 63) << id;
    EXPECT_EQ(EventIdKey(id), EventIdKey(std::string(id))) << id;
  }
  EXPECT_NE(EventIdKey("007"), EventIdKey("7"));
  EXPECT_NE(EventIdKey("abc"), EventIdKey("abd"));
  EXPECT_EQ(EventIdKey(""), 14695981039346656037ull | (1ull << 63));  // FNV-1a offset basis
}

TEST(TypeSetTest, Parse) {
  auto d = TypeSet::Parse("default");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->Has(EventType::kPullRequest));
  EXPECT_TRUE(d->Has(EventType::kPullRequestReviewComment));
  EXPECT_FALSE(d->Has(EventType::kPush));
  auto mixed = TypeSet::Parse(" default , PushEvent ");
  ASSERT_TRUE(mixed);
  EXPECT_TRUE(mixed->Has(EventType::kPush));
  EXPECT_TRUE(mixed->Has(EventType::kIssues));
  auto one = TypeSet::Parse("IssuesEvent");
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->Has(EventType::kIssues));
  EXPECT_FALSE(one->Has(EventType::kIssueComment));
  auto all = TypeSet::Parse("all");
  ASSERT_TRUE(all);
  for (int t = 0; t < kEventTypeCount - 1; ++t) EXPECT_TRUE(all->Has(static_cast<EventType>(t)));
  EXPECT_FALSE(all->Has(EventType::kOther));

  auto unknown = TypeSet::Parse("IssuesEvent,WatchEvent");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), Code::kInvalidInput);
  EXPECT_NE(unknown.error().message().find("'WatchEvent'"), std::string::npos);
  EXPECT_FALSE(TypeSet::Parse(""));
  EXPECT_FALSE(TypeSet::Parse("IssuesEvent,"));
}

TEST(EventTypeTest, NamesRoundTrip) {
  for (int t = 0; t < kEventTypeCount - 1; ++t) {
    const auto type = static_cast<EventType>(t);
    EXPECT_EQ(EventTypeFromName(EventTypeName(type)), type);
  }
  EXPECT_EQ(EventTypeName(EventType::kOther), "");
  EXPECT_EQ(EventTypeFromName("WatchEvent"), EventType::kOther);
  EXPECT_EQ(EventTypeFromName(""), EventType::kOther);
}

}  // namespace
}  // namespace swerl::gharchive

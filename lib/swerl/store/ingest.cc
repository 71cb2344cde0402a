#include "swerl/store/ingest.h"

#include <simdjson.h>

#include <algorithm>
#include <new>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "swerl/gharchive/normalize.h"
#include "swerl/json/json_writer.h"
#include "swerl/store/pending_rows.h"

static_assert(swerl::store::kRecordPadding >= simdjson::SIMDJSON_PADDING);

namespace swerl::store {

namespace {
void SetEventVersion(std::string* v, std::string_view created_at, std::string_view id) {
  v->assign(created_at);
  if (id.size() < 20) v->append(20 - id.size(), '0');
  v->append(id);
}
}  // namespace

std::string EventVersion(std::string_view created_at, std::string_view id) {
  std::string v;
  SetEventVersion(&v, created_at, id);
  return v;
}

namespace {

using simdjson::SUCCESS;
using simdjson::dom::element;
using simdjson::dom::object;

const TableSpec kPullRequests{
    "pull_requests",
    {"repo_id", "number"},
    {},
    {{"stub_ver",
      {"pr_id", "base_ref", "base_sha", "base_repo", "base_repo_id", "head_ref", "head_sha",
       "head_repo", "head_repo_id"}},
     {"detail_ver",
      {"title", "body", "state", "draft", "merge_commit_sha", "created_at", "updated_at", "user",
       "user_id", "user_type", "author_association", "labels"}},
     {"outcome_ver",
      {"merged", "merged_at", "closed_at", "additions", "deletions", "changed_files", "commits",
       "merged_by"}},
     {"act_ver", {"act_state", "act_merged", "act_at"}},
     {"opened_ver", {"opened_by"}},
     {"merger_ver", {"merged_by_actor"}}}};

const TableSpec kIssues{"issues",
                        {"repo_id", "number"},
                        {},
                        {{"main_ver",
                          {"issue_id", "title", "state", "labels", "user", "user_id", "user_type",
                           "created_at", "updated_at", "closed_at", "is_pull_request"}},
                         {"body_ver", {"body"}},
                         {"assoc_ver", {"author_association"}}}};

const TableSpec kIssueComments{
    "issue_comments",
    {"comment_id"},
    {"repo_id", "number"},
    {{"main_ver", {"body", "user", "user_id", "user_type", "created_at", "updated_at"}},
     {"assoc_ver", {"author_association"}},
     {"deleted_ver", {"deleted"}}}};

const TableSpec kReviews{
    "reviews",
    {"review_id"},
    {"repo_id", "number"},
    {{"main_ver", {"state", "user", "user_id", "user_type", "submitted_at", "commit_id"}},
     {"body_ver", {"body"}},
     {"assoc_ver", {"author_association"}}}};

const TableSpec kReviewComments{
    "review_comments",
    {"comment_id"},
    {"repo_id", "number"},
    {{"main_ver", {"body", "user", "user_id", "user_type", "created_at", "updated_at"}},
     {"code_ver",
      {"path", "diff_hunk", "commit_id", "original_commit_id", "line", "original_line", "side",
       "start_line", "in_reply_to_id", "pull_request_review_id"}},
     {"assoc_ver", {"author_association"}},
     {"deleted_ver", {"deleted"}}}};

// The members of one JSON object, for many lookups. A lookup resumes
// after the previous hit, so reading keys in the order `swerl events`
// writes them costs about one comparison each (simdjson's operator[] scans
// from the first member every time).
class Members {
 public:
  Members() = default;  // an absent object: finds nothing
  explicit Members(const object& obj) : obj_(obj) {
    for (auto field : obj) {
      if (n_ == kMax) {
        truncated_ = true;
        break;
      }
      new (&members_[n_++].member) Member{field.key, field.value};
    }
  }

  bool Find(std::string_view key, element* out) {
    for (size_t i = 0; i < n_; ++i) {
      size_t j = cursor_ + i;
      if (j >= n_) j -= n_;
      const Member& m = members_[j].member;
      if (m.first == key) {
        cursor_ = j + 1 == n_ ? 0 : j + 1;
        *out = m.second;
        return true;
      }
    }
    return truncated_ && obj_[key].get(*out) == SUCCESS;
  }

 private:
  static constexpr size_t kMax = 64;
  using Member = std::pair<std::string_view, element>;
  static_assert(std::is_trivially_destructible_v<Member>);
  // Uninitialized until filled: zeroing 64 slots per object cost more than
  // the lookups.
  union Slot {
    Slot() {}
    Member member;
  };
  object obj_;
  Slot members_[kMax];
  size_t n_ = 0, cursor_ = 0;
  bool truncated_ = false;
};

// Reads obj[key] as the column kind the schema wants.
Value Text(Members& obj, std::string_view key) {
  element e;
  std::string_view s;
  return obj.Find(key, &e) && e.get(s) == SUCCESS ? Value::Text(s) : Value{};
}
Value Int(Members& obj, std::string_view key) {
  element e;
  int64_t v;
  return obj.Find(key, &e) && e.get(v) == SUCCESS ? Value::Int(v) : Value{};
}
Value Bool(Members& obj, std::string_view key) {
  element e;
  bool b;
  return obj.Find(key, &e) && e.get(b) == SUCCESS ? Value::Int(b ? 1 : 0) : Value{};
}

// Past the line checks, every failure is the database's: never reported
// as a bad line (the event is already part of the open batch, which the
// caller must now abandon).
Error AsFatal(Error e) {
  if (e.code() != Code::kInvalidInput) return e;
  return Error(Code::kIo, "database error: " + e.message());
}

}  // namespace

// Text bytes staged in memory after which a batch is committed early.
constexpr size_t kMaxPendingBytes = size_t{256} << 20;

constexpr int32_t kSkippedEvent = -1;

// Ids per multi-row insert into events_seen (ResolveSeen): a statement's
// fixed cost, about that of inserting one row, is paid once per kSeenRows.
constexpr size_t kSeenRows = 500;

// Distinct events of the open batch per (type, era).
struct EventCount {
  std::string type, era;
  int64_t n = 0;
};

struct Ingester::Impl {
  db::Db* db;
  size_t batch_events;
  std::optional<db::Txn> txn;
  size_t in_batch = 0;
  simdjson::dom::parser parser;
  db::Stmt seen, counts, repo, repo_name, pr, issue, issue_comment, review, review_comment, log;
  TextArena arena;  // text of the pending rows
  PendingTable pending_pr{kPullRequests}, pending_issue{kIssues},
      pending_issue_comment{kIssueComments}, pending_review{kReviews},
      pending_review_comment{kReviewComments};
  PendingRepos pending_repos;
  std::vector<EventCount> pending_counts;
  // The batch's event id keys -> their slot in pending_counts, or
  // kSkippedEvent; marked seen in the database at commit (ResolveSeen).
  std::unordered_map<int64_t, int32_t> batch_ids;
  std::vector<int64_t> sorted_ids;
  db::Stmt seen_rows, max_seen;  // ResolveSeen's fast path
  std::vector<Value> values;
  std::string labels_a, labels_b;  // JSON of label arrays for this record
  std::string version;

  Status EnsureTxn() {
    if (!txn) {
      SWERL_ASSIGN_OR_RETURN(db::Txn t, db::Txn::Begin(db));
      txn.emplace(std::move(t));
    }
    return OkStatus();
  }

  // Returns the slot of (type, era) in pending_counts.
  int32_t CountEvent(std::string_view type, std::string_view era) {
    for (size_t k = 0; k < pending_counts.size(); ++k) {
      EventCount& c = pending_counts[k];
      if (c.type == type && c.era == era) {
        ++c.n;
        return static_cast<int32_t>(k);
      }
    }
    pending_counts.push_back({std::string(type), std::string(era), 1});
    return static_cast<int32_t>(pending_counts.size() - 1);
  }

  // Marks the batch's events as seen. Those an earlier batch or run had
  // already folded are recounted as duplicates in *c; folding them again
  // changed nothing, folding being idempotent. The ids go in ascending
  // order, so the rows append to events_seen's B-tree (event ids grow with
  // time). When every id is above the largest one seen before, as when hours
  // are ingested in order, none can be a duplicate and they go in
  // kSeenRows to a statement; otherwise one by one, each insert telling
  // whether the id was new.
  Status ResolveSeen(IngestCounts* c) {
    if (batch_ids.empty()) return OkStatus();
    sorted_ids.clear();
    for (const auto& [key, slot] : batch_ids) sorted_ids.push_back(key);
    std::sort(sorted_ids.begin(), sorted_ids.end());
    SWERL_ASSIGN_OR_RETURN(bool any, max_seen.Step());
    const bool all_new = !any || max_seen.IsNull(0) || max_seen.Int(0) < sorted_ids.front();
    max_seen.Reset();
    size_t done = 0;
    if (all_new) {
      for (; done + kSeenRows <= sorted_ids.size(); done += kSeenRows) {
        for (size_t k = 0; k < kSeenRows; ++k) {
          seen_rows.BindInt(static_cast<int>(k) + 1, sorted_ids[done + k]);
        }
        SWERL_RETURN_IF_ERROR(seen_rows.Run());
      }
    }
    for (; done < sorted_ids.size(); ++done) {
      const int64_t key = sorted_ids[done];
      seen.BindInt(1, key);
      SWERL_RETURN_IF_ERROR(seen.Run());
      if (db->changes() != 0) continue;
      const int32_t slot = batch_ids[key];
      ++c->duplicates;
      if (slot == kSkippedEvent) {
        --c->skipped;
      } else {
        --c->new_events;
        --pending_counts[static_cast<size_t>(slot)].n;
      }
    }
    batch_ids.clear();
    return OkStatus();
  }

  Status CommitTxn(IngestCounts* c) {
    if (!txn) return OkStatus();
    SWERL_RETURN_IF_ERROR(ResolveSeen(c));
    SWERL_RETURN_IF_ERROR(pending_repos.Flush(repo, repo_name));
    SWERL_RETURN_IF_ERROR(pending_pr.Flush(pr));
    SWERL_RETURN_IF_ERROR(pending_issue.Flush(issue));
    SWERL_RETURN_IF_ERROR(pending_issue_comment.Flush(issue_comment));
    SWERL_RETURN_IF_ERROR(pending_review.Flush(review));
    SWERL_RETURN_IF_ERROR(pending_review_comment.Flush(review_comment));
    arena.Clear();
    for (const EventCount& e : pending_counts) {
      if (e.n == 0) continue;
      counts.BindText(1, e.type);
      counts.BindText(2, e.era);
      counts.BindInt(3, e.n);
      SWERL_RETURN_IF_ERROR(counts.Run());
    }
    pending_counts.clear();
    SWERL_RETURN_IF_ERROR(txn->Commit());
    txn.reset();
    in_batch = 0;
    return OkStatus();
  }

  // Ends a folded event: commits when the batch is full.
  Status EndEvent(IngestCounts* c) {
    if (++in_batch >= batch_events || arena.bytes() >= kMaxPendingBytes) return CommitTxn(c);
    return OkStatus();
  }

  void Stage(PendingTable& table) {
    table.Merge(values, &arena);
    values.clear();
  }

  // Appends a group's values and its version: carried when the object is
  // present and, in the trimmed era, when any value is non-null.
  void Group(size_t first, bool present, bool full_era) {
    bool any = false;
    for (size_t k = first; k < values.size(); ++k) any |= !values[k].null();
    const bool carried = present && (full_era || any);
    if (!carried) {
      for (size_t k = first; k < values.size(); ++k) values[k] = Value{};
    }
    values.push_back(Value::Text(carried ? std::string_view(version) : std::string_view("")));
  }

  static void LabelsJson(Members& obj, std::string* out, Value* v) {
    element e;
    simdjson::dom::array arr;
    if (!obj.Find("labels", &e) || e.get(arr) != SUCCESS) {
      *v = Value{};
      return;
    }
    out->clear();
    json::JsonWriter w(out);
    w.BeginArray();
    for (element e : arr) {
      std::string_view s;
      if (e.get(s) == SUCCESS) w.ValidString(s);
    }
    w.EndArray();
    *v = Value::Text(*out);
  }

  void FoldPullRequest(int64_t repo_id, int64_t number, const element& pr_el, bool full,
                       std::string_view action, std::string_view actor,
                         std::string_view created_at, bool is_pr_event) {
    object pr_obj;
    const bool present = pr_el.get(pr_obj) == SUCCESS;
    Members pr = present ? Members(pr_obj) : Members();
    values.push_back(Value::Int(repo_id));
    values.push_back(Value::Int(number));
    size_t g = values.size();
    if (present) {
      values.push_back(Int(pr, "id"));
      for (auto k : {"base_ref", "base_sha", "base_repo"}) values.push_back(Text(pr, k));
      values.push_back(Int(pr, "base_repo_id"));
      for (auto k : {"head_ref", "head_sha", "head_repo"}) values.push_back(Text(pr, k));
      values.push_back(Int(pr, "head_repo_id"));
      const Value& base_repo = values[g + 3];
      const Value& base_repo_id = values[g + 4];
      if (!base_repo.null() && !base_repo_id.null()) {
        pending_repos.Add(base_repo_id.i, base_repo.s, version, /*as_main_name=*/false);
      }
    } else {
      values.resize(values.size() + 9);
    }
    Group(g, present, full);
    g = values.size();
    if (present) {
      for (auto k : {"title", "body", "state"}) values.push_back(Text(pr, k));
      values.push_back(Bool(pr, "draft"));
      for (auto k : {"merge_commit_sha", "created_at", "updated_at", "user"}) {
        values.push_back(Text(pr, k));
      }
      values.push_back(Int(pr, "user_id"));
      for (auto k : {"user_type", "author_association"}) values.push_back(Text(pr, k));
      values.emplace_back();
      LabelsJson(pr, &labels_a, &values.back());
    } else {
      values.resize(values.size() + 12);
    }
    Group(g, present, full);
    // The outcome group: only PullRequestEvent objects carry it.
    g = values.size();
    if (present && is_pr_event) {
      values.push_back(Bool(pr, "merged"));
      for (auto k : {"merged_at", "closed_at"}) values.push_back(Text(pr, k));
      for (auto k : {"additions", "deletions", "changed_files", "commits"}) {
        values.push_back(Int(pr, k));
      }
      values.push_back(Text(pr, "merged_by"));
    } else {
      values.resize(values.size() + 8);
    }
    Group(g, present && is_pr_event, full);
    // The action group: trimmed-era PullRequestEvent actions only.
    g = values.size();
    const bool act =
        is_pr_event && !full &&
        (action == "opened" || action == "reopened" || action == "closed" || action == "merged");
    if (act) {
      const bool open = action == "opened" || action == "reopened";
      values.push_back(Value::Text(open ? "open" : "closed"));
      values.push_back(Value::Int(action == "merged" ? 1 : 0));
      values.push_back(open ? Value{} : Value::Text(created_at));
    } else {
      values.resize(values.size() + 3);
    }
    Group(g, act, /*full_era=*/true);
    g = values.size();
    const bool opened = is_pr_event && action == "opened" && !actor.empty();
    values.push_back(opened ? Value::Text(actor) : Value{});
    Group(g, opened, true);
    g = values.size();
    bool merged_flag = false;
    if (present) merged_flag = Bool(pr, "merged").i == 1;
    const bool merger = is_pr_event && !actor.empty() &&
                        (action == "merged" || (action == "closed" && merged_flag));
    values.push_back(merger ? Value::Text(actor) : Value{});
    Group(g, merger, true);
    Stage(pending_pr);
  }

  void FoldIssue(int64_t repo_id, int64_t number, const object& obj, bool full) {
    Members is(obj);
    values.push_back(Value::Int(repo_id));
    values.push_back(Value::Int(number));
    size_t g = values.size();
    values.push_back(Int(is, "id"));
    for (auto k : {"title", "state"}) values.push_back(Text(is, k));
    values.emplace_back();
    LabelsJson(is, &labels_b, &values.back());
    values.push_back(Text(is, "user"));
    values.push_back(Int(is, "user_id"));
    for (auto k : {"user_type", "created_at", "updated_at", "closed_at"})
      values.push_back(Text(is, k));
    values.push_back(Bool(is, "is_pull_request"));
    Group(g, true, full);
    g = values.size();
    values.push_back(Text(is, "body"));
    Group(g, true, full);
    g = values.size();
    values.push_back(Text(is, "author_association"));
    Group(g, true, full);
    Stage(pending_issue);
  }

  // Comment-like rows keyed by their own id; repo_id/number fixed at insert.
  void FoldComment(int64_t repo_id, int64_t number, const object& obj, bool full, bool review,
                   bool deleted) {
    Members c(obj);
    const Value id = Int(c, "id");
    if (id.null()) return;  // nothing to key it by
    values.push_back(id);
    values.push_back(Value::Int(repo_id));
    values.push_back(Value::Int(number));
    size_t g = values.size();
    values.push_back(Text(c, "body"));
    values.push_back(Text(c, "user"));
    values.push_back(Int(c, "user_id"));
    for (auto k : {"user_type", "created_at", "updated_at"}) values.push_back(Text(c, k));
    Group(g, true, full);
    if (review) {
      g = values.size();
      for (auto k : {"path", "diff_hunk", "commit_id", "original_commit_id"})
        values.push_back(Text(c, k));
      for (auto k : {"line", "original_line"}) values.push_back(Int(c, k));
      values.push_back(Text(c, "side"));
      for (auto k : {"start_line", "in_reply_to_id", "pull_request_review_id"}) {
        values.push_back(Int(c, k));
      }
      Group(g, true, full);
    }
    g = values.size();
    values.push_back(Text(c, "author_association"));
    Group(g, true, full);
    g = values.size();
    values.push_back(deleted ? Value::Int(1) : Value{});
    Group(g, deleted, true);
    Stage(review ? pending_review_comment : pending_issue_comment);
  }

  void FoldReview(int64_t repo_id, int64_t number, const object& obj, bool full) {
    Members r(obj);
    const Value id = Int(r, "id");
    if (id.null()) return;
    values.push_back(id);
    values.push_back(Value::Int(repo_id));
    values.push_back(Value::Int(number));
    size_t g = values.size();
    for (auto k : {"state", "user"}) values.push_back(Text(r, k));
    values.push_back(Int(r, "user_id"));
    for (auto k : {"user_type", "submitted_at", "commit_id"}) values.push_back(Text(r, k));
    Group(g, true, full);
    g = values.size();
    values.push_back(Text(r, "body"));
    Group(g, true, full);
    g = values.size();
    values.push_back(Text(r, "author_association"));
    Group(g, true, full);
    Stage(pending_review);
  }

  void FoldRepoName(int64_t repo_id, std::string_view name) {
    if (!name.empty()) pending_repos.Add(repo_id, name, version, /*as_main_name=*/true);
  }

  // Folds a parsed record. Returns false when it was skipped.
  Result<bool> Fold(Members& rec) {
    auto text = [&](std::string_view key) { return Text(rec, key).s; };
    const Value type_v = Text(rec, "type");
    const std::string_view created_at = text("created_at"), repo_name_text = text("repo");
    const Value repo_id = Int(rec, "repo_id");
    const std::string_view actor = text("actor"), action = text("action");
    const Value number = Int(rec, "number");
    const Value era_v = Text(rec, "era");
    if (type_v.null()) return Error(Code::kInvalidInput, "no \"type\"");
    if (era_v.null()) return Error(Code::kInvalidInput, "no \"era\"");
    if (repo_id.null() || number.null()) return false;
    const std::string_view type = type_v.s;
    const bool full = era_v.s == "full";
    const bool is_pr_type = type == "PullRequestEvent" || type == "PullRequestReviewEvent" ||
                            type == "PullRequestReviewCommentEvent";
    const bool is_issue_type = type == "IssuesEvent" || type == "IssueCommentEvent";
    if (!is_pr_type && !is_issue_type) return false;
    FoldRepoName(repo_id.i, repo_name_text);
    element e;
    object obj;
    auto member = [&](std::string_view key) {
      return rec.Find(key, &e) && e.get(obj) == SUCCESS;
    };
    if (is_pr_type) {
      if (!rec.Find("pull_request", &e)) e = element();
      FoldPullRequest(repo_id.i, number.i, e, full, action, actor, created_at,
                      type == "PullRequestEvent");
    }
    if (is_issue_type && member("issue")) FoldIssue(repo_id.i, number.i, obj, full);
    if (type == "PullRequestReviewEvent" && member("review")) {
      FoldReview(repo_id.i, number.i, obj, full);
    }
    if ((type == "PullRequestReviewCommentEvent" || type == "IssueCommentEvent") &&
        member("comment")) {
      FoldComment(repo_id.i, number.i, obj, full, /*review=*/type != "IssueCommentEvent",
                  action == "deleted");
    }
    return true;
  }
};

Result<Ingester> Ingester::Create(db::Db* db, size_t batch_events) {
  auto impl = std::make_unique<Impl>();
  impl->db = db;
  impl->batch_events = std::max<size_t>(batch_events, 1);
  auto prep = [&](db::Stmt* out, const std::string& sql) -> Status {
    SWERL_ASSIGN_OR_RETURN(db::Stmt s, db->Prepare(sql));
    *out = std::move(s);
    return OkStatus();
  };
  SWERL_RETURN_IF_ERROR(prep(&impl->seen, "INSERT OR IGNORE INTO events_seen(event_id) VALUES (?)"));
  std::string rows = "INSERT INTO events_seen(event_id) VALUES (?)";
  for (size_t k = 1; k < kSeenRows; ++k) rows += ",(?)";
  SWERL_RETURN_IF_ERROR(prep(&impl->seen_rows, rows));
  SWERL_RETURN_IF_ERROR(prep(&impl->max_seen, "SELECT max(event_id) FROM events_seen"));
  SWERL_RETURN_IF_ERROR(prep(&impl->counts,
                             "INSERT INTO event_counts(type, era, n) VALUES (?, ?, ?) "
                             "ON CONFLICT(type, era) DO UPDATE SET n = n + excluded.n"));
  SWERL_RETURN_IF_ERROR(prep(&impl->repo,
                             "INSERT INTO repos(repo_id, name, name_ver) VALUES (?, ?, ?) "
                             "ON CONFLICT(repo_id) DO UPDATE SET "
                             "name = CASE WHEN excluded.name_ver > repos.name_ver "
                             "THEN excluded.name ELSE repos.name END, "
                             "name_ver = max(repos.name_ver, excluded.name_ver)"));
  SWERL_RETURN_IF_ERROR(prep(&impl->repo_name,
                             "INSERT INTO repo_names(name, repo_id, last_ver) VALUES (?, ?, ?) "
                             "ON CONFLICT(name) DO UPDATE SET "
                             "name = CASE WHEN excluded.last_ver > repo_names.last_ver "
                             "THEN excluded.name ELSE repo_names.name END, "
                             "repo_id = CASE WHEN excluded.last_ver > repo_names.last_ver "
                             "THEN excluded.repo_id ELSE repo_names.repo_id END, "
                             "last_ver = max(repo_names.last_ver, excluded.last_ver)"));
  SWERL_RETURN_IF_ERROR(prep(&impl->pr, UpsertSql(kPullRequests)));
  SWERL_RETURN_IF_ERROR(prep(&impl->issue, UpsertSql(kIssues)));
  SWERL_RETURN_IF_ERROR(prep(&impl->issue_comment, UpsertSql(kIssueComments)));
  SWERL_RETURN_IF_ERROR(prep(&impl->review, UpsertSql(kReviews)));
  SWERL_RETURN_IF_ERROR(prep(&impl->review_comment, UpsertSql(kReviewComments)));
  SWERL_RETURN_IF_ERROR(
      prep(&impl->log,
           "INSERT INTO ingest_log(input, started_at, finished_at, lines, "
           "new_events, duplicates, skipped, bad_lines) "
           "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?, ?, ?)"));
  return Ingester(std::move(impl));
}

Ingester::Ingester(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ingester::~Ingester() = default;
Ingester::Ingester(Ingester&&) noexcept = default;
Ingester& Ingester::operator=(Ingester&&) noexcept = default;

Status Ingester::Add(std::string_view line) {
  Impl& m = *impl_;
  ++counts_.lines;
  element root;
  object obj;
  if (m.parser.parse(line.data(), line.size(), false).get(root) != SUCCESS ||
      root.get(obj) != SUCCESS) {
    ++counts_.bad_lines;
    return Error(Code::kInvalidInput, "not a JSON object");
  }
  Members rec(obj);
  const Value id = Text(rec, "id"), type = Text(rec, "type"), era = Text(rec, "era");
  if (id.null() || type.null() || era.null()) {
    ++counts_.bad_lines;
    return Error(Code::kInvalidInput, "not an event record (needs string id, type and era)");
  }
  SWERL_RETURN_IF_ERROR(m.EnsureTxn());
  const auto [seen, fresh] =
      m.batch_ids.try_emplace(static_cast<int64_t>(gharchive::EventIdKey(id.s)), kSkippedEvent);
  if (!fresh) {  // twice in this batch; earlier batches are checked at commit
    ++counts_.duplicates;
    return OkStatus();
  }
  SetEventVersion(&m.version, Text(rec, "created_at").s, id.s);
  auto fold = m.Fold(rec);
  if (!fold) return AsFatal(std::move(fold).error());
  const bool folded = *fold;
  if (folded) {
    ++counts_.new_events;
    seen->second = m.CountEvent(type.s, era.s);
  } else {
    ++counts_.skipped;
  }
  return m.EndEvent(&counts_);
}

Status Ingester::AddSnapshot(std::string_view line, std::string_view version) {
  Impl& m = *impl_;
  element root;
  object obj;
  if (m.parser.parse(line.data(), line.size(), false).get(root) != SUCCESS ||
      root.get(obj) != SUCCESS) {
    return Error(Code::kInvalidInput, "snapshot is not a JSON object");
  }
  Members rec(obj);
  SWERL_RETURN_IF_ERROR(m.EnsureTxn());
  m.version.assign(version);
  auto fold = m.Fold(rec);
  if (!fold) return AsFatal(std::move(fold).error());
  if (!*fold) return Error(Code::kInvalidInput, "snapshot lacks repo_id or number");
  return m.EndEvent(&counts_);
}

Status Ingester::FinishInput(std::string_view input, std::string_view started_at) {
  Impl& m = *impl_;
  SWERL_RETURN_IF_ERROR(m.EnsureTxn());
  SWERL_RETURN_IF_ERROR(m.ResolveSeen(&counts_));  // settle the counts it logs
  m.log.BindText(1, input);
  m.log.BindText(2, started_at);
  m.log.BindInt(3, static_cast<int64_t>(counts_.lines));
  m.log.BindInt(4, static_cast<int64_t>(counts_.new_events));
  m.log.BindInt(5, static_cast<int64_t>(counts_.duplicates));
  m.log.BindInt(6, static_cast<int64_t>(counts_.skipped));
  m.log.BindInt(7, static_cast<int64_t>(counts_.bad_lines));
  SWERL_RETURN_IF_ERROR(m.log.Run());
  return m.CommitTxn(&counts_);
}

Status Ingester::Commit() { return impl_->CommitTxn(&counts_); }

}  // namespace swerl::store

#include "swerl/store/ingest.h"

#include <simdjson.h>

#include <ctime>
#include <map>
#include <vector>

#include "swerl/gharchive/normalize.h"
#include "swerl/json/json_writer.h"

static_assert(swerl::store::kRecordPadding >= simdjson::SIMDJSON_PADDING);

namespace swerl::store {

std::string EventVersion(std::string_view created_at, std::string_view id) {
  std::string v(created_at);
  if (id.size() < 20) v.append(20 - id.size(), '0');
  v.append(id);
  return v;
}

namespace {

using simdjson::SUCCESS;
using simdjson::dom::element;
using simdjson::dom::object;

// One bound value; text views point into the record being folded or into
// the ingester's scratch strings.
struct Value {
  enum class Type : uint8_t { kNull, kInt, kText } type = Type::kNull;
  int64_t i = 0;
  std::string_view s;
  static Value Int(int64_t v) { return {Type::kInt, v, {}}; }
  static Value Text(std::string_view v) { return {Type::kText, 0, v}; }
  bool null() const { return type == Type::kNull; }
};

struct GroupSpec {
  std::string_view ver;                   // version column
  std::vector<std::string_view> columns;  // in bind order
};

// A current-state table (schemas/swerl.sql): key columns, insert-only
// columns, and versioned column groups.
struct TableSpec {
  std::string_view table;
  std::vector<std::string_view> keys;
  std::vector<std::string_view> fixed;  // set on insert only
  std::vector<GroupSpec> groups;
};

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

// INSERT ... ON CONFLICT DO UPDATE that replaces each group only when the
// incoming version is newer. Bind order: keys, fixed, then per group its
// columns and its version ("" = the event does not carry the group).
std::string UpsertSql(const TableSpec& t) {
  std::string cols, marks, sets;
  auto add = [&](std::string_view c) {
    if (!cols.empty()) {
      cols += ", ";
      marks += ", ";
    }
    cols += c;
    marks += "?";
  };
  for (auto k : t.keys) add(k);
  for (auto f : t.fixed) add(f);
  for (const GroupSpec& g : t.groups) {
    for (auto c : g.columns) {
      add(c);
      if (!sets.empty()) sets += ", ";
      sets += std::string(c) + " = CASE WHEN excluded." + std::string(g.ver) + " > " +
              std::string(t.table) + "." + std::string(g.ver) + " THEN excluded." + std::string(c) +
              " ELSE " + std::string(t.table) + "." + std::string(c) + " END";
    }
    add(g.ver);
  }
  for (const GroupSpec& g : t.groups) {
    sets += ", " + std::string(g.ver) + " = max(" + std::string(t.table) + "." +
            std::string(g.ver) + ", excluded." + std::string(g.ver) + ")";
  }
  std::string keys;
  for (auto k : t.keys) keys += (keys.empty() ? "" : ", ") + std::string(k);
  return "INSERT INTO " + std::string(t.table) + " (" + cols + ") VALUES (" + marks +
         ") ON CONFLICT(" + keys + ") DO UPDATE SET " + sets;
}

void Bind(db::Stmt& stmt, const std::vector<Value>& values) {
  for (size_t k = 0; k < values.size(); ++k) {
    const int i = static_cast<int>(k) + 1;
    switch (values[k].type) {
      case Value::Type::kNull:
        stmt.BindNull(i);
        break;
      case Value::Type::kInt:
        stmt.BindInt(i, values[k].i);
        break;
      case Value::Type::kText:
        // The record, the scratch strings and the version outlive the step.
        stmt.BindTextNoCopy(i, values[k].s);
        break;
    }
  }
}

// Reads obj[key] as the column kind the schema wants.
Value Text(const object& obj, std::string_view key) {
  std::string_view s;
  return obj[key].get(s) == SUCCESS ? Value::Text(s) : Value{};
}
Value Int(const object& obj, std::string_view key) {
  int64_t v;
  return obj[key].get(v) == SUCCESS ? Value::Int(v) : Value{};
}
Value Bool(const object& obj, std::string_view key) {
  bool b;
  return obj[key].get(b) == SUCCESS ? Value::Int(b ? 1 : 0) : Value{};
}

// Past the line checks, every failure is the database's: never reported
// as a bad line (the event is already marked as seen in the open
// transaction, which the caller must now abandon).
Error AsFatal(Error e) {
  if (e.code() != Code::kInvalidInput) return e;
  return Error(Code::kIo, "database error: " + e.message());
}

}  // namespace

struct Ingester::Impl {
  db::Db* db;
  size_t batch_events;
  std::optional<db::Txn> txn;
  size_t in_batch = 0;
  simdjson::dom::parser parser;
  db::Stmt seen, counts, repo, repo_name, pr, issue, issue_comment, review, review_comment, log;
  std::map<std::pair<std::string, std::string>, int64_t> pending_counts;  // (type, era) -> n
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

  Status CommitTxn() {
    if (!txn) return OkStatus();
    for (const auto& [key, n] : pending_counts) {
      counts.BindText(1, key.first);
      counts.BindText(2, key.second);
      counts.BindInt(3, n);
      SWERL_RETURN_IF_ERROR(counts.Run());
    }
    pending_counts.clear();
    SWERL_RETURN_IF_ERROR(txn->Commit());
    txn.reset();
    in_batch = 0;
    return OkStatus();
  }

  Status Upsert(db::Stmt& stmt) {
    Bind(stmt, values);
    Status st = stmt.Run();
    values.clear();
    return st;
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

  static void LabelsJson(const object& obj, std::string* out, Value* v) {
    simdjson::dom::array arr;
    if (obj["labels"].get(arr) != SUCCESS) {
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

  Status FoldPullRequest(int64_t repo_id, int64_t number, const element& pr_el, bool full,
                         std::string_view action, std::string_view actor,
                         std::string_view created_at, bool is_pr_event) {
    object pr;
    const bool present = pr_el.get(pr) == SUCCESS;
    values.push_back(Value::Int(repo_id));
    values.push_back(Value::Int(number));
    size_t g = values.size();
    if (present) {
      values.push_back(Int(pr, "id"));
      for (auto k : {"base_ref", "base_sha", "base_repo"}) values.push_back(Text(pr, k));
      values.push_back(Int(pr, "base_repo_id"));
      for (auto k : {"head_ref", "head_sha", "head_repo"}) values.push_back(Text(pr, k));
      values.push_back(Int(pr, "head_repo_id"));
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
    if (present) (void)!pr["merged"].get(merged_flag);
    const bool merger = is_pr_event && !actor.empty() &&
                        (action == "merged" || (action == "closed" && merged_flag));
    values.push_back(merger ? Value::Text(actor) : Value{});
    Group(g, merger, true);
    return Upsert(this->pr);
  }

  Status FoldIssue(int64_t repo_id, int64_t number, const object& is, bool full) {
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
    return Upsert(issue);
  }

  // Comment-like rows keyed by their own id; repo_id/number fixed at insert.
  Status FoldComment(int64_t repo_id, int64_t number, const object& c, bool full, bool review,
                     bool deleted) {
    int64_t id;
    if (c["id"].get(id) != SUCCESS) return OkStatus();  // nothing to key it by
    values.push_back(Value::Int(id));
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
    return Upsert(review ? review_comment : issue_comment);
  }

  Status FoldReview(int64_t repo_id, int64_t number, const object& r, bool full) {
    int64_t id;
    if (r["id"].get(id) != SUCCESS) return OkStatus();
    values.push_back(Value::Int(id));
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
    return Upsert(review);
  }

  Status FoldRepoName(int64_t repo_id, std::string_view name) {
    if (name.empty()) return OkStatus();
    repo.BindInt(1, repo_id);
    repo.BindText(2, name);
    repo.BindText(3, version);
    SWERL_RETURN_IF_ERROR(repo.Run());
    repo_name.BindText(1, name);
    repo_name.BindInt(2, repo_id);
    repo_name.BindText(3, version);
    return repo_name.Run();
  }

  // Folds a parsed record. Returns false when it was skipped.
  Result<bool> Fold(const object& rec) {
    std::string_view type, era, action, actor, created_at, repo_name_text;
    int64_t repo_id, number;
    if (rec["type"].get(type) != SUCCESS) return Error(Code::kInvalidInput, "no \"type\"");
    if (rec["era"].get(era) != SUCCESS) return Error(Code::kInvalidInput, "no \"era\"");
    (void)!rec["action"].get(action);
    (void)!rec["actor"].get(actor);
    (void)!rec["created_at"].get(created_at);
    (void)!rec["repo"].get(repo_name_text);
    if (rec["repo_id"].get(repo_id) != SUCCESS || rec["number"].get(number) != SUCCESS) {
      return false;
    }
    const bool full = era == "full";
    const bool is_pr_type = type == "PullRequestEvent" || type == "PullRequestReviewEvent" ||
                            type == "PullRequestReviewCommentEvent";
    const bool is_issue_type = type == "IssuesEvent" || type == "IssueCommentEvent";
    if (!is_pr_type && !is_issue_type) return false;
    SWERL_RETURN_IF_ERROR(FoldRepoName(repo_id, repo_name_text));
    if (is_pr_type) {
      element pr = rec["pull_request"].value_unsafe();
      SWERL_RETURN_IF_ERROR(FoldPullRequest(repo_id, number, pr, full, action, actor, created_at,
                                            type == "PullRequestEvent"));
      object pr_obj;
      if (pr.get(pr_obj) == SUCCESS) {
        std::string_view base_repo;
        int64_t base_repo_id;
        if (pr_obj["base_repo"].get(base_repo) == SUCCESS &&
            pr_obj["base_repo_id"].get(base_repo_id) == SUCCESS) {
          repo_name.BindText(1, base_repo);
          repo_name.BindInt(2, base_repo_id);
          repo_name.BindText(3, version);
          SWERL_RETURN_IF_ERROR(repo_name.Run());
        }
      }
    }
    object obj;
    if (type == "PullRequestReviewEvent" && rec["review"].get(obj) == SUCCESS) {
      SWERL_RETURN_IF_ERROR(FoldReview(repo_id, number, obj, full));
    }
    if (type == "PullRequestReviewCommentEvent" && rec["comment"].get(obj) == SUCCESS) {
      SWERL_RETURN_IF_ERROR(
          FoldComment(repo_id, number, obj, full, /*review=*/true, action == "deleted"));
    }
    if (is_issue_type && rec["issue"].get(obj) == SUCCESS) {
      SWERL_RETURN_IF_ERROR(FoldIssue(repo_id, number, obj, full));
    }
    if (type == "IssueCommentEvent" && rec["comment"].get(obj) == SUCCESS) {
      SWERL_RETURN_IF_ERROR(
          FoldComment(repo_id, number, obj, full, /*review=*/false, action == "deleted"));
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
  SWERL_RETURN_IF_ERROR(
      prep(&impl->seen, "INSERT OR IGNORE INTO events_seen(event_id) VALUES (?)"));
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
  object rec;
  if (m.parser.parse(line.data(), line.size(), false).get(root) != SUCCESS ||
      root.get(rec) != SUCCESS) {
    ++counts_.bad_lines;
    return Error(Code::kInvalidInput, "not a JSON object");
  }
  std::string_view id, created_at, type, era;
  if (rec["id"].get(id) != SUCCESS || rec["type"].get(type) != SUCCESS ||
      rec["era"].get(era) != SUCCESS) {
    ++counts_.bad_lines;
    return Error(Code::kInvalidInput, "not an event record (needs string id, type and era)");
  }
  (void)!rec["created_at"].get(created_at);
  SWERL_RETURN_IF_ERROR(m.EnsureTxn());
  m.seen.BindInt(1, static_cast<int64_t>(gharchive::EventIdKey(id)));
  SWERL_RETURN_IF_ERROR(m.seen.Run());
  if (m.db->changes() == 0) {
    ++counts_.duplicates;
    return OkStatus();
  }
  m.version = EventVersion(created_at, id);
  auto fold = m.Fold(rec);
  if (!fold) return AsFatal(std::move(fold).error());
  const bool folded = *fold;
  if (folded) {
    ++counts_.new_events;
    ++m.pending_counts[{std::string(type), std::string(era)}];
  } else {
    ++counts_.skipped;
  }
  if (++m.in_batch >= m.batch_events) SWERL_RETURN_IF_ERROR(m.CommitTxn());
  return OkStatus();
}

Status Ingester::AddSnapshot(std::string_view line, std::string_view version) {
  Impl& m = *impl_;
  element root;
  object rec;
  if (m.parser.parse(line.data(), line.size(), false).get(root) != SUCCESS ||
      root.get(rec) != SUCCESS) {
    return Error(Code::kInvalidInput, "snapshot is not a JSON object");
  }
  SWERL_RETURN_IF_ERROR(m.EnsureTxn());
  m.version = std::string(version);
  auto fold = m.Fold(rec);
  if (!fold) return AsFatal(std::move(fold).error());
  if (!*fold) return Error(Code::kInvalidInput, "snapshot lacks repo_id or number");
  if (++m.in_batch >= m.batch_events) SWERL_RETURN_IF_ERROR(m.CommitTxn());
  return OkStatus();
}

Status Ingester::FinishInput(std::string_view input, std::string_view started_at) {
  Impl& m = *impl_;
  SWERL_RETURN_IF_ERROR(m.EnsureTxn());
  m.log.BindText(1, input);
  m.log.BindText(2, started_at);
  m.log.BindInt(3, static_cast<int64_t>(counts_.lines));
  m.log.BindInt(4, static_cast<int64_t>(counts_.new_events));
  m.log.BindInt(5, static_cast<int64_t>(counts_.duplicates));
  m.log.BindInt(6, static_cast<int64_t>(counts_.skipped));
  m.log.BindInt(7, static_cast<int64_t>(counts_.bad_lines));
  SWERL_RETURN_IF_ERROR(m.log.Run());
  return m.CommitTxn();
}

Status Ingester::Commit() { return impl_->CommitTxn(); }

}  // namespace swerl::store

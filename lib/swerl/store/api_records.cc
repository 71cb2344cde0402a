#include "swerl/store/api_records.h"

#include <simdjson.h>

#include "swerl/json/json_writer.h"

namespace swerl::store {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// "owner/name" from the "/repos/OWNER/NAME" part of an API URL (any host:
// tests serve the API from 127.0.0.1); "" when the URL has none.
std::string_view RepoFromApiUrl(std::string_view url) {
  constexpr std::string_view kRepos = "/repos/";
  const size_t at = url.find(kRepos);
  if (at == std::string_view::npos) return {};
  std::string_view rest = url.substr(at + kRepos.size());
  const size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 >= rest.size()) return {};
  const size_t end = rest.find_first_of("/?#", slash + 1);
  const size_t len = end == std::string_view::npos ? rest.size() : end;
  if (len == slash + 1) return {};
  return rest.substr(0, len);
}

// Writes obj[key] when it holds the wanted JSON type, else null (the Null
// rules of schemas/records/event.md).
class Fields {
 public:
  Fields(json::JsonWriter* w, const object& obj) : w_(w), obj_(obj), ok_(true) {}
  // A nested object: obj[key] when it is an object, else every field null.
  Fields(json::JsonWriter* w, const Fields& parent, std::string_view key) : w_(w) {
    ok_ = parent.ok_ && parent.obj_[key].get(obj_) == SUCCESS;
  }

  void Str(std::string_view out_key, std::string_view key) {
    w_->Key(out_key);
    std::string_view s;
    if (ok_ && obj_[key].get(s) == SUCCESS) {
      w_->ValidString(s);
    } else {
      w_->Null();
    }
  }
  void Int(std::string_view out_key, std::string_view key) {
    w_->Key(out_key);
    int64_t v;
    if (ok_ && obj_[key].get(v) == SUCCESS) {
      w_->Int(v);
    } else {
      w_->Null();
    }
  }
  void Bool(std::string_view out_key, std::string_view key) {
    w_->Key(out_key);
    bool b;
    if (ok_ && obj_[key].get(b) == SUCCESS) {
      w_->Bool(b);
    } else {
      w_->Null();
    }
  }
  // user.login, user.id, user.type (a ghost user gives three nulls).
  void User(std::string_view prefix, std::string_view key) {
    Fields user(w_, *this, key);
    const std::string p(prefix);
    user.Str(p, "login");
    user.Int(p + "_id", "id");
    user.Str(p + "_type", "type");
  }
  // The login of obj[key] only (merged_by).
  void Login(std::string_view out_key, std::string_view key) {
    Fields(w_, *this, key).Str(out_key, "login");
  }
  void Labels() {
    w_->Key("labels");
    array arr;
    if (!ok_ || obj_["labels"].get(arr) != SUCCESS) {
      w_->Null();
      return;
    }
    w_->BeginArray();
    for (element label : arr) {
      std::string_view name;
      if (label["name"].get(name) == SUCCESS) w_->ValidString(name);
    }
    w_->EndArray();
  }
  // base/head: ref, sha, repo as owner/name, repo id.
  void Branch(std::string_view prefix, std::string_view key) {
    Fields br(w_, *this, key);
    const std::string p(prefix);
    br.Str(p + "_ref", "ref");
    br.Str(p + "_sha", "sha");
    object repo;
    const bool has_repo = br.ok_ && br.obj_["repo"].get(repo) == SUCCESS;
    w_->Key(p + "_repo");
    std::string_view name = has_repo ? RepoName(repo) : std::string_view();
    if (name.empty()) {
      w_->Null();
    } else {
      w_->ValidString(name);
    }
    w_->Key(p + "_repo_id");
    int64_t id;
    if (has_repo && repo["id"].get(id) == SUCCESS) {
      w_->Int(id);
    } else {
      w_->Null();
    }
  }

  // full_name; a name containing '/'; the /repos/O/N of its url.
  static std::string_view RepoName(const object& repo) {
    std::string_view s;
    if (repo["full_name"].get(s) == SUCCESS) return s;
    if (repo["name"].get(s) == SUCCESS && s.find('/') != std::string_view::npos) return s;
    if (repo["url"].get(s) == SUCCESS) return RepoFromApiUrl(s);
    return {};
  }

 private:
  json::JsonWriter* w_;
  object obj_;
  bool ok_ = false;
};

// The keys every record starts with (event.md "Common keys").
void Common(json::JsonWriter& w, std::string_view type, std::string_view repo,
            const ApiRecordContext& ctx) {
  w.BeginObject();
  w.Key("id");
  w.String("api");
  w.Key("type");
  w.String(type);
  w.Key("created_at");
  w.String(ctx.fetched_at);
  w.Key("repo");
  if (repo.empty()) repo = ctx.repo;
  if (repo.empty()) {
    w.Null();
  } else {
    w.String(repo);
  }
  w.Key("repo_id");
  w.Int(ctx.repo_id);
  for (auto k : {"actor", "actor_id", "action"}) {
    w.Key(k);
    w.Null();
  }
  w.Key("number");
  w.Int(ctx.number);
  w.Key("era");
  w.String("full");
}

std::string PullRecord(const object& pr, const ApiRecordContext& ctx) {
  std::string out;
  json::JsonWriter w(&out);
  std::string_view repo;
  object base, base_repo;
  if (pr["base"].get(base) == SUCCESS && base["repo"].get(base_repo) == SUCCESS) {
    repo = Fields::RepoName(base_repo);
  }
  Common(w, "PullRequestEvent", repo, ctx);
  w.Key("pull_request");
  w.BeginObject();
  Fields f(&w, pr);
  f.Int("id", "id");
  f.Int("number", "number");
  f.Str("title", "title");
  f.Str("body", "body");
  f.Str("state", "state");
  f.Bool("draft", "draft");
  f.Bool("merged", "merged");
  f.Str("merged_at", "merged_at");
  f.Str("merge_commit_sha", "merge_commit_sha");
  f.Str("created_at", "created_at");
  f.Str("updated_at", "updated_at");
  f.Str("closed_at", "closed_at");
  f.User("user", "user");
  f.Str("author_association", "author_association");
  f.Branch("base", "base");
  f.Branch("head", "head");
  f.Int("additions", "additions");
  f.Int("deletions", "deletions");
  f.Int("changed_files", "changed_files");
  f.Int("commits", "commits");
  f.Labels();
  f.Login("merged_by", "merged_by");
  w.EndObject();
  w.EndObject();
  return out;
}

std::string IssueRecord(const object& issue, const ApiRecordContext& ctx) {
  std::string out;
  json::JsonWriter w(&out);
  std::string_view url;
  (void)!issue["repository_url"].get(url);
  Common(w, "IssuesEvent", RepoFromApiUrl(url), ctx);
  w.Key("issue");
  w.BeginObject();
  Fields f(&w, issue);
  f.Int("id", "id");
  f.Int("number", "number");
  f.Str("title", "title");
  f.Str("body", "body");
  f.Str("state", "state");
  f.User("user", "user");
  f.Str("author_association", "author_association");
  f.Labels();
  f.Str("created_at", "created_at");
  f.Str("updated_at", "updated_at");
  f.Str("closed_at", "closed_at");
  w.Key("is_pull_request");
  element pr;
  w.Bool(issue["pull_request"].get(pr) == SUCCESS && !pr.is_null());
  w.EndObject();
  w.EndObject();
  return out;
}

// The owner/name an element of a conversation list belongs to, from the
// URL of its issue or pull request.
std::string_view ListItemRepo(const object& item) {
  for (auto key : {"issue_url", "pull_request_url", "url"}) {
    std::string_view url;
    if (item[key].get(url) == SUCCESS) {
      std::string_view repo = RepoFromApiUrl(url);
      if (!repo.empty()) return repo;
    }
  }
  return {};
}

std::string CommentRecord(const object& c, bool review_comment, const ApiRecordContext& ctx) {
  std::string out;
  json::JsonWriter w(&out);
  Common(w, review_comment ? "PullRequestReviewCommentEvent" : "IssueCommentEvent", ListItemRepo(c),
         ctx);
  w.Key(review_comment ? "pull_request" : "issue");
  w.Null();
  w.Key("comment");
  w.BeginObject();
  Fields f(&w, c);
  f.Int("id", "id");
  f.Str("body", "body");
  f.User("user", "user");
  f.Str("author_association", "author_association");
  f.Str("created_at", "created_at");
  f.Str("updated_at", "updated_at");
  if (review_comment) {
    f.Str("path", "path");
    f.Str("diff_hunk", "diff_hunk");
    f.Str("commit_id", "commit_id");
    f.Str("original_commit_id", "original_commit_id");
    f.Int("line", "line");
    f.Int("original_line", "original_line");
    f.Str("side", "side");
    f.Int("start_line", "start_line");
    f.Int("in_reply_to_id", "in_reply_to_id");
    f.Int("pull_request_review_id", "pull_request_review_id");
  }
  w.EndObject();
  w.EndObject();
  return out;
}

std::string ReviewRecord(const object& r, const ApiRecordContext& ctx) {
  std::string out;
  json::JsonWriter w(&out);
  Common(w, "PullRequestReviewEvent", ListItemRepo(r), ctx);
  w.Key("pull_request");
  w.Null();
  w.Key("review");
  w.BeginObject();
  Fields f(&w, r);
  f.Int("id", "id");
  // The API says APPROVED/CHANGES_REQUESTED/COMMENTED; events say approved.
  w.Key("state");
  std::string_view state;
  if (r["state"].get(state) == SUCCESS) {
    std::string lower(state);
    for (char& ch : lower) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    }
    w.ValidString(lower);
  } else {
    w.Null();
  }
  f.Str("body", "body");
  f.User("user", "user");
  f.Str("author_association", "author_association");
  f.Str("submitted_at", "submitted_at");
  f.Str("commit_id", "commit_id");
  w.EndObject();
  w.EndObject();
  return out;
}

}  // namespace

std::string SnapshotVersion(std::string_view fetched_at) {
  std::string v(fetched_at);
  v.append(kSnapshotIdSuffix);
  return v;
}

Result<std::vector<std::string>> ApiRecords(ApiObject what, std::string_view json,
                                            const ApiRecordContext& ctx) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(simdjson::padded_string(json)).get(root); err != SUCCESS) {
    return Error(Code::kInvalidInput,
                 std::string("invalid JSON from the API: ") + simdjson::error_message(err));
  }
  std::vector<std::string> records;
  if (what == ApiObject::kPull || what == ApiObject::kIssue) {
    object obj;
    if (root.get(obj) != SUCCESS) {
      return Error(Code::kInvalidInput, "expected a JSON object from the API");
    }
    records.push_back(what == ApiObject::kPull ? PullRecord(obj, ctx) : IssueRecord(obj, ctx));
    return records;
  }
  array list;
  if (root.get(list) != SUCCESS) {
    return Error(Code::kInvalidInput, "expected a JSON array from the API");
  }
  for (element item : list) {
    object obj;
    int64_t id;
    if (item.get(obj) != SUCCESS || obj["id"].get(id) != SUCCESS) continue;
    switch (what) {
      case ApiObject::kIssueComments:
        records.push_back(CommentRecord(obj, /*review_comment=*/false, ctx));
        break;
      case ApiObject::kReviewComments:
        records.push_back(CommentRecord(obj, /*review_comment=*/true, ctx));
        break;
      case ApiObject::kReviews:
        records.push_back(ReviewRecord(obj, ctx));
        break;
      case ApiObject::kPull:
      case ApiObject::kIssue:
        break;
    }
  }
  return records;
}

}  // namespace swerl::store

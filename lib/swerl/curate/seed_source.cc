#include "swerl/curate/seed_source.h"

#include <algorithm>
#include <optional>

#include "swerl/curate/leak.h"
#include "swerl/curate/secrets.h"
#include "swerl/db/blob_store.h"
#include "swerl/git/patch_sections.h"
#include "swerl/git/swebench_patch.h"

namespace swerl::curate {
namespace {

std::string Col(db::Stmt& s, int i) { return s.IsNull(i) ? std::string() : std::string(s.Text(i)); }

// Counts the '+' and '-' lines of one file's section of a git patch (after
// its first hunk header, so "--- a/x" and "+++ b/x" do not count).
void CountLines(std::string_view section, shard::SeedFile* f) {
  bool in_hunks = false;
  size_t pos = 0;
  while (pos < section.size()) {
    size_t end = section.find('\n', pos);
    if (end == std::string_view::npos) end = section.size();
    const std::string_view line = section.substr(pos, end - pos);
    if (line.starts_with("@@")) {
      in_hunks = true;
    } else if (in_hunks && !line.empty()) {
      if (line[0] == '+') ++f->added_lines;
      if (line[0] == '-') ++f->deleted_lines;
    }
    pos = end + 1;
  }
}

struct Statements {
  db::Stmt files, issues, relevant, commits;

  static Result<Statements> Prepare(db::Db* db) {
    Statements s;
    SWERL_ASSIGN_OR_RETURN(
        s.files, db->Prepare("SELECT old_path, new_path, status, binary, is_test, "
                             "coalesce(skip, ''), coalesce(old_blob, ''), coalesce(new_blob, '') "
                             "FROM instance_files WHERE repo_id = ? AND number = ? ORDER BY seq"));
    // Links to issues (not pull requests), the pull request itself aside;
    // closing ones first.
    SWERL_ASSIGN_OR_RETURN(
        s.issues,
        db->Prepare("SELECT l.target_repo, l.target_number, l.closing, coalesce(i.title, ''), "
                    "coalesce(i.body, ''), coalesce(i.created_at, '') FROM issue_links l LEFT JOIN "
                    "issues i "
                    "ON i.repo_id = coalesce(l.target_repo_id, "
                    "CASE WHEN l.target_repo = '' THEN l.repo_id END) "
                    "AND i.number = l.target_number "
                    "WHERE l.repo_id = ?1 AND l.pr_number = ?2 "
                    "AND coalesce(i.is_pull_request, 0) = 0 "
                    "AND NOT (l.target_repo = '' AND l.target_number = ?2) "
                    "ORDER BY l.closing DESC, l.target_repo, l.target_number"));
    // The fix's own commits, for stripping their SHAs from the statement.
    SWERL_ASSIGN_OR_RETURN(s.commits, db->Prepare("SELECT sha FROM instance_commits "
                                                  "WHERE repo_id = ? AND number = ? ORDER BY seq"));
    SWERL_ASSIGN_OR_RETURN(s.relevant,
                           db->Prepare("SELECT source, path, blob_id FROM relevant_files "
                                       "WHERE repo_id = ? AND number = ? ORDER BY source, rank"));
    return s;
  }
};

Status Fill(const SeedQuery& q, Statements* st, db::BlobReader* blobs, shard::Seed* s,
            const std::string& patch, const std::string& merge_commit) {
  // Changed files.
  st->files.BindInt(1, s->repo_id);
  st->files.BindInt(2, s->pull_number);
  std::vector<std::pair<std::string, std::string>> sides;  // per file: old blob, new blob
  for (;;) {
    auto row = st->files.Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    shard::SeedFile f;
    f.old_path = Col(st->files, 0);
    const std::string new_path = Col(st->files, 1);
    f.status = Col(st->files, 2);
    f.path = f.status == "deleted" ? f.old_path : new_path;
    if (f.status == "added") f.old_path.clear();
    f.binary = st->files.Int(3) != 0;
    f.is_test = st->files.Int(4) != 0;
    f.skip = Col(st->files, 5);
    sides.emplace_back(Col(st->files, 6), Col(st->files, 7));
    s->files.push_back(std::move(f));
  }
  st->files.Reset();
  const std::vector<std::string_view> sections = git::PatchSections(patch);
  for (size_t i = 0; i < s->files.size() && i < sections.size(); ++i) {
    CountLines(sections[i], &s->files[i]);
  }
  if (q.swebench_patches) {
    std::vector<git::PatchPreimage> preimages;
    for (size_t i = 0; i < s->files.size(); ++i) {
      const shard::SeedFile& f = s->files[i];
      git::PatchPreimage p{f.old_path, std::nullopt};
      if (f.old_path.ends_with(".py") && !sides[i].first.empty()) {
        auto text = blobs->Read(sides[i].first);
        if (!text) {
          return Error(Code::kCorrupt,
                       "instance " + s->instance_id + ": " + text.error().message());
        }
        p.text = std::move(*text);
      }
      preimages.push_back(std::move(p));
    }
    auto swebench = git::ToSwebenchPatch(patch, preimages);
    if (!swebench) {
      return Error(Code::kUnsupported, "instance " + s->instance_id +
                                           ": no SWE-bench patch: " + swebench.error().message());
    }
    s->patch = std::move(swebench->patch);
    s->test_patch = std::move(swebench->test_patch);
  }

  // Linked issues and the problem statement (SWE-bench: "title\nbody\n"
  // per closing issue whose text the store has).
  st->issues.BindInt(1, s->repo_id);
  st->issues.BindInt(2, s->pull_number);
  for (;;) {
    auto row = st->issues.Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    shard::SeedIssue i;
    i.repo = Col(st->issues, 0);
    if (i.repo.empty()) i.repo = s->repo;
    i.number = st->issues.Int(1);
    i.closing = st->issues.Int(2) != 0;
    i.title = Col(st->issues, 3);
    i.body = Col(st->issues, 4);
    i.created_at = Col(st->issues, 5);
    if (i.closing && !i.title.empty()) s->problem_statement += i.title + "\n" + i.body + "\n";
    s->issues.push_back(std::move(i));
  }
  st->issues.Reset();

  // What gives the fix away (leak.h): the PR's links and number, its
  // commits' SHAs, "fixed in" trailers added after the fix.
  FixIdentity fix{s->repo, s->pull_number, {}};
  st->commits.BindInt(1, s->repo_id);
  st->commits.BindInt(2, s->pull_number);
  for (;;) {
    auto row = st->commits.Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    fix.commits.push_back(Col(st->commits, 0));
  }
  st->commits.Reset();
  if (!s->head_commit.empty()) fix.commits.push_back(s->head_commit);
  if (!merge_commit.empty()) fix.commits.push_back(merge_commit);
  StripResult stripped = StripLeaks(s->problem_statement, fix);
  s->problem_statement = std::move(stripped.text);
  s->stripped = std::move(stripped.stripped);
  // E-mail addresses in free text (secrets.h); the address is not kept.
  size_t emails = 0;
  s->problem_statement = RedactEmails(s->problem_statement, &emails);
  s->title = RedactEmails(s->title, &emails);
  s->body = RedactEmails(s->body, &emails);
  for (shard::SeedIssue& issue : s->issues) {  // the statement's sources: counted there
    issue.title = RedactEmails(issue.title);
    issue.body = RedactEmails(issue.body);
  }
  for (size_t k = 0; k < emails; ++k)
    s->stripped.push_back({"email", std::string(kEmailPlaceholder)});

  // Relevant files of the chosen source.
  st->relevant.BindInt(1, s->repo_id);
  st->relevant.BindInt(2, s->pull_number);
  std::vector<std::tuple<std::string, std::string, std::string>> relevant;  // source, path, blob
  for (;;) {
    auto row = st->relevant.Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    relevant.emplace_back(Col(st->relevant, 0), Col(st->relevant, 1), Col(st->relevant, 2));
  }
  st->relevant.Reset();
  std::string source = q.relevant_source;
  if (source.empty()) {
    const bool has_llm = std::any_of(relevant.begin(), relevant.end(),
                                     [](const auto& r) { return std::get<0>(r) == "llm"; });
    source = has_llm ? "llm" : "bm25";
  }
  for (const auto& [src, path, blob] : relevant) {
    if (src == source) s->relevant_files.push_back(path);
  }
  if (!q.contents) return OkStatus();

  auto read = [&](const std::string& blob_id, std::string* out) -> Status {
    auto data = blobs->Read(blob_id);
    if (!data) {
      return Error(Code::kCorrupt, "instance " + s->instance_id + ": " + data.error().message());
    }
    *out = std::move(*data);
    return OkStatus();
  };
  // Changed code files whose contents are stored: old side in context
  // (absent when added), new side in the oracle ("" when deleted).
  for (size_t i = 0; i < s->files.size(); ++i) {
    const shard::SeedFile& f = s->files[i];
    if (f.is_test || !f.skip.empty()) continue;
    if (!sides[i].first.empty()) {
      std::string text;
      SWERL_RETURN_IF_ERROR(read(sides[i].first, &text));
      s->context.emplace_back(f.old_path.empty() ? f.path : f.old_path, std::move(text));
    }
    std::string after;
    if (!sides[i].second.empty()) SWERL_RETURN_IF_ERROR(read(sides[i].second, &after));
    s->oracle.emplace_back(f.path, std::move(after));
  }
  for (const auto& [src, path, blob] : relevant) {
    if (src != source) continue;
    std::string text;
    SWERL_RETURN_IF_ERROR(read(blob, &text));
    s->context.emplace_back(path, std::move(text));
  }
  auto by_path = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::sort(s->context.begin(), s->context.end(), by_path);
  std::sort(s->oracle.begin(), s->oracle.end(), by_path);
  return OkStatus();
}

}  // namespace

Status ForEachSeed(db::Db* db, const SeedQuery& q, const std::function<Status(shard::Seed&)>& fn,
                   const std::function<void(const shard::Seed&, const Error&)>& skipped) {
  std::string sql =
      "SELECT i.repo_id, i.number, coalesce(p.repo, ''), i.merge_base, "
      "coalesce(p.base_sha, ''), i.head_commit, coalesce(p.created_at, ''), "
      "coalesce(p.merged_at, ''), coalesce(p.title, ''), coalesce(p.body, ''), "
      "coalesce(p.author, ''), coalesce(p.author_type, ''), i.patch, "
      "coalesce(i.code_patch, ''), coalesce(i.test_patch, ''), coalesce(p.merge_commit_sha, ''), "
      "coalesce((SELECT spdx FROM repo_licenses l WHERE l.repo_id = i.repo_id), '') "
      "FROM instances i JOIN (SELECT * FROM prs WHERE " +
      q.shard.SqlCondition("repo_id");
  if (!q.where.empty()) sql += " AND (" + q.where + ")";
  sql += ") p ON p.repo_id = i.repo_id AND p.number = i.number ";
  if (q.kept_only) {
    sql +=
        "JOIN filter_decisions d ON d.repo_id = i.repo_id AND d.number = i.number "
        "AND d.kept = 1 ";
  }
  sql += "WHERE i.status = 'assembled' ORDER BY i.repo_id, i.number";
  auto stmt = db->Prepare(sql);
  if (!stmt) {
    return Error(Code::kInvalidInput,
                 "cannot select instances (check --where): " + stmt.error().message());
  }
  SWERL_ASSIGN_OR_RETURN(Statements st, Statements::Prepare(db));
  SWERL_ASSIGN_OR_RETURN(db::BlobReader blobs, db::BlobReader::Create(db));
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    shard::Seed s;
    s.repo_id = stmt->Int(0);
    s.pull_number = stmt->Int(1);
    s.repo = Col(*stmt, 2);
    s.instance_id =
        shard::InstanceId(s.repo.empty() ? std::to_string(s.repo_id) : s.repo, s.pull_number);
    s.base_commit = Col(*stmt, 3);
    s.pr_base_sha = Col(*stmt, 4);
    s.head_commit = Col(*stmt, 5);
    s.created_at = Col(*stmt, 6);
    s.merged_at = Col(*stmt, 7);
    s.title = Col(*stmt, 8);
    s.body = Col(*stmt, 9);
    s.author = Col(*stmt, 10);
    s.author_type = Col(*stmt, 11);
    const std::string patch = Col(*stmt, 12);
    s.patch = Col(*stmt, 13);
    s.test_patch = Col(*stmt, 14);
    const std::string merge_commit = Col(*stmt, 15);
    s.license = Col(*stmt, 16);
    if (Status filled = Fill(q, &st, &blobs, &s, patch, merge_commit); !filled) {
      if (!skipped || filled.error().code() != Code::kUnsupported) return std::move(filled).error();
      skipped(s, filled.error());
      continue;
    }
    SWERL_RETURN_IF_ERROR(fn(s));
  }
  return OkStatus();
}

}  // namespace swerl::curate

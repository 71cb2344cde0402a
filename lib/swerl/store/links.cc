#include "swerl/store/links.h"

#include <string>
#include <vector>

namespace swerl::store {

Result<LinkCounts> LinkPullRequests(db::Db* db, link::RefRule rule) {
  SWERL_ASSIGN_OR_RETURN(db::Txn txn, db::Txn::Begin(db));
  SWERL_ASSIGN_OR_RETURN(db::Stmt prs,
                         db->Prepare("SELECT p.repo_id, p.number, coalesce(r.name, ''), "
                                     "coalesce(p.title, ''), coalesce(p.body, '') "
                                     "FROM pull_requests p LEFT JOIN repos r USING (repo_id) "
                                     "ORDER BY p.repo_id, p.number"));
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt clear, db->Prepare("DELETE FROM issue_links WHERE repo_id = ? AND pr_number = ?"));
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt messages, db->Prepare("SELECT message FROM instance_commits WHERE repo_id = ? AND "
                                     "number = ? ORDER BY seq"));
  SWERL_ASSIGN_OR_RETURN(db::Stmt resolve,
                         db->Prepare("SELECT repo_id FROM repo_names WHERE name = ?"));
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt insert,
      db->Prepare("INSERT INTO issue_links(repo_id, pr_number, target_repo, target_number, "
                  "target_repo_id, closing, keyword, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT DO UPDATE SET "
                  "keyword = CASE WHEN excluded.closing > issue_links.closing "
                  "THEN excluded.keyword ELSE issue_links.keyword END, "
                  "source = CASE WHEN excluded.closing > issue_links.closing "
                  "THEN excluded.source ELSE issue_links.source END, "
                  "closing = max(issue_links.closing, excluded.closing)"));
  LinkCounts counts;
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, prs.Step());
    if (!row) break;
    ++counts.pull_requests;
    const int64_t repo_id = prs.Int(0), number = prs.Int(1);
    const std::string repo(prs.Text(2)), title(prs.Text(3)), body(prs.Text(4));
    clear.BindInt(1, repo_id);
    clear.BindInt(2, number);
    SWERL_RETURN_IF_ERROR(clear.Run());
    // The messages of the commits swerl assemble recorded (none before it ran).
    std::vector<std::string> commit_messages;
    messages.BindInt(1, repo_id);
    messages.BindInt(2, number);
    for (;;) {
      SWERL_ASSIGN_OR_RETURN(bool more, messages.Step());
      if (!more) break;
      commit_messages.emplace_back(messages.Text(0));
    }
    messages.Reset();
    std::vector<std::pair<std::string_view, std::vector<link::IssueRef>>> found;
    if (rule == link::RefRule::kSweBench) {
      const std::vector<std::string_view> views(commit_messages.begin(), commit_messages.end());
      found.emplace_back("text",
                         link::FindIssueRefs(link::SweBenchText(title, body, views), repo, rule));
    } else {
      found.emplace_back("title", link::FindIssueRefs(title, repo, rule));
      found.emplace_back("body", link::FindIssueRefs(body, repo, rule));
      for (const std::string& message : commit_messages) {
        found.emplace_back("commit", link::FindIssueRefs(message, repo, rule));
      }
    }
    for (const auto& [source, refs] : found) {
      for (const link::IssueRef& ref : refs) {
        const bool same = ref.owner.empty();
        const std::string target = same ? "" : ref.owner + "/" + ref.name;
        std::optional<int64_t> target_id;
        if (same) {
          target_id = repo_id;
        } else {
          resolve.BindText(1, target);
          SWERL_ASSIGN_OR_RETURN(bool known, resolve.Step());
          if (known) target_id = resolve.Int(0);
          resolve.Reset();
        }
        insert.BindInt(1, repo_id);
        insert.BindInt(2, number);
        insert.BindText(3, target);
        insert.BindInt(4, ref.number);
        insert.BindOptionalInt(5, target_id);
        insert.BindInt(6, ref.closing ? 1 : 0);
        if (ref.keyword.empty()) {
          insert.BindNull(7);
        } else {
          insert.BindText(7, ref.keyword);
        }
        insert.BindText(8, source);
        SWERL_RETURN_IF_ERROR(insert.Run());
      }
    }
  }
  prs.Reset();
  // Counted from the table: a reference found twice is one row.
  SWERL_ASSIGN_OR_RETURN(db::Stmt totals, db->Prepare("SELECT count(*), coalesce(sum(closing), 0), "
                                                      "count(target_repo_id) FROM issue_links"));
  SWERL_ASSIGN_OR_RETURN(bool has_row, totals.Step());
  if (has_row) {
    counts.references = static_cast<uint64_t>(totals.Int(0));
    counts.closing = static_cast<uint64_t>(totals.Int(1));
    counts.resolved = static_cast<uint64_t>(totals.Int(2));
  }
  totals.Reset();
  SWERL_RETURN_IF_ERROR(txn.Commit());
  return counts;
}

}  // namespace swerl::store

#include "swerl/curate/repo_license.h"

#include <git2.h>

#include <algorithm>
#include <vector>

#include "swerl/core/c_deleter.h"
#include "swerl/curate/license.h"
#include "swerl/git/git_handles.h"
#include "swerl/git/mirror.h"

namespace swerl::curate {
namespace {

using CommitHandle = std::unique_ptr<git_commit, CDeleter<&git_commit_free>>;
using TreeHandle = std::unique_ptr<git_tree, CDeleter<&git_tree_free>>;
using BlobHandle = std::unique_ptr<git_blob, CDeleter<&git_blob_free>>;

struct Decision {
  std::string spdx = "none", path, closest;
  double similarity = 0;
};

// The licence files at the root of `hex`'s tree, decided: the first file
// (LICENSE before COPYING, then by name) that matches a shipped licence,
// else the best of the unknown ones; nullopt when the commit is missing.
std::optional<Decision> Decide(git_repository* repo, const std::string& hex) {
  git_oid oid;
  if (git_oid_fromstr(&oid, hex.c_str()) != 0) return std::nullopt;
  git_commit* c = nullptr;
  if (git_commit_lookup(&c, repo, &oid) != 0) return std::nullopt;
  CommitHandle commit(c);
  git_tree* t = nullptr;
  if (git_commit_tree(&t, commit.get()) != 0) return std::nullopt;
  TreeHandle tree(t);
  std::vector<std::pair<std::string, git_oid>> files;
  for (size_t k = 0; k < git_tree_entrycount(tree.get()); ++k) {
    const git_tree_entry* e = git_tree_entry_byindex(tree.get(), k);
    if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) continue;
    const std::string name = git_tree_entry_name(e);
    if (IsLicenseFileName(name)) files.emplace_back(name, *git_tree_entry_id(e));
  }
  auto rank = [](const std::string& name) {
    std::string lower = name;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return lower.starts_with("licen") ? 0 : lower.starts_with("unlicense") ? 1 : 2;
  };
  std::sort(files.begin(), files.end(), [&](const auto& a, const auto& b) {
    return std::pair(rank(a.first), a.first) < std::pair(rank(b.first), b.first);
  });
  Decision d;
  for (const auto& [name, id] : files) {
    git_blob* b = nullptr;
    if (git_blob_lookup(&b, repo, &id) != 0) continue;
    BlobHandle blob(b);
    const std::string_view text(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                                static_cast<size_t>(git_blob_rawsize(blob.get())));
    if (text.size() > (1u << 20)) continue;
    const LicenseMatch m = IdentifyLicense(text);
    if (!m.spdx.empty()) return Decision{m.spdx, name, m.closest, m.similarity};
    if (d.spdx == "none" || m.similarity > d.similarity)
      d = {"unknown", name, m.closest, m.similarity};
  }
  return d;
}

}  // namespace

Result<LicenseRunCounts> IdentifyRepoLicenses(db::Db* db, const std::filesystem::path& repos_dir,
                                              const std::string& decided_at) {
  LicenseRunCounts counts;
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt select,
      db->Prepare("SELECT i.repo_id, coalesce(r.name, ''), i.merge_base FROM instances i "
                  "LEFT JOIN repos r USING (repo_id) WHERE i.status = 'assembled' AND i.number = "
                  "(SELECT max(number) FROM instances j WHERE j.repo_id = i.repo_id AND "
                  "j.status = 'assembled') ORDER BY i.repo_id"));
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt insert,
      db->Prepare("INSERT OR REPLACE INTO repo_licenses (repo_id, spdx, path, closest, "
                  "similarity, commit_id, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  struct Row {
    int64_t repo_id;
    std::string name, merge_base;
  };
  std::vector<Row> rows;
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool more, select.Step());
    if (!more) break;
    rows.push_back({select.Int(0), std::string(select.Text(1)), std::string(select.Text(2))});
  }
  for (const Row& row : rows) {
    ++counts.repositories;
    auto repo = git::OpenMirror(repos_dir, row.name, row.repo_id);
    std::optional<Decision> d;
    if (repo) d = Decide(repo->get(), row.merge_base);
    if (!d) {
      ++counts.missing;
      continue;
    }
    ++counts.spdx[d->spdx];
    insert.BindInt(1, row.repo_id);
    insert.BindText(2, d->spdx);
    insert.BindText(3, d->path);
    insert.BindText(4, d->closest);
    insert.BindDouble(5, d->similarity);
    insert.BindText(6, row.merge_base);
    insert.BindText(7, decided_at);
    SWERL_RETURN_IF_ERROR(insert.Run());
  }
  return counts;
}

}  // namespace swerl::curate

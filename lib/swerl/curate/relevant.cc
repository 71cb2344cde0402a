#include "swerl/curate/relevant.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "swerl/core/ordered_pipeline.h"
#include "swerl/core/utc_time.h"
#include "swerl/curate/bm25.h"
#include "swerl/db/blob_store.h"
#include "swerl/db/ordered_commit.h"
#include "swerl/git/git_handles.h"
#include "swerl/git/instance.h"
#include "swerl/git/mirror.h"
#include "swerl/store/assemble.h"

namespace swerl::curate {
namespace fs = std::filesystem;
namespace {

// Like libgit2's binary detection: a NUL in the first 8000 bytes.
constexpr size_t kBinaryProbeBytes = 8000;
// Each text (PR body, issue) is cut to this many bytes in the model prompt.
constexpr size_t kPromptTextBytes = 8000;

struct Job {
  int64_t repo_id = 0;
  int64_t number = 0;
  std::string repo;  // owner/name; "" when unknown
  std::string merge_base;
  std::string title, body;           // of the pull request
  std::string issues;                // closing issues: "title\n\nbody\n\n" each
  std::vector<std::string> changed;  // old and new paths, sorted, unique
};

std::string JobName(const Job& job) {
  return (job.repo.empty() ? std::to_string(job.repo_id) : job.repo) + "#" +
         std::to_string(job.number);
}

bool Changed(const Job& job, std::string_view path) {
  return std::binary_search(job.changed.begin(), job.changed.end(), path);
}

struct Found {
  std::string path, blob_id, data;
  double score = 0;
};

struct Outcome {
  std::string error;  // "" when ranked
  std::vector<Found> files;
};

// A regular file of the tree at the merge base.
struct TreeFile {
  std::string path;
  git_oid oid;
};

int CollectFile(const char* root, const git_tree_entry* entry, void* payload) {
  const git_filemode_t mode = git_tree_entry_filemode(entry);
  if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
    static_cast<std::vector<TreeFile>*>(payload)->push_back(
        {std::string(root) + git_tree_entry_name(entry), *git_tree_entry_id(entry)});
  }
  return 0;
}

std::string Hex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

// The regular files (modes 100644, 100755) of the tree of commit `hex`.
Result<std::vector<TreeFile>> ListTree(git_repository* repo, const std::string& hex) {
  git_oid oid;
  if (hex.size() != GIT_OID_HEXSZ || git_oid_fromstr(&oid, hex.c_str()) != 0) {
    return Error(Code::kInvalidInput, "bad merge base '" + hex + "'");
  }
  git_commit* commit_raw = nullptr;
  if (int rc = git_commit_lookup(&commit_raw, repo, &oid); rc != 0) {
    return git::GitError(rc, "merge base " + hex);
  }
  git::CommitHandle commit(commit_raw);
  git_tree* tree_raw = nullptr;
  if (int rc = git_commit_tree(&tree_raw, commit.get()); rc != 0) {
    return git::GitError(rc, "tree of " + hex);
  }
  git::TreeHandle tree(tree_raw);
  std::vector<TreeFile> files;
  if (int rc = git_tree_walk(tree.get(), GIT_TREEWALK_PRE, &CollectFile, &files); rc != 0) {
    return git::GitError(rc, "walking the tree of " + hex);
  }
  return files;
}

// The contents of a blob when it can be a candidate: text (no NUL in the
// first kBinaryProbeBytes) and at most max_bytes; nullopt otherwise.
Result<std::optional<std::string_view>> TextBlob(git_repository* repo, const git_oid& oid,
                                                 uint64_t max_bytes, git::BlobHandle* holder) {
  git_blob* raw = nullptr;
  if (int rc = git_blob_lookup(&raw, repo, &oid); rc != 0) {
    return git::GitError(rc, "blob " + Hex(oid));
  }
  holder->reset(raw);
  const auto size = static_cast<uint64_t>(git_blob_rawsize(raw));
  if (size > max_bytes) return std::optional<std::string_view>();
  const std::string_view data(static_cast<const char*>(git_blob_rawcontent(raw)), size);
  if (std::memchr(data.data(), '\0', std::min<size_t>(data.size(), kBinaryProbeBytes))) {
    return std::optional<std::string_view>();
  }
  return std::optional<std::string_view>(data);
}

// A worker's state for the repository of its last job: the mirror, and the
// documents of the files it has seen, keyed by blob id and path, so files
// unchanged between merge bases are tokenized once.
class RepoState {
 public:
  // Switches to job.repo; false with *error when its mirror does not open.
  bool Open(const fs::path& repos_dir, const Job& job, std::string* error) {
    if (job.repo_id != repo_id_) {
      repo_id_ = job.repo_id;
      repo_.reset();
      error_.clear();
      docs_.clear();
      vocab_ = Vocabulary();
      auto repo = git::OpenMirror(repos_dir, job.repo, job.repo_id);
      repo_ = repo ? std::move(*repo) : git::RepoHandle();
      if (!repo) error_ = repo.error().message();
    }
    *error = error_;
    return repo_ != nullptr;
  }

  git_repository* repo() const { return repo_.get(); }
  const Vocabulary& vocab() const { return vocab_; }

  // The document of a candidate file, or null when it is binary or too big.
  Result<const Document*> Doc(const TreeFile& file, uint64_t max_bytes) {
    std::string key(reinterpret_cast<const char*>(file.oid.id), GIT_OID_RAWSZ);
    key += file.path;
    auto it = docs_.find(key);
    if (it == docs_.end()) {
      git::BlobHandle holder;
      SWERL_ASSIGN_OR_RETURN(auto text, TextBlob(repo_.get(), file.oid, max_bytes, &holder));
      Entry entry;
      if (text) entry.doc = std::make_unique<Document>(MakeDocument(file.path, *text, &vocab_));
      it = docs_.emplace(std::move(key), std::move(entry)).first;
    }
    it->second.used = generation_;
    return it->second.doc.get();
  }

  // Ends one instance: forgets documents unused by it once the cache holds
  // more than twice as many, so a long history does not pile up.
  void EndInstance(size_t used) {
    if (docs_.size() > 2 * used + 1024) {
      std::erase_if(docs_, [this](const auto& kv) { return kv.second.used != generation_; });
    }
    ++generation_;
  }

 private:
  struct Entry {
    std::unique_ptr<Document> doc;  // null: binary or too big
    uint64_t used = 0;              // the generation that last used it
  };
  int64_t repo_id_ = -1;
  git::RepoHandle repo_;
  std::string error_;
  std::unordered_map<std::string, Entry> docs_;
  Vocabulary vocab_;
  uint64_t generation_ = 0;
};

// Non-vendored files of the tree the instance did not change.
std::vector<const TreeFile*> Candidates(const std::vector<TreeFile>& tree, const Job& job) {
  std::vector<const TreeFile*> out;
  for (const TreeFile& f : tree) {
    if (!store::VendoredPath(f.path) && !Changed(job, f.path)) out.push_back(&f);
  }
  return out;
}

Status RankBm25Files(RepoState* state, const std::vector<TreeFile>& tree, const Job& job,
                     const RelevantOptions& o, Outcome* out) {
  std::vector<const TreeFile*> files;
  std::vector<const Document*> docs;
  std::vector<std::string_view> names;
  for (const TreeFile* f : Candidates(tree, job)) {
    SWERL_ASSIGN_OR_RETURN(const Document* doc, state->Doc(*f, o.max_file_bytes));
    if (!doc) continue;
    files.push_back(f);
    docs.push_back(doc);
    names.push_back(f->path);
  }
  std::vector<std::string> query;
  Tokenize(job.issues, &query);
  Tokenize(job.title, &query);
  Tokenize(job.body, &query);
  for (const std::string& p : job.changed) Tokenize(p, &query);
  for (const Bm25Hit& hit : RankBm25(docs, names, query, state->vocab(), o.k)) {
    const TreeFile& f = *files[hit.doc];
    Found found{f.path, Hex(f.oid), {}, hit.score};
    SWERL_ASSIGN_OR_RETURN(found.data, git::ReadBlob(state->repo(), found.blob_id));
    out->files.push_back(std::move(found));
  }
  state->EndInstance(docs.size());
  return OkStatus();
}

std::string_view Cut(std::string_view text, size_t bytes) { return text.substr(0, bytes); }

std::string_view Extension(std::string_view path) {
  const size_t slash = path.rfind('/');
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return "";
  return path.substr(dot);
}

// Leading directory components `a` and `b` share.
size_t SharedDirs(std::string_view a, std::string_view b) {
  size_t shared = 0;
  for (size_t i = 0; i < a.size() && i < b.size() && a[i] == b[i]; ++i) {
    if (a[i] == '/') ++shared;
  }
  return shared;
}

// At most `budget` candidate paths for the prompt, sorted; when there are
// more, those sharing the most leading directories with a changed path
// (then the same extension as one) are preferred.
std::vector<std::string_view> PromptPaths(const std::vector<const TreeFile*>& candidates,
                                          const Job& job, size_t budget) {
  std::vector<std::pair<size_t, std::string_view>> scored;  // (affinity, path)
  for (const TreeFile* f : candidates) {
    size_t affinity = 0;
    if (candidates.size() > budget) {
      for (const std::string& c : job.changed) {
        const size_t same_ext = !Extension(c).empty() && Extension(c) == Extension(f->path);
        affinity = std::max(affinity, 2 * SharedDirs(c, f->path) + same_ext);
      }
    }
    scored.emplace_back(affinity, f->path);
  }
  std::sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  if (scored.size() > budget) scored.resize(budget);
  std::vector<std::string_view> paths;
  for (const auto& [affinity, path] : scored) paths.push_back(path);
  std::sort(paths.begin(), paths.end());
  return paths;
}

constexpr std::string_view kSystemPrompt =
    "You are an expert software engineer. Given a GitHub pull request and the files of its "
    "repository, you name the existing files that are relevant to the change although the "
    "pull request does not modify them: code it calls or extends, similar code, "
    "configuration and documentation a developer would read first.";

std::string UserPrompt(const Job& job, const std::vector<std::string_view>& paths, size_t listed_of,
                       size_t k) {
  std::string p = "Repository: " + (job.repo.empty() ? std::to_string(job.repo_id) : job.repo) +
                  "\n\nPull request title: " + job.title + "\n\nPull request description:\n";
  p.append(Cut(job.body, kPromptTextBytes));
  if (!job.issues.empty()) {
    p += "\n\nIssues it resolves:\n";
    p.append(Cut(job.issues, kPromptTextBytes));
  }
  p += "\n\nFiles changed by the pull request:\n";
  for (const std::string& c : job.changed) p += c + "\n";
  p += "\nFiles in the repository before the change (" + std::to_string(paths.size()) + " of " +
       std::to_string(listed_of) + " shown):\n";
  for (std::string_view path : paths) p.append(path).append("\n");
  p += "\nList up to " + std::to_string(k) +
       " files from the repository list, most relevant first, that a developer would need to "
       "read to understand or make this change. Do not list the changed files. Answer with "
       "one path per line and nothing else.";
  return p;
}

Status AskModel(RepoState* state, net::ChatClient* chat, const std::vector<TreeFile>& tree,
                const Job& job, const RelevantOptions& o, Outcome* out) {
  const std::vector<const TreeFile*> candidates = Candidates(tree, job);
  const std::vector<std::string_view> listed = PromptPaths(candidates, job, o.llm->max_paths);
  SWERL_ASSIGN_OR_RETURN(
      std::string answer,
      chat->Complete(kSystemPrompt, UserPrompt(job, listed, candidates.size(), o.k)));
  std::unordered_map<std::string_view, const TreeFile*> by_path;
  for (const TreeFile& f : tree) by_path.emplace(f.path, &f);
  std::unordered_set<std::string> seen;
  for (std::string& path : ParseModelPaths(answer)) {
    if (out->files.size() >= o.k) break;
    auto it = by_path.find(path);
    if (it == by_path.end() || Changed(job, path) || !seen.insert(path).second) continue;
    git::BlobHandle holder;
    SWERL_ASSIGN_OR_RETURN(auto text,
                           TextBlob(state->repo(), it->second->oid, o.max_file_bytes, &holder));
    if (!text) continue;  // binary or too big: no contents to store
    out->files.push_back({std::move(path), Hex(it->second->oid), std::string(*text), 0.0});
  }
  return OkStatus();
}

Outcome Compute(RepoState* state, net::ChatClient* chat, const Job& job, const RelevantOptions& o) {
  Outcome out;
  auto tree = ListTree(state->repo(), job.merge_base);
  Status st = !tree  ? Status(std::move(tree).error())
              : chat ? AskModel(state, chat, *tree, job, o, &out)
                     : RankBm25Files(state, *tree, job, o, &out);
  if (!st) {
    out.files.clear();
    out.error = st.error().message();
  }
  return out;
}

// A worker's computation of one instance, with its repository state and
// chat client.
class Worker {
 public:
  explicit Worker(const RelevantOptions& o) : o_(o) {
    if (o.llm) chat_.emplace(o.llm->chat);
  }

  Outcome operator()(const Job& job) {
    Outcome out;  // out.error says why when the mirror does not open
    if (state_.Open(o_.repos_dir, job, &out.error)) {
      out = Compute(&state_, chat_ ? &*chat_ : nullptr, job, o_);
    }
    return out;
  }

 private:
  const RelevantOptions& o_;
  RepoState state_;
  std::optional<net::ChatClient> chat_;
};

struct Writer {
  db::Stmt clear, file, run;
  std::string source;

  static Result<Writer> Create(db::Db* db, std::string source) {
    Writer w;
    w.source = std::move(source);
    SWERL_ASSIGN_OR_RETURN(
        w.clear,
        db->Prepare("DELETE FROM relevant_files WHERE repo_id = ? AND number = ? AND source = ?"));
    SWERL_ASSIGN_OR_RETURN(
        w.file, db->Prepare("INSERT INTO relevant_files(repo_id, number, source, rank, path, "
                            "blob_id, score) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    SWERL_ASSIGN_OR_RETURN(
        w.run, db->Prepare("INSERT OR REPLACE INTO relevant_runs(repo_id, number, source, "
                           "status, files, error, ranked_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    return w;
  }

  Status Put(const Job& job, const Outcome& out, db::BlobWriter* blobs) {
    clear.BindInt(1, job.repo_id);
    clear.BindInt(2, job.number);
    clear.BindText(3, source);
    SWERL_RETURN_IF_ERROR(clear.Run());
    for (size_t rank = 0; rank < out.files.size(); ++rank) {
      const Found& f = out.files[rank];
      file.BindInt(1, job.repo_id);
      file.BindInt(2, job.number);
      file.BindText(3, source);
      file.BindInt(4, static_cast<int64_t>(rank));
      file.BindBlob(5, f.path);
      file.BindText(6, f.blob_id);
      file.BindDouble(7, f.score);
      SWERL_RETURN_IF_ERROR(file.Run());
      SWERL_RETURN_IF_ERROR(blobs->Put(f.blob_id, f.data));
    }
    run.BindInt(1, job.repo_id);
    run.BindInt(2, job.number);
    run.BindText(3, source);
    run.BindText(4, out.error.empty() ? "ranked" : "failed");
    run.BindInt(5, static_cast<int64_t>(out.files.size()));
    out.error.empty() ? run.BindNull(6) : run.BindText(6, out.error);
    run.BindText(7, FormatUtc(static_cast<int64_t>(std::time(nullptr))));
    return run.Run();
  }
};

// The instances to rank, with their texts and changed paths.
Result<std::vector<Job>> LoadJobs(db::Db* db, const RelevantOptions& o, std::string_view source,
                                  RelevantResult* result) {
  std::string sql =
      "SELECT p.repo_id, p.number, coalesce(p.repo, ''), i.merge_base, coalesce(p.title, ''), "
      "coalesce(p.body, ''), r.status FROM (SELECT * FROM prs WHERE " +
      o.shard.SqlCondition("repo_id");
  if (!o.where.empty()) sql += " AND (" + o.where + ")";
  sql +=
      ") p JOIN instances i ON i.repo_id = p.repo_id AND i.number = p.number "
      "AND i.status = 'assembled' "
      "LEFT JOIN relevant_runs r ON r.repo_id = p.repo_id AND r.number = p.number "
      "AND r.source = '" +
      std::string(source) + "' ORDER BY p.repo_id, p.number";
  auto stmt = db->Prepare(sql);
  if (!stmt) {
    return Error(Code::kInvalidInput,
                 "cannot select instances (check --where): " + stmt.error().message());
  }
  SWERL_ASSIGN_OR_RETURN(
      db::Stmt issues,
      db->Prepare("SELECT coalesce(s.title, ''), coalesce(s.body, '') FROM issue_links l "
                  "JOIN issues s ON s.repo_id = CASE WHEN l.target_repo = '' THEN l.repo_id "
                  "ELSE l.target_repo_id END AND s.number = l.target_number "
                  "WHERE l.repo_id = ? AND l.pr_number = ? AND l.closing = 1 "
                  "ORDER BY l.target_repo, l.target_number"));
  SWERL_ASSIGN_OR_RETURN(db::Stmt files,
                         db->Prepare("SELECT coalesce(old_path, ''), coalesce(new_path, '') FROM "
                                     "instance_files WHERE repo_id = ? AND number = ?"));
  std::vector<Job> jobs;
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    ++result->selected;
    if (!o.refresh && !stmt->IsNull(6) && stmt->Text(6) == "ranked") {
      ++result->already_done;
      continue;
    }
    Job job;
    job.repo_id = stmt->Int(0);
    job.number = stmt->Int(1);
    job.repo = std::string(stmt->Text(2));
    job.merge_base = std::string(stmt->Text(3));
    job.title = std::string(stmt->Text(4));
    job.body = std::string(stmt->Text(5));
    issues.BindInt(1, job.repo_id);
    issues.BindInt(2, job.number);
    for (;;) {
      SWERL_ASSIGN_OR_RETURN(bool more, issues.Step());
      if (!more) break;
      job.issues.append(issues.Text(0)).append("\n\n").append(issues.Text(1)).append("\n\n");
    }
    issues.Reset();
    files.BindInt(1, job.repo_id);
    files.BindInt(2, job.number);
    for (;;) {
      SWERL_ASSIGN_OR_RETURN(bool more, files.Step());
      if (!more) break;
      for (int col = 0; col < 2; ++col) {
        if (!files.Text(col).empty()) job.changed.emplace_back(files.Text(col));
      }
    }
    files.Reset();
    std::sort(job.changed.begin(), job.changed.end());
    job.changed.erase(std::unique(job.changed.begin(), job.changed.end()), job.changed.end());
    jobs.push_back(std::move(job));
  }
  stmt->Reset();
  return jobs;
}

bool SafeRelativePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) {
    return false;
  }
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    const std::string_view part = path.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<std::string> ParseModelPaths(std::string_view content) {
  std::vector<std::string> paths;
  size_t start = 0;
  while (start <= content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = Trim(content.substr(start, end - start));
    start = end + 1;
    // A bullet, or a number followed by '.' or ')'.
    if (!line.empty() && (line[0] == '-' || line[0] == '*' || line[0] == '+')) {
      line = Trim(line.substr(1));
    } else {
      size_t digits = 0;
      while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') ++digits;
      if (digits > 0 && digits < line.size() && (line[digits] == '.' || line[digits] == ')')) {
        line = Trim(line.substr(digits + 1));
      }
    }
    while (!line.empty() && (line.front() == '`' || line.front() == '"' || line.front() == '\'')) {
      line.remove_prefix(1);
    }
    while (!line.empty() && (line.back() == '`' || line.back() == '"' || line.back() == '\'')) {
      line.remove_suffix(1);
    }
    while (line.substr(0, 2) == "./") line.remove_prefix(2);
    if (std::any_of(line.begin(), line.end(), IsSpace) || !SafeRelativePath(line)) continue;
    paths.emplace_back(line);
  }
  return paths;
}

Result<RelevantResult> RankRelevant(db::Db* db, const RelevantOptions& o,
                                    RelevantObserver* observer) {
  const auto start = std::chrono::steady_clock::now();
  const std::string source = o.llm ? "llm" : "bm25";
  RelevantResult result;
  SWERL_ASSIGN_OR_RETURN(std::vector<Job> jobs, LoadJobs(db, o, source, &result));
  SWERL_ASSIGN_OR_RETURN(Writer writer, Writer::Create(db, source));
  SWERL_ASSIGN_OR_RETURN(db::BlobWriter blobs, db::BlobWriter::Create(db, o.zstd_level));
  RelevantProgress progress;
  progress.total = jobs.size();
  const size_t n_workers = std::clamp<size_t>(o.jobs, 1, std::max<size_t>(jobs.size(), 1));
  OrderedPipeline<Outcome> pipe(jobs.size(), n_workers, [&]() -> OrderedPipeline<Outcome>::Compute {
    auto worker = std::make_shared<Worker>(o);
    return [worker, &jobs](size_t i) { return (*worker)(jobs[i]); };
  });

  SWERL_RETURN_IF_ERROR(db::CommitInOrder<Outcome>(
      db, pipe, jobs.size(),
      [&](size_t i, Outcome& out) -> Status {
        const uint64_t blobs_before = blobs.added(), raw_before = blobs.raw_bytes(),
                       stored_before = blobs.stored_bytes();
        if (Status st = writer.Put(jobs[i], out, &blobs); !st) {
          return std::move(st).error().With("storing " + JobName(jobs[i]));
        }
        result.blobs += blobs.added() - blobs_before;
        result.raw_bytes += blobs.raw_bytes() - raw_before;
        result.stored_bytes += blobs.stored_bytes() - stored_before;
        for (Found& f : out.files) f.data.clear();  // written; keep only the outcome
        return OkStatus();
      },
      [&](size_t i, Outcome& done) {
        const Job& j = jobs[i];
        ++progress.done;
        if (done.error.empty()) {
          ++result.ranked;
          result.files += done.files.size();
        } else {
          ++result.failed;
          ++progress.failed;
          result.failures.push_back(JobName(j) + ": " + done.error);
        }
        if (observer) {
          observer->OnInstance(j.repo, j.number, done.error.empty() ? "ranked" : "failed",
                               done.files.size(), done.error);
          observer->OnProgress(progress);
        }
      },
      [&](size_t i) { return JobName(jobs[i]); }));
  result.elapsed = std::chrono::steady_clock::now() - start;
  return result;
}

}  // namespace swerl::curate

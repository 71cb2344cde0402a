#include "swerl/store/assemble.h"

#include <algorithm>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>

#include "swerl/core/ordered_pipeline.h"
#include "swerl/core/utc_time.h"
#include "swerl/db/blob_store.h"
#include "swerl/db/ordered_commit.h"
#include "swerl/git/git_handles.h"
#include "swerl/git/mirror.h"

namespace swerl::store {
namespace fs = std::filesystem;
namespace {

struct Job {
  int64_t repo_id = 0;
  int64_t number = 0;
  std::string repo;  // owner/name; "" when unknown
  git::InstanceRequest request;
};

// "<owner/name>#<number>", the repository id when the name is unknown.
std::string JobName(const Job& job) {
  return (job.repo.empty() ? std::to_string(job.repo_id) : job.repo) + "#" +
         std::to_string(job.number);
}

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<std::string_view> Opt(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string_view>(s);
}

// The prepared statements of one instance's rows.
struct Writer {
  db::Stmt clear_instance, clear_commits, clear_files, instance, commit, file;

  static Result<Writer> Create(db::Db* db) {
    Writer w;
    SWERL_ASSIGN_OR_RETURN(w.clear_instance,
                           db->Prepare("DELETE FROM instances WHERE repo_id = ? AND number = ?"));
    SWERL_ASSIGN_OR_RETURN(
        w.clear_commits,
        db->Prepare("DELETE FROM instance_commits WHERE repo_id = ? AND number = ?"));
    SWERL_ASSIGN_OR_RETURN(
        w.clear_files, db->Prepare("DELETE FROM instance_files WHERE repo_id = ? AND number = ?"));
    SWERL_ASSIGN_OR_RETURN(
        w.instance,
        db->Prepare("INSERT INTO instances(repo_id, number, status, how, base_commit, head_commit, "
                    "merge_base, patch, code_patch, test_patch, error, assembled_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    SWERL_ASSIGN_OR_RETURN(
        w.commit, db->Prepare("INSERT INTO instance_commits(repo_id, number, seq, sha, message, "
                              "author, author_time) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    SWERL_ASSIGN_OR_RETURN(
        w.file, db->Prepare("INSERT INTO instance_files(repo_id, number, seq, old_path, new_path, "
                            "status, old_mode, new_mode, old_blob, new_blob, binary, is_test, "
                            "similarity, skip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    return w;
  }

  Status Clear(const Job& job) {
    for (db::Stmt* s : {&clear_instance, &clear_commits, &clear_files}) {
      s->BindInt(1, job.repo_id);
      s->BindInt(2, job.number);
      SWERL_RETURN_IF_ERROR(s->Run());
    }
    return OkStatus();
  }

  // An instances row without an instance (unresolved or failed).
  Status PutOutcome(const Job& job, std::string_view status, const std::string& error) {
    instance.BindInt(1, job.repo_id);
    instance.BindInt(2, job.number);
    instance.BindText(3, status);
    for (int i = 4; i <= 10; ++i) instance.BindNull(i);
    instance.BindText(11, error);
    instance.BindText(12, FormatUtc(static_cast<int64_t>(std::time(nullptr))));
    return instance.Run();
  }
};

// The contents of one changed file's side, or why they are not stored:
// returns the skip reason ("" when the side is to be stored).
Result<std::string_view> LoadSide(git_repository* repo, const std::string& blob_id,
                                  uint64_t max_bytes, std::string* data) {
  data->clear();
  if (blob_id.empty()) return std::string_view();
  SWERL_ASSIGN_OR_RETURN(*data, git::ReadBlob(repo, blob_id));
  if (data->size() > max_bytes) return std::string_view("huge");
  if (GeneratedContent(*data)) return std::string_view("vendored");
  return std::string_view();
}

// An instance with its files' skip reasons and the contents to store, all
// read from git before the transaction opens.
struct Content {
  std::string blob_id;
  std::string data;
  std::string frame;  // data compressed, or "" when another job compresses it
};
struct Prepared {
  git::Instance inst;
  std::vector<std::string> skip;  // per file
  std::vector<Content> contents;
};

Result<Prepared> Prepare(git_repository* repo, git::Instance inst, const AssembleStoreOptions& o) {
  Prepared p;
  p.inst = std::move(inst);
  std::string old_data, new_data;
  for (const git::ChangedFile& f : p.inst.files) {
    std::string skip(SkipReasonByPath(f));
    if (skip.empty()) {
      SWERL_ASSIGN_OR_RETURN(std::string_view old_skip,
                             LoadSide(repo, f.old_blob, o.max_file_bytes, &old_data));
      SWERL_ASSIGN_OR_RETURN(std::string_view new_skip,
                             LoadSide(repo, f.new_blob, o.max_file_bytes, &new_data));
      if (old_skip == "huge" || new_skip == "huge") {
        skip = "huge";
      } else if (!old_skip.empty() || !new_skip.empty()) {
        skip = old_skip.empty() ? new_skip : old_skip;
      }
      if (skip.empty()) {
        if (!f.old_blob.empty()) p.contents.push_back({f.old_blob, std::move(old_data), {}});
        if (!f.new_blob.empty()) p.contents.push_back({f.new_blob, std::move(new_data), {}});
      }
    }
    p.skip.push_back(std::move(skip));
  }
  return p;
}

// Writes an assembled instance's rows and new blobs (inside the caller's
// transaction).
Status PutInstance(const Job& job, const Prepared& p, Writer* w, db::BlobWriter* blobs) {
  const git::Instance& inst = p.inst;
  w->instance.BindInt(1, job.repo_id);
  w->instance.BindInt(2, job.number);
  w->instance.BindText(3, "assembled");
  w->instance.BindText(4, inst.how);
  w->instance.BindText(5, inst.base_commit);
  w->instance.BindText(6, inst.head_commit);
  w->instance.BindText(7, inst.merge_base);
  w->instance.BindBlob(8, inst.patch);
  w->instance.BindBlob(9, inst.code_patch);
  w->instance.BindBlob(10, inst.test_patch);
  w->instance.BindNull(11);
  w->instance.BindText(12, FormatUtc(static_cast<int64_t>(std::time(nullptr))));
  SWERL_RETURN_IF_ERROR(w->instance.Run());
  for (size_t k = 0; k < inst.commits.size(); ++k) {
    const git::CommitInfo& c = inst.commits[k];
    w->commit.BindInt(1, job.repo_id);
    w->commit.BindInt(2, job.number);
    w->commit.BindInt(3, static_cast<int64_t>(k));
    w->commit.BindText(4, c.sha);
    w->commit.BindBlob(5, c.message);
    w->commit.BindBlob(6, c.author);
    w->commit.BindText(7, c.author_time);
    SWERL_RETURN_IF_ERROR(w->commit.Run());
  }
  for (size_t k = 0; k < inst.files.size(); ++k) {
    const git::ChangedFile& f = inst.files[k];
    db::Stmt& s = w->file;
    s.BindInt(1, job.repo_id);
    s.BindInt(2, job.number);
    s.BindInt(3, static_cast<int64_t>(k));
    s.BindBlob(4, f.old_path);
    s.BindBlob(5, f.new_path);
    s.BindText(6, git::FileStatusName(f.status));
    s.BindOptionalText(7, Opt(f.old_mode));
    s.BindOptionalText(8, Opt(f.new_mode));
    s.BindOptionalText(9, Opt(f.old_blob));
    s.BindOptionalText(10, Opt(f.new_blob));
    s.BindInt(11, f.binary ? 1 : 0);
    s.BindInt(12, f.is_test ? 1 : 0);
    s.BindInt(13, f.similarity);
    s.BindOptionalText(14, Opt(p.skip[k]));
    SWERL_RETURN_IF_ERROR(s.Run());
  }
  for (const Content& c : p.contents) {
    SWERL_RETURN_IF_ERROR(blobs->Put(c.blob_id, c.data, c.frame));
  }
  return OkStatus();
}

// One pull request's outcome, computed by a worker.
struct Outcome {
  std::string status = "assembled";  // or "unresolved", "failed"
  std::string error;                 // "" when assembled
  std::optional<Prepared> prepared;  // when assembled
};

// The mirror a worker has open: the repository of its last job.
class MirrorCache {
 public:
  // The mirror of job.repo, or null with *error saying why it does not open.
  git_repository* Open(const fs::path& repos_dir, const Job& job, std::string* error) {
    if (job.repo_id != repo_id_) {
      repo_id_ = job.repo_id;
      auto repo = git::OpenMirror(repos_dir, job.repo, job.repo_id);
      repo_ = repo ? std::move(*repo) : git::RepoHandle();
      error_ = repo ? std::string() : repo.error().message();
    }
    *error = error_;
    return repo_.get();
  }

 private:
  int64_t repo_id_ = -1;
  git::RepoHandle repo_;
  std::string error_;
};

// Blob ids some job compresses this run, so that a blob shared by many pull
// requests is compressed once. Only saves work: the writer compresses
// whatever arrives without a frame and is not stored yet.
class BlobClaims {
 public:
  bool Claim(const std::string& blob_id) {
    std::lock_guard<std::mutex> lock(mu_);
    return claimed_.insert(blob_id).second;
  }

 private:
  std::mutex mu_;
  std::unordered_set<std::string> claimed_;
};

// A worker's computation of one pull request: the instance, its contents,
// and the frames of the blobs it claimed.
class Worker {
 public:
  Worker(const AssembleStoreOptions& o, BlobClaims* claims)
      : o_(o), claims_(claims), compressor_(db::BlobCompressor::Create(o.zstd_level)) {}

  Outcome operator()(const Job& job) {
    Outcome out;
    std::string error;
    git_repository* repo = mirrors_.Open(o_.repos_dir, job, &error);
    if (!repo) {
      out.status = "failed";
      out.error = error;
      return out;
    }
    auto inst = git::AssembleInstance(repo, job.request, o_.git);
    if (!inst) {
      out.status = inst.error().code() == Code::kNotFound ? "unresolved" : "failed";
      out.error = inst.error().message();
      return out;
    }
    auto prepared = Prepare(repo, std::move(*inst), o_);
    if (!prepared) {
      out.status = "failed";
      out.error = prepared.error().message();
      return out;
    }
    out.prepared.emplace(std::move(*prepared));
    if (!compressor_) return out;  // the writer compresses
    for (Content& c : out.prepared->contents) {
      if (claims_->Claim(c.blob_id) && !compressor_->Compress(c.data, &c.frame)) c.frame.clear();
    }
    return out;
  }

 private:
  const AssembleStoreOptions& o_;
  BlobClaims* claims_;
  Result<db::BlobCompressor> compressor_;
  MirrorCache mirrors_;
};

}  // namespace

bool VendoredPath(std::string_view path) {
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) break;
    const std::string_view dir = path.substr(start, slash - start);
    for (std::string_view v :
         {"vendor", "vendors", "node_modules", "third_party", "bower_components", "dist"}) {
      if (dir == v) return true;
    }
    start = slash + 1;
  }
  const std::string_view name = BaseName(path);
  for (std::string_view suffix : {".min.js", ".min.css", ".map", ".lock", ".pb.go"}) {
    if (EndsWith(name, suffix)) return true;
  }
  for (std::string_view lock :
       {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.lock",
        "go.sum", "poetry.lock", "Pipfile.lock", "composer.lock", "Gemfile.lock"}) {
    if (name == lock) return true;
  }
  return false;
}

bool GeneratedContent(std::string_view data) {
  const std::string_view head = data.substr(0, 1024);
  return head.find("@generated") != std::string_view::npos ||
         head.find("DO NOT EDIT") != std::string_view::npos;
}

std::string_view SkipReasonByPath(const git::ChangedFile& f) {
  if (f.old_mode == "160000" || f.new_mode == "160000") return "submodule";
  if (f.binary) return "binary";
  if ((!f.old_blob.empty() && VendoredPath(f.old_path)) ||
      (!f.new_blob.empty() && VendoredPath(f.new_path))) {
    return "vendored";
  }
  return "";
}

Result<AssembleResult> Assemble(db::Db* db, const AssembleStoreOptions& o,
                                AssembleObserver* observer) {
  const auto start = std::chrono::steady_clock::now();
  AssembleResult result;
  std::string sql =
      "SELECT p.repo_id, p.number, coalesce(p.repo, ''), coalesce(p.base_sha, ''), "
      "coalesce(p.head_sha, ''), coalesce(p.merge_commit_sha, ''), i.status "
      "FROM (SELECT * FROM prs WHERE merged = 1 AND " +
      o.shard.SqlCondition("repo_id");
  if (!o.where.empty()) sql += " AND (" + o.where + ")";
  sql +=
      ") p JOIN repo_clones c ON c.repo_id = p.repo_id AND c.status = 'cloned' "
      "LEFT JOIN instances i ON i.repo_id = p.repo_id AND i.number = p.number "
      "ORDER BY p.repo_id, p.number";
  auto stmt = db->Prepare(sql);
  if (!stmt) {
    return Error(Code::kInvalidInput,
                 "cannot select pull requests (check --where): " + stmt.error().message());
  }
  std::vector<Job> jobs;
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    ++result.selected;
    const std::string_view status = stmt->IsNull(6) ? "" : stmt->Text(6);
    if (!o.refresh && (status == "assembled" || status == "unresolved")) {
      ++result.already_done;
      continue;
    }
    Job job;
    job.repo_id = stmt->Int(0);
    job.number = stmt->Int(1);
    job.repo = std::string(stmt->Text(2));
    job.request.base_sha = std::string(stmt->Text(3));
    job.request.head_sha = std::string(stmt->Text(4));
    job.request.merge_commit_sha = std::string(stmt->Text(5));
    job.request.pr_number = job.number;
    jobs.push_back(std::move(job));
  }
  stmt->Reset();

  SWERL_ASSIGN_OR_RETURN(Writer writer, Writer::Create(db));
  SWERL_ASSIGN_OR_RETURN(db::BlobWriter blobs, db::BlobWriter::Create(db, o.zstd_level));
  AssembleProgress progress;
  progress.total = jobs.size();
  const size_t n_workers = std::clamp<size_t>(o.jobs, 1, std::max<size_t>(jobs.size(), 1));
  BlobClaims claims;
  OrderedPipeline<Outcome> pipe(jobs.size(), n_workers, [&]() -> OrderedPipeline<Outcome>::Compute {
    auto worker = std::make_shared<Worker>(o, &claims);
    return [worker, &jobs](size_t i) { return (*worker)(jobs[i]); };
  });

  SWERL_RETURN_IF_ERROR(db::CommitInOrder<Outcome>(
      db, pipe, jobs.size(),
      [&](size_t i, Outcome& out) -> Status {
        const Job& job = jobs[i];
        const uint64_t blobs_before = blobs.added(), raw_before = blobs.raw_bytes(),
                       stored_before = blobs.stored_bytes();
        Status st = writer.Clear(job);
        if (st) {
          st = out.prepared ? PutInstance(job, *out.prepared, &writer, &blobs)
                            : writer.PutOutcome(job, out.status, out.error);
        }
        if (!st) return std::move(st).error().With("storing " + JobName(job));
        result.blobs += blobs.added() - blobs_before;
        result.raw_bytes += blobs.raw_bytes() - raw_before;
        result.stored_bytes += blobs.stored_bytes() - stored_before;
        out.prepared.reset();  // the contents are written; keep only the outcome
        return OkStatus();
      },
      [&](size_t i, Outcome& done) {
        const Job& j = jobs[i];
        ++progress.done;
        if (done.status == "assembled") {
          ++result.assembled;
        } else if (done.status == "unresolved") {
          ++result.unresolved;
          ++progress.unresolved;
        } else {
          ++result.failed;
          ++progress.failed;
          result.failures.push_back(JobName(j) + ": " + done.error);
        }
        if (observer) {
          observer->OnInstance(j.repo, j.number, done.status, done.error);
          observer->OnProgress(progress);
        }
      },
      [&](size_t i) { return JobName(jobs[i]); }));
  result.elapsed = std::chrono::steady_clock::now() - start;
  return result;
}

}  // namespace swerl::store

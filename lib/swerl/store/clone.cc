#include "swerl/store/clone.h"

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>

#include "swerl/core/utc_time.h"

namespace swerl::store {
namespace fs = std::filesystem;
namespace {

using git::MirrorOutcome;
using git::MirrorStatus;

// One selected repository.
struct Job {
  int64_t repo_id = 0;
  std::string repo;  // owner/name; "" when the store does not know it
  std::string url;
  fs::path path;
};

// GitHub's owner and repository names: letters, digits, '.', '-', '_'.
// Anything else (and "." or "..") could escape the repos directory.
bool SafeName(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// What workers hand to the thread running Clone.
struct Event {
  enum Kind { kRetry, kDone, kOverBudget };
  Kind kind = kDone;
  size_t job = 0;
  int attempt = 0;
  std::string why;
  std::chrono::milliseconds delay{0};
  std::optional<Result<MirrorOutcome>> outcome;
};

// State shared by the workers and the pass's thread.
struct Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Event> events;  // guarded by mu
  size_t next_job = 0;       // guarded by mu
  bool stop = false;         // guarded by mu: start no more repositories
  std::atomic<int64_t> dir_bytes{0};
  std::atomic<uint64_t> active{0};

  void Push(Event e) {
    {
      std::lock_guard<std::mutex> lock(mu);
      events.push_back(std::move(e));
    }
    cv.notify_one();
  }
};

// Forwards one repository's retries to the pass's thread and publishes its
// received bytes for the progress line.
class WorkerObserver : public git::MirrorObserver {
 public:
  WorkerObserver(Shared* shared, size_t job, std::atomic<uint64_t>* bytes)
      : shared_(shared), job_(job), bytes_(bytes) {}
  void OnRetry(int attempt, const std::string& why, std::chrono::milliseconds delay) override {
    Event e;
    e.kind = Event::kRetry;
    e.job = job_;
    e.attempt = attempt;
    e.why = why;
    e.delay = delay;
    shared_->Push(std::move(e));
  }
  void OnBytes(uint64_t received_bytes) override {
    bytes_->store(received_bytes, std::memory_order_relaxed);
  }

 private:
  Shared* shared_;
  size_t job_;
  std::atomic<uint64_t>* bytes_;
};

void Worker(const CloneOptions& options, const std::vector<Job>* jobs,
            const std::vector<size_t>* order, Shared* shared, std::atomic<uint64_t>* bytes) {
  for (;;) {
    size_t job_idx;
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      if (shared->stop || shared->next_job >= order->size()) return;
      job_idx = (*order)[shared->next_job++];
    }
    if (options.disk_budget_bytes > 0 &&
        shared->dir_bytes.load() > static_cast<int64_t>(options.disk_budget_bytes)) {
      Event e;
      e.kind = Event::kOverBudget;
      e.job = job_idx;
      shared->Push(std::move(e));
      continue;
    }
    const Job& job = (*jobs)[job_idx];
    git::MirrorRequest request;
    request.url = job.url;
    request.path = job.path;
    request.retries = options.retries;
    request.retry_base_ms = options.retry_base_ms;
    request.seed = options.seed + job_idx;
    request.stall_timeout_ms = options.stall_timeout_ms;
    request.max_bytes = options.max_repo_bytes;
    const uint64_t before = options.disk_budget_bytes > 0 ? git::DirectoryBytes(job.path) : 0;
    shared->active.fetch_add(1);
    bytes->store(0);
    WorkerObserver observer(shared, job_idx, bytes);
    Result<MirrorOutcome> outcome = git::UpdateMirror(request, &observer);
    bytes->store(0);
    shared->active.fetch_sub(1);
    if (outcome) {
      shared->dir_bytes.fetch_add(static_cast<int64_t>(outcome->disk_bytes) -
                                  static_cast<int64_t>(before));
    }
    Event e;
    e.kind = Event::kDone;
    e.job = job_idx;
    e.outcome.emplace(std::move(outcome));
    shared->Push(std::move(e));
  }
}

class Recorder {
 public:
  static Result<Recorder> Create(db::Db* db) {
    SWERL_ASSIGN_OR_RETURN(
        db::Stmt stmt,
        db->Prepare("INSERT INTO repo_clones(repo_id, repo, path, url, status, error, bytes, "
                    "attempts, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                    "ON CONFLICT(repo_id) DO UPDATE SET repo = excluded.repo, path = "
                    "excluded.path, url = excluded.url, status = excluded.status, error = "
                    "excluded.error, bytes = excluded.bytes, attempts = excluded.attempts, "
                    "fetched_at = excluded.fetched_at"));
    SWERL_ASSIGN_OR_RETURN(db::Stmt clear,
                           db->Prepare("DELETE FROM clone_skipped_refs WHERE repo_id = ?1"));
    SWERL_ASSIGN_OR_RETURN(
        db::Stmt skip,
        db->Prepare("INSERT OR REPLACE INTO clone_skipped_refs(repo_id, ref, object, error) "
                    "VALUES (?1, ?2, ?3, ?4)"));
    return Recorder(std::move(stmt), std::move(clear), std::move(skip));
  }

  // One row, in its own (autocommit) transaction.
  Status Put(const Job& job, const MirrorOutcome& outcome) {
    upsert_.BindInt(1, job.repo_id);
    upsert_.BindOptionalText(
        2, job.repo.empty() ? std::nullopt : std::optional<std::string_view>(job.repo));
    if (job.path.empty()) {
      upsert_.BindNull(3);
    } else {
      upsert_.BindText(3, job.path.string());
    }
    upsert_.BindOptionalText(
        4, job.url.empty() ? std::nullopt : std::optional<std::string_view>(job.url));
    upsert_.BindText(5, git::MirrorStatusName(outcome.status));
    upsert_.BindOptionalText(6, outcome.status == MirrorStatus::kCloned
                                    ? std::nullopt
                                    : std::optional<std::string_view>(outcome.error));
    upsert_.BindOptionalInt(
        7, outcome.disk_bytes > 0 ? std::optional<int64_t>(outcome.disk_bytes) : std::nullopt);
    upsert_.BindInt(8, outcome.attempts);
    upsert_.BindText(9, FormatUtc(static_cast<int64_t>(std::time(nullptr))));
    SWERL_RETURN_IF_ERROR(upsert_.Run());
    // The skipped refs of this run replace the last run's. A repository that
    // was not mirrored this time keeps its earlier list.
    if (outcome.status != MirrorStatus::kCloned) return OkStatus();
    clear_.BindInt(1, job.repo_id);
    SWERL_RETURN_IF_ERROR(clear_.Run());
    for (const git::SkippedRef& r : outcome.skipped_refs) {
      skip_.BindInt(1, job.repo_id);
      skip_.BindText(2, r.ref);
      skip_.BindOptionalText(
          3, r.object.empty() ? std::nullopt : std::optional<std::string_view>(r.object));
      skip_.BindText(4, r.error);
      SWERL_RETURN_IF_ERROR(skip_.Run());
    }
    return OkStatus();
  }

 private:
  Recorder(db::Stmt upsert, db::Stmt clear, db::Stmt skip)
      : upsert_(std::move(upsert)), clear_(std::move(clear)), skip_(std::move(skip)) {}
  db::Stmt upsert_, clear_, skip_;
};

}  // namespace

uint64_t CloneResult::finished() const {
  uint64_t n = 0;
  for (uint64_t c : statuses) n += c;
  return n;
}

std::string ExpandUrlTemplate(const std::string& url_template, const std::string& owner,
                              const std::string& name) {
  std::string out;
  for (size_t i = 0; i < url_template.size();) {
    if (url_template.compare(i, 7, "{owner}") == 0) {
      out += owner;
      i += 7;
    } else if (url_template.compare(i, 6, "{name}") == 0) {
      out += name;
      i += 6;
    } else {
      out += url_template[i++];
    }
  }
  return out;
}

Result<CloneResult> Clone(db::Db* db, const CloneOptions& o, CloneObserver* observer) {
  if (o.shard.count < 1 || o.shard.index < 0 || o.shard.index >= o.shard.count) {
    return Error(Code::kInvalidInput, "bad shard " + o.shard.ToString());
  }
  const auto start = std::chrono::steady_clock::now();
  CloneResult result;
  // repo_clones.path is absolute, whatever the working directory of the run.
  std::error_code abs_ec;
  const fs::path repos_dir = fs::absolute(o.repos_dir, abs_ec).lexically_normal();
  if (abs_ec) {
    return Error(Code::kIo, "cannot resolve '" + o.repos_dir.string() + "': " + abs_ec.message());
  }

  // Selection: one row per repository with a merged pull request.
  std::string sql =
      "WITH sel AS (SELECT repo_id, repo FROM (SELECT repo_id, max(repo) AS repo FROM prs "
      "WHERE merged = 1 GROUP BY repo_id) WHERE " +
      o.shard.SqlCondition("repo_id");
  if (!o.where.empty()) sql += " AND (" + o.where + ")";
  sql +=
      ") SELECT sel.repo_id, sel.repo, c.status FROM sel LEFT JOIN repo_clones c "
      "ON c.repo_id = sel.repo_id ORDER BY sel.repo_id";
  auto stmt = db->Prepare(sql);
  if (!stmt) {
    return Error(Code::kInvalidInput,
                 "cannot select repositories (check --where): " + stmt.error().message());
  }

  SWERL_ASSIGN_OR_RETURN(Recorder recorder, Recorder::Create(db));
  std::vector<Job> jobs;
  std::vector<size_t> order;  // the jobs to mirror, by position in `jobs`
  auto record_failure = [&](const Job& job, MirrorStatus status, const std::string& why) {
    result.statuses[static_cast<size_t>(status)]++;
    result.failures.push_back(
        (job.repo.empty() ? "repository " + std::to_string(job.repo_id) : job.repo) + ": " +
        std::string(git::MirrorStatusName(status)) + ": " + why);
  };
  std::vector<std::pair<size_t, std::string>> invalid;  // jobs failed before starting
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    Job job;
    job.repo_id = stmt->Int(0);
    if (!stmt->IsNull(1)) job.repo = std::string(stmt->Text(1));
    const std::string status = stmt->IsNull(2) ? "" : std::string(stmt->Text(2));
    ++result.selected;
    const size_t slash = job.repo.find('/');
    const std::string owner = slash == std::string::npos ? "" : job.repo.substr(0, slash);
    const std::string name = slash == std::string::npos ? "" : job.repo.substr(slash + 1);
    std::string why;
    if (job.repo.empty()) {
      why = "its owner/name is unknown";
    } else if (!SafeName(owner) || !SafeName(name)) {
      why = "'" + job.repo + "' is not a valid owner/name";
    } else {
      job.url = ExpandUrlTemplate(o.url_template, owner, name);
      job.path = repos_dir / owner / (name + ".git");
    }
    if (!o.refresh && why.empty()) {
      std::error_code ec;
      const bool permanent =
          status == "not_found" || status == "auth_required" || status == "too_large";
      if (permanent || (status == "cloned" && fs::exists(job.path, ec))) {
        ++result.already_done;
        continue;
      }
    }
    ++result.to_update;
    jobs.push_back(std::move(job));
    if (why.empty()) {
      order.push_back(jobs.size() - 1);
    } else {
      invalid.emplace_back(jobs.size() - 1, std::move(why));
    }
  }
  stmt->Reset();

  for (const auto& [job_idx, why] : invalid) {
    MirrorOutcome outcome;
    outcome.status = MirrorStatus::kFailed;
    outcome.error = why;
    SWERL_RETURN_IF_ERROR(recorder.Put(jobs[job_idx], outcome));
    record_failure(jobs[job_idx], MirrorStatus::kFailed, why);
    if (observer) observer->OnRepoDone(jobs[job_idx].repo, outcome);
  }
  if (!order.empty()) {
    std::error_code ec;
    fs::create_directories(repos_dir, ec);
    if (ec) {
      return Error(Code::kIo, "cannot create '" + repos_dir.string() + "': " + ec.message());
    }
  }

  Shared shared;
  if (o.disk_budget_bytes > 0) {
    shared.dir_bytes = static_cast<int64_t>(git::DirectoryBytes(repos_dir));
  }
  const size_t n_workers = std::min<size_t>(std::max(o.jobs, 1), std::max<size_t>(order.size(), 1));
  std::vector<std::atomic<uint64_t>> bytes(n_workers);
  std::vector<std::thread> workers;
  for (size_t w = 0; w < n_workers && !order.empty(); ++w) {
    workers.emplace_back(Worker, std::cref(o), &jobs, &order, &shared, &bytes[w]);
  }

  // The pass's thread: records outcomes as they arrive and reports.
  Status failure = OkStatus();
  size_t pending = order.size();
  CloneProgress progress;
  progress.total = result.to_update;
  progress.done = invalid.size();
  progress.failed = invalid.size();
  while (pending > 0) {
    std::deque<Event> batch;
    {
      std::unique_lock<std::mutex> lock(shared.mu);
      shared.cv.wait_for(lock, std::chrono::milliseconds(250),
                         [&] { return !shared.events.empty(); });
      batch.swap(shared.events);
    }
    for (Event& e : batch) {
      const Job& job = jobs[e.job];
      if (e.kind == Event::kRetry) {
        if (observer) observer->OnRetry(job.repo, e.attempt, e.why, e.delay);
        continue;
      }
      --pending;
      if (e.kind == Event::kOverBudget) {
        ++result.over_budget;
        ++progress.done;
        continue;
      }
      MirrorOutcome outcome;
      if (*e.outcome) {
        outcome = std::move(**e.outcome);
      } else {
        outcome.status = MirrorStatus::kFailed;
        outcome.error = e.outcome->error().message();
      }
      if (failure) {
        if (Status st = recorder.Put(job, outcome); !st) {
          failure = std::move(st).error().With("recording '" + job.repo + "'");
          std::lock_guard<std::mutex> lock(shared.mu);
          shared.stop = true;
        }
      }
      ++progress.done;
      if (outcome.status == MirrorStatus::kCloned) {
        result.statuses[static_cast<size_t>(MirrorStatus::kCloned)]++;
        if (!outcome.skipped_refs.empty()) ++result.partial;
        for (const git::SkippedRef& r : outcome.skipped_refs) {
          result.skipped_refs.push_back((job.repo.empty() ? "repository " +
                                         std::to_string(job.repo_id) : job.repo) + ": " + r.error);
        }
        ++(outcome.created ? result.created : result.fetched);
      } else {
        ++progress.failed;
        record_failure(job, outcome.status, outcome.error);
      }
      if (observer) observer->OnRepoDone(job.repo, outcome);
    }
    if (!failure) {
      // After a database failure the workers start nothing more: once every
      // started repository has reported, only the unstarted ones remain.
      std::lock_guard<std::mutex> lock(shared.mu);
      if (pending == order.size() - shared.next_job) pending = 0;
    }
    progress.active = shared.active.load();
    progress.received_bytes = 0;
    for (const auto& b : bytes) progress.received_bytes += b.load(std::memory_order_relaxed);
    if (observer) observer->OnProgress(progress);
  }
  for (std::thread& t : workers) t.join();
  result.elapsed = std::chrono::steady_clock::now() - start;
  if (!failure) return std::move(failure).error();
  return result;
}

}  // namespace swerl::store

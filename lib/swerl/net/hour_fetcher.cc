#include "swerl/net/hour_fetcher.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <unordered_set>
#include <utility>

#include "swerl/core/sha256.h"
#include "swerl/io/atomic_file.h"
#include "swerl/io/gzip.h"
#include "swerl/io/input.h"
#include "swerl/net/backoff.h"
#include "swerl/net/curl_handles.h"
#include "swerl/net/http_response.h"
#include "swerl/net/manifest.h"

namespace swerl::net {
namespace {

using Clock = std::chrono::steady_clock;
using gharchive::Hour;

constexpr size_t kMaxErrorBody = 512;  // bytes of an error response kept for messages
constexpr long kReceiveBufferBytes = 256 << 10;
constexpr int kMaxPollMs = 1000;
constexpr const char* kLockName = ".swerl-fetch.lock";

// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Passes bytes through while hashing them, so verification reads a file once
// for both the SHA-256 and the gzip check.
class HashingInput : public io::InputStream {
 public:
  HashingInput(std::unique_ptr<io::InputStream> in, Sha256* hash)
      : in_(std::move(in)), hash_(hash) {}
  Result<size_t> Read(char* buf, size_t n) override {
    SWERL_ASSIGN_OR_RETURN(size_t got, in_->Read(buf, n));
    hash_->Update({buf, got});
    return got;
  }
  const std::string& name() const override { return in_->name(); }
  uint64_t source_offset() const override { return in_->source_offset(); }

 private:
  std::unique_ptr<io::InputStream> in_;
  Sha256* hash_;
};

struct Verified {
  std::string sha256;
  uint64_t bytes = 0;
};

// Hashes the file at `path` and, when `check_gzip`, decodes all of it.
// Errors: kCorrupt (damaged or truncated gzip, empty file), kNotFound, kIo.
Result<Verified> HashFile(const std::string& path, bool check_gzip) {
  SWERL_ASSIGN_OR_RETURN(auto file, io::OpenFile(path));
  Sha256 hash;
  auto hashing = std::make_unique<HashingInput>(std::move(file), &hash);
  HashingInput* raw = hashing.get();
  if (check_gzip) {
    auto gz = io::GzipInput(std::move(hashing));
    auto decoded = io::DrainCount(*gz);
    if (!decoded) {
      Error e = std::move(decoded).error();
      if (e.code() == Code::kCorrupt) return std::move(e).With("corrupt gzip");
      return e;
    }
    // The decoder reads to the end to rule out trailing garbage, but make sure
    // every byte was hashed.
    SWERL_RETURN_IF_ERROR(io::DrainCount(*raw));
    if (raw->source_offset() == 0) return Error(Code::kCorrupt, "'" + path + "' is empty");
    return Verified{hash.HexDigest(), raw->source_offset()};
  }
  SWERL_RETURN_IF_ERROR(io::DrainCount(*raw));
  return Verified{hash.HexDigest(), raw->source_offset()};
}

// Verifies a finished download and moves it into place: the size must equal
// `expected_bytes` when known and the whole file must decode as gzip; then
// the file is fsynced, renamed over `final_path` and the directory fsynced.
// Errors: kCorrupt (the caller discards the part and retries), kIo.
Result<Verified> VerifyAndInstall(const std::string& part_path, const std::string& final_path,
                                  std::optional<uint64_t> expected_bytes) {
  SWERL_ASSIGN_OR_RETURN(Verified v, HashFile(part_path, /*check_gzip=*/true));
  if (expected_bytes && v.bytes != *expected_bytes) {
    return Error(Code::kCorrupt, "'" + part_path + "' has " + std::to_string(v.bytes) +
                                     " bytes, the server announced " +
                                     std::to_string(*expected_bytes));
  }
  UniqueFd fd(::open(part_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoError("cannot open '" + part_path + "'", errno);
  if (::fsync(fd.get()) != 0) return ErrnoError("cannot fsync '" + part_path + "'", errno);
  if (::rename(part_path.c_str(), final_path.c_str()) != 0) {
    return ErrnoError("cannot rename '" + part_path + "' to '" + final_path + "'", errno);
  }
  SWERL_RETURN_IF_ERROR(io::SyncParentDir(final_path));
  return v;
}

bool IsRetryableStatus(long status) { return status >= 500 || status == 408 || status == 429; }

struct Task;

// One HTTP request for a task: everything here lives from StartAttempt to
// FinishAttempt, so idle hours stay small.
struct Attempt {
  Task* task = nullptr;
  CurlEasy easy;
  CurlSlist request_headers;
  ResponseHead head;
  UniqueFd fd;  // the part file
  std::string part_path;
  uint64_t offset = 0;   // the file position the body starts at
  uint64_t written = 0;  // body bytes written by this attempt
  bool body_decided = false;
  bool to_file = false;
  bool range_mismatch = false;
  bool stalled = false;
  Clock::time_point last_activity;  // the last header line or body byte
  curl_off_t last_dlnow = 0;
  Clock::duration stall_timeout{};
  std::string error_body;  // the start of a non-2xx body, for messages
  std::optional<Error> write_error;
  char curl_error[CURL_ERROR_SIZE] = {};
  FetchStats* stats = nullptr;  // borrowed; the callbacks update it
  FetchObserver* observer = nullptr;
};

// One hour, from scheduling to its outcome.
struct Task {
  size_t outcome_index = 0;
  Hour hour;
  std::string name;
  std::string url;
  std::string final_path;
  std::string part_path;
  int attempts = 0;
  std::string etag;           // the latest validator seen, for If-Range
  std::string last_modified;  // the latest seen
  std::optional<Error> last_error;

  std::unique_ptr<Attempt> attempt;  // while a request is in flight

  // Verification in flight (or hashing an existing file when hash_only).
  bool hash_only = false;
  std::optional<uint64_t> expected_bytes;
  std::future<Result<Verified>> verify;
  std::jthread verify_thread;
};

// Whether a 206 response covers the file from byte `offset` to its end, with
// a known total (what resuming at `offset` asked for).
bool RangeStartsAt(const ResponseHead& head, uint64_t offset) {
  const auto& range = head.content_range();
  return range && range->first && *range->first == offset && range->total;
}

// Decides, at the first body byte, where the body goes: 206 appends to the
// part file (after checking Content-Range starts where we asked), 200
// rewrites it from byte 0 (the server ignored or refused our Range, or the
// file changed under If-Range), anything else is an error page kept for the
// message. Returns false to abort the transfer.
bool DecideBody(Attempt* a) {
  a->body_decided = true;
  const int status = a->head.status();
  if (status == 206) {
    if (!RangeStartsAt(a->head, a->offset)) {
      a->range_mismatch = true;
      return false;
    }
    a->to_file = true;
  } else if (status == 200) {
    if (a->offset > 0) {
      if (::ftruncate(a->fd.get(), 0) != 0) {
        a->write_error = ErrnoError("cannot truncate '" + a->part_path + "'", errno);
        return false;
      }
      a->offset = 0;
      ++a->stats->restarted;
      if (a->observer) {
        a->observer->OnRestart(a->task->hour, "the server ignored the Range request");
      }
    }
    a->to_file = true;
  }
  return true;
}

size_t OnBody(char* data, size_t size, size_t nmemb, void* user) {
  Attempt* a = static_cast<Attempt*>(user);
  const size_t n = size * nmemb;
  if (n == 0) return 0;
  if (!a->body_decided && !DecideBody(a)) return 0;
  if (!a->to_file) {
    const size_t room = kMaxErrorBody - std::min(kMaxErrorBody, a->error_body.size());
    a->error_body.append(data, std::min(n, room));
    return n;
  }
  size_t done = 0;
  while (done < n) {
    const ssize_t w =
        ::pwrite(a->fd.get(), data + done, n - done, static_cast<off_t>(a->offset + a->written));
    if (w < 0) {
      if (errno == EINTR) continue;
      a->write_error = ErrnoError("cannot write '" + a->part_path + "'", errno);
      return 0;
    }
    done += static_cast<size_t>(w);
    a->written += static_cast<uint64_t>(w);
  }
  a->stats->received_bytes += n;
  return n;
}

size_t OnHeader(char* data, size_t size, size_t nitems, void* user) {
  Attempt* a = static_cast<Attempt*>(user);
  a->head.AddLine({data, size * nitems});
  a->last_activity = Clock::now();
  return size * nitems;
}

// Aborts the transfer (CURLE_ABORTED_BY_CALLBACK, flagged as a stall) once
// nothing has arrived for the stall timeout.
int OnTransferInfo(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t) {
  Attempt* a = static_cast<Attempt*>(user);
  const auto now = Clock::now();
  if (dlnow != a->last_dlnow) {
    a->last_dlnow = dlnow;
    a->last_activity = now;
    return 0;
  }
  if (now - a->last_activity >= a->stall_timeout) {
    a->stalled = true;
    return 1;
  }
  return 0;
}

class Fetcher {
 public:
  Fetcher(const FetchOptions& options, FetchObserver* observer, CurlMulti multi, Manifest manifest)
      : options_(options),
        observer_(observer),
        multi_(std::move(multi)),
        backoff_({options.retry_base_ms, options.retry_cap_ms},
                 options.seed ? *options.seed : std::random_device{}()),
        manifest_(std::move(manifest)) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    verify_slots_ = options.verify_threads > 0 ? options.verify_threads : static_cast<int>(cores);
  }

  ~Fetcher() {
    // Detach transfers before the multi handle goes; verification threads
    // join when the tasks are destroyed (before multi_, declared first).
    for (auto& t : tasks_) {
      if (t->attempt) curl_multi_remove_handle(multi_.get(), t->attempt->easy.get());
    }
  }

  Result<FetchResult> Run(std::span<const Hour> hours);

 private:
  void Schedule(std::span<const Hour> hours);
  void StartAttempt(Task& t);
  void FinishAttempt(Attempt& attempt, CURLcode rc);
  void StartVerify(Task& t, std::optional<uint64_t> expected_bytes);
  void LaunchVerifications();
  void FinishVerify(Task& t, Result<Verified> verified);
  void Retry(Task& t, Error why, std::optional<std::chrono::milliseconds> at_least = {});
  void Finish(Task& t, HourState state, std::optional<Error> error, const Verified* file);
  void Record(const ManifestEntry& entry);
  Status Setopts(Attempt& a);
  Status Drive();
  bool Idle() const {
    return active_ == 0 && ready_.empty() && delayed_.empty() && verify_queue_.empty() &&
           verifying_.empty();
  }

  const FetchOptions& options_;
  FetchObserver* observer_;
  CurlMulti multi_;
  Backoff backoff_;
  Manifest manifest_;
  std::vector<std::unique_ptr<Task>> tasks_;
  std::deque<Task*> ready_;
  std::multimap<Clock::time_point, Task*> delayed_;
  std::deque<Task*> verify_queue_;
  std::vector<Task*> verifying_;
  int verify_slots_ = 1;
  int active_ = 0;
  FetchResult result_;
  std::optional<Error> fatal_;  // stops the run (manifest or curl failure)
};

void Fetcher::Schedule(std::span<const Hour> hours) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::unordered_set<int64_t> seen;
  for (const Hour& hour : hours) {
    if (!seen.insert(hour.index()).second) continue;
    auto t = std::make_unique<Task>();
    t->outcome_index = result_.outcomes.size();
    t->hour = hour;
    t->name = hour.FileName();
    t->url = base + "/" + t->name;
    t->final_path = (std::filesystem::path(options_.dir) / t->name).string();
    t->part_path = t->final_path + ".part";
    if (const ManifestEntry* prior = manifest_.Find(t->name)) t->etag = prior->etag;
    HourOutcome outcome;
    outcome.hour = hour;
    outcome.path = t->final_path;
    result_.outcomes.push_back(std::move(outcome));
    ++result_.stats.hours;

    struct stat st;
    if (::stat(t->final_path.c_str(), &st) == 0) {
      HourOutcome& o = result_.outcomes.back();
      o.state = HourState::kSkipped;
      o.bytes = static_cast<uint64_t>(st.st_size);
      ++result_.stats.skipped;
      ::unlink(t->part_path.c_str());  // a stale leftover, if any
      if (observer_) observer_->OnHourDone(o);
      // Keep the manifest true even after a crash between the rename and
      // the manifest line (no entry, or an older failed/missing one): hash
      // the file we already have.
      const ManifestEntry* prior = manifest_.Find(t->name);
      if (!prior || prior->status != EntryStatus::kOk ||
          prior->bytes != static_cast<uint64_t>(st.st_size)) {
        t->hash_only = true;
        verify_queue_.push_back(t.get());
      }
    } else {
      ready_.push_back(t.get());
    }
    tasks_.push_back(std::move(t));
  }
}

Status Fetcher::Setopts(Attempt& a) {
  CURL* e = a.easy.get();
  void* self = &a;
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption opt, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, value);
  };
  set(CURLOPT_URL, a.task->url.c_str());
  set(CURLOPT_PRIVATE, self);
  set(CURLOPT_ERRORBUFFER, a.curl_error);
  set(CURLOPT_WRITEFUNCTION, &OnBody);
  set(CURLOPT_WRITEDATA, self);
  set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set(CURLOPT_HEADERDATA, self);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 1L);  // old hosts (data.githubarchive.org) redirect
  set(CURLOPT_MAXREDIRS, 5L);
  set(CURLOPT_USERAGENT, options_.user_agent.c_str());
  set(CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  // A stall is stall_timeout_s without a byte, headers included. curl's
  // low-speed check averages the rate over a ~5 s window, so after a burst it
  // notices a stall seconds late; OnTransferInfo catches it on time. The
  // low-speed check stays as a backstop, and its timer makes curl call
  // OnTransferInfo at least once a second even when the socket is silent.
  set(CURLOPT_LOW_SPEED_LIMIT, 1L);
  set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(std::max<int64_t>(1, options_.stall_timeout_s)));
  set(CURLOPT_NOPROGRESS, 0L);
  set(CURLOPT_XFERINFOFUNCTION, &OnTransferInfo);
  set(CURLOPT_XFERINFODATA, self);
  set(CURLOPT_TIMEOUT, static_cast<long>(std::max<int64_t>(0, options_.attempt_timeout_s)));
  if (a.request_headers) set(CURLOPT_HTTPHEADER, a.request_headers.get());
  if (rc != CURLE_OK) return CurlError(rc, "configuring the transfer of '" + a.task->url + "'");
  return OkStatus();
}

void Fetcher::StartAttempt(Task& t) {
  ++t.attempts;
  auto a = std::make_unique<Attempt>();
  a->task = &t;
  a->part_path = t.part_path;
  a->stats = &result_.stats;
  a->observer = observer_;
  a->stall_timeout = std::chrono::seconds(std::max<int64_t>(1, options_.stall_timeout_s));
  a->last_activity = Clock::now();
  a->fd.reset(::open(t.part_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (!a->fd) {
    Finish(t, HourState::kFailed, ErrnoError("cannot open '" + t.part_path + "'", errno), nullptr);
    return;
  }
  struct stat st;
  if (::fstat(a->fd.get(), &st) != 0) {
    Finish(t, HourState::kFailed, ErrnoError("cannot stat '" + t.part_path + "'", errno), nullptr);
    return;
  }
  a->offset = static_cast<uint64_t>(st.st_size);
  if (a->offset > 0) {
    const std::string range = "Range: bytes=" + std::to_string(a->offset) + "-";
    Status added = AppendHeader(&a->request_headers, range.c_str());
    // Only a strong validator may guard a Range (RFC 9110 13.1.5).
    if (added && !t.etag.empty() && t.etag.rfind("W/", 0) != 0) {
      added = AppendHeader(&a->request_headers, ("If-Range: " + t.etag).c_str());
    }
    if (!added) {
      Finish(t, HourState::kFailed, std::move(added).error(), nullptr);
      return;
    }
    ++result_.stats.resumed;
    if (observer_) observer_->OnResume(t.hour, a->offset);
  }
  a->easy.reset(curl_easy_init());
  if (!a->easy) {
    Finish(t, HourState::kFailed, Error(Code::kIo, "curl_easy_init failed"), nullptr);
    return;
  }
  if (Status s = Setopts(*a); !s) {
    Finish(t, HourState::kFailed, std::move(s).error(), nullptr);
    return;
  }
  if (CURLMcode mc = curl_multi_add_handle(multi_.get(), a->easy.get()); mc != CURLM_OK) {
    fatal_ = CurlMultiError(mc, "cannot add a transfer");
    return;
  }
  t.attempt = std::move(a);
  ++active_;
}

void Fetcher::FinishAttempt(Attempt& attempt, CURLcode rc) {
  Task& t = *attempt.task;
  curl_multi_remove_handle(multi_.get(), attempt.easy.get());
  --active_;
  // Own the attempt here; it is freed on return, its file closed.
  const std::unique_ptr<Attempt> a = std::move(t.attempt);
  a->easy.reset();
  a->fd.reset();
  const int status = a->head.status();
  // Validators describe the file only on 200/206 (an error page has its own).
  if (status == 200 || status == 206) {
    if (!a->head.etag().empty()) t.etag = a->head.etag();
    if (!a->head.last_modified().empty()) t.last_modified = a->head.last_modified();
  }

  if (a->write_error) {
    Finish(t, HourState::kFailed, std::move(*a->write_error), nullptr);
    return;
  }
  // DecideBody checks Content-Range on the first body byte; a 206 without a
  // body never got there.
  if (status == 206 && !RangeStartsAt(a->head, a->offset)) a->range_mismatch = true;
  if (a->range_mismatch) {
    ::unlink(t.part_path.c_str());
    ++result_.stats.restarted;
    if (observer_) observer_->OnRestart(t.hour, "the server sent an unexpected Content-Range");
    Retry(t, Error(Code::kExternal, "HTTP 206 from '" + t.url + "' does not start at byte " +
                                        std::to_string(a->offset)));
    return;
  }
  if (rc != CURLE_OK) {
    if (a->stalled) {
      const auto secs = std::chrono::duration_cast<std::chrono::seconds>(a->stall_timeout);
      Retry(t, Error(Code::kExternal, "downloading '" + t.url + "': Timeout: no data for " +
                                          std::to_string(secs.count()) + " s"));
      return;
    }
    Error e = CurlError(rc, "downloading '" + t.url + "'", a->curl_error);
    if (IsTransient(rc)) {
      Retry(t, std::move(e));
    } else {
      Finish(t, HourState::kFailed, std::move(e), nullptr);
    }
    return;
  }
  if (status == 404) {
    ::unlink(t.part_path.c_str());
    Finish(t, HourState::kMissing, std::nullopt, nullptr);
    return;
  }
  if (status == 416) {
    // Our Range starts at or past the end. If the part is exactly the whole
    // file (a run stopped before renaming it), verify it; else start over.
    const auto& range = a->head.content_range();
    if (a->offset > 0 && range && range->total && *range->total == a->offset) {
      StartVerify(t, a->offset);
      return;
    }
    ::unlink(t.part_path.c_str());
    ++result_.stats.restarted;
    if (observer_) observer_->OnRestart(t.hour, "the server refused the Range (416)");
    Retry(t, HttpStatusError(status, t.url, a->error_body));
    return;
  }
  if (status == 200 || status == 206) {
    // The full length: Content-Range's total for 206, Content-Length for 200.
    std::optional<uint64_t> expected = a->head.content_length();
    if (status == 206) expected = a->head.content_range()->total;  // RangeStartsAt checked it
    const uint64_t have = a->offset + a->written;
    if (expected && have < *expected) {
      Retry(t, Error(Code::kExternal, "short body from '" + t.url + "': " + std::to_string(have) +
                                          " of " + std::to_string(*expected) + " bytes"));
      return;
    }
    StartVerify(t, expected);
    return;
  }
  Error e = status == 0 ? Error(Code::kExternal, "no HTTP response from '" + t.url + "'")
                        : HttpStatusError(status, t.url, a->error_body);
  if (status == 0 || IsRetryableStatus(status)) {
    std::optional<std::chrono::milliseconds> at_least;
    if (a->head.retry_after_s()) at_least = std::chrono::seconds(*a->head.retry_after_s());
    Retry(t, std::move(e), at_least);
  } else {
    Finish(t, HourState::kFailed, std::move(e), nullptr);
  }
}

void Fetcher::StartVerify(Task& t, std::optional<uint64_t> expected_bytes) {
  t.expected_bytes = expected_bytes;
  verify_queue_.push_back(&t);
}

void Fetcher::LaunchVerifications() {
  while (!verify_queue_.empty() && static_cast<int>(verifying_.size()) < verify_slots_) {
    Task* t = verify_queue_.front();
    verify_queue_.pop_front();
    std::promise<Result<Verified>> promise;
    t->verify = promise.get_future();
    // The thread wakes the event loop only after the value is set, so the
    // loop never sleeps on a finished verification.
    t->verify_thread = std::jthread(
        [promise = std::move(promise), multi = multi_.get(), hash_only = t->hash_only,
         part = t->part_path, final_path = t->final_path, expected = t->expected_bytes]() mutable {
          promise.set_value(hash_only ? HashFile(final_path, /*check_gzip=*/false)
                                      : VerifyAndInstall(part, final_path, expected));
          curl_multi_wakeup(multi);
        });
    verifying_.push_back(t);
  }
}

void Fetcher::FinishVerify(Task& t, Result<Verified> verified) {
  if (t.hash_only) {
    // Best effort: an unreadable existing file stays skipped, unrecorded.
    if (verified) {
      ManifestEntry entry;
      entry.hour = t.name;
      entry.status = EntryStatus::kOk;
      entry.bytes = verified->bytes;
      entry.sha256 = verified->sha256;
      entry.url = t.url;
      Record(entry);
    }
    return;
  }
  if (verified) {
    Finish(t, HourState::kOk, std::nullopt, &*verified);
    return;
  }
  Error e = std::move(verified).error();
  if (e.code() == Code::kCorrupt) {
    ::unlink(t.part_path.c_str());
    ++result_.stats.restarted;
    if (observer_) observer_->OnRestart(t.hour, "the downloaded file failed verification");
    Retry(t, std::move(e).With("verifying '" + t.url + "'"));
  } else {
    Finish(t, HourState::kFailed, std::move(e), nullptr);
  }
}

void Fetcher::Retry(Task& t, Error why, std::optional<std::chrono::milliseconds> at_least) {
  if (t.attempts > options_.retries) {
    std::string context = "giving up after " + std::to_string(t.attempts) +
                          (t.attempts == 1 ? " attempt" : " attempts");
    Finish(t, HourState::kFailed, std::move(why).With(context), nullptr);
    return;
  }
  ++result_.stats.retries;
  auto delay = backoff_.Delay(t.attempts);
  if (at_least) {
    delay = std::max(delay, std::min(*at_least, std::chrono::milliseconds(options_.retry_cap_ms)));
  }
  if (observer_) observer_->OnRetry(t.hour, t.attempts, why, delay);
  t.last_error = std::move(why);
  delayed_.emplace(Clock::now() + delay, &t);
}

void Fetcher::Finish(Task& t, HourState state, std::optional<Error> error, const Verified* file) {
  HourOutcome& o = result_.outcomes[t.outcome_index];
  o.state = state;
  o.attempts = t.attempts;
  ManifestEntry entry;
  entry.hour = t.name;
  entry.attempts = static_cast<uint64_t>(t.attempts);
  entry.etag = t.etag;
  entry.last_modified = t.last_modified;
  entry.url = t.url;
  switch (state) {
    case HourState::kOk:
      o.bytes = file->bytes;
      o.sha256 = file->sha256;
      o.error = t.last_error;
      entry.status = EntryStatus::kOk;
      entry.bytes = file->bytes;
      entry.sha256 = file->sha256;
      ++result_.stats.ok;
      result_.stats.ok_bytes += file->bytes;
      break;
    case HourState::kMissing:
      entry.status = EntryStatus::kMissing;
      ++result_.stats.missing;
      break;
    case HourState::kFailed:
    case HourState::kSkipped:  // not reached: skips are settled in Schedule
      o.state = HourState::kFailed;
      o.error = std::move(error);
      entry.status = EntryStatus::kFailed;
      ++result_.stats.failed;
      break;
  }
  const std::optional<Error>& why = o.error;
  if (why) entry.last_error = why->message();
  Record(entry);
  if (observer_) observer_->OnHourDone(o);
}

void Fetcher::Record(const ManifestEntry& entry) {
  if (fatal_) return;
  if (Status s = manifest_.Append(entry); !s) fatal_ = std::move(s).error();
}

Status Fetcher::Drive() {
  for (;;) {
    if (fatal_) return *fatal_;
    const auto now = Clock::now();
    while (!delayed_.empty() && delayed_.begin()->first <= now) {
      ready_.push_back(delayed_.begin()->second);
      delayed_.erase(delayed_.begin());
    }
    while (active_ < options_.parallel && !ready_.empty() && !fatal_) {
      Task* t = ready_.front();
      ready_.pop_front();
      StartAttempt(*t);
    }
    LaunchVerifications();
    result_.stats.active = static_cast<uint64_t>(active_);
    result_.stats.verifying = verifying_.size() + verify_queue_.size();
    if (observer_) observer_->OnProgress(result_.stats);
    if (fatal_) return *fatal_;
    if (Idle()) return OkStatus();

    int running = 0;
    if (CURLMcode mc = curl_multi_perform(multi_.get(), &running); mc != CURLM_OK) {
      return CurlMultiError(mc, "curl_multi_perform");
    }
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      void* priv = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
      // FinishAttempt removes the handle, which invalidates msg: copy first.
      const CURLcode rc = msg->data.result;
      FinishAttempt(*static_cast<Attempt*>(priv), rc);
    }
    for (size_t i = 0; i < verifying_.size();) {
      Task* t = verifying_[i];
      if (t->verify.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        ++i;
        continue;
      }
      verifying_.erase(verifying_.begin() + static_cast<std::ptrdiff_t>(i));
      Result<Verified> verified = t->verify.get();
      t->verify_thread.join();
      FinishVerify(*t, std::move(verified));
    }

    // Sleep until a socket is ready, curl's own timer fires, a verification
    // wakes us, or the next delayed retry is due; not when there is work.
    if (fatal_ || Idle()) continue;
    if (!ready_.empty() && active_ < options_.parallel) continue;
    if (!verify_queue_.empty() && static_cast<int>(verifying_.size()) < verify_slots_) continue;
    int timeout_ms = kMaxPollMs;
    if (!delayed_.empty()) {
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          delayed_.begin()->first - Clock::now());
      timeout_ms = static_cast<int>(std::clamp<int64_t>(wait.count() + 1, 0, kMaxPollMs));
    }
    if (CURLMcode mc = curl_multi_poll(multi_.get(), nullptr, 0, timeout_ms, nullptr);
        mc != CURLM_OK) {
      return CurlMultiError(mc, "curl_multi_poll");
    }
  }
}

Result<FetchResult> Fetcher::Run(std::span<const Hour> hours) {
  const auto start = Clock::now();
  Schedule(hours);
  Status driven = Drive();
  result_.stats.active = 0;
  result_.stats.verifying = 0;
  result_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!driven) return std::move(driven).error();
  SWERL_RETURN_IF_ERROR(manifest_.Compact());
  return std::move(result_);
}

Status ValidateOptions(const FetchOptions& o) {
  auto bad = [](std::string what) { return Error(Code::kInvalidInput, std::move(what)); };
  if (o.base_url.empty()) return bad("empty base URL");
  if (o.dir.empty()) return bad("empty output directory");
  if (o.parallel < 1) return bad("parallel transfers must be >= 1");
  if (o.retries < 0) return bad("retries must be >= 0");
  if (o.retry_base_ms < 0 || o.retry_cap_ms < 0) return bad("retry delays must be >= 0");
  if (o.connect_timeout_ms < 0 || o.stall_timeout_s < 0 || o.attempt_timeout_s < 0) {
    return bad("timeouts must be >= 0");
  }
  return OkStatus();
}

// Holds an exclusive flock on <dir>/.swerl-fetch.lock so two runs never
// write the same .part files. Errors: kIo.
Result<UniqueFd> LockDir(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kLockName).string();
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) return ErrnoError("cannot open '" + path + "'", errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Error(Code::kIo, "another swerl fetch is writing to '" + dir + "'");
    }
    return ErrnoError("cannot lock '" + path + "'", errno);
  }
  return fd;
}

}  // namespace

std::string_view HourStateName(HourState state) {
  switch (state) {
    case HourState::kOk:
      return "ok";
    case HourState::kMissing:
      return "missing";
    case HourState::kSkipped:
      return "skipped";
    case HourState::kFailed:
      return "failed";
  }
  return "failed";
}

Result<FetchResult> FetchHours(std::span<const Hour> hours, const FetchOptions& options,
                               FetchObserver* observer) {
  SWERL_RETURN_IF_ERROR(ValidateOptions(options));
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return Error(Code::kIo, "cannot create directory '" + options.dir + "': " + ec.message());
  }
  SWERL_ASSIGN_OR_RETURN(UniqueFd lock, LockDir(options.dir));
  SWERL_ASSIGN_OR_RETURN(
      Manifest manifest,
      Manifest::Open((std::filesystem::path(options.dir) / Manifest::kFileName).string()));

  CurlMulti multi(curl_multi_init());
  if (!multi) return Error(Code::kExternal, "curl_multi_init failed");
  const long parallel = options.parallel;
  CURLMcode mc = curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, parallel);
  if (mc == CURLM_OK) mc = curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, parallel);
  if (mc == CURLM_OK) mc = curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, parallel);
  // One transfer per connection: large files download faster over parallel
  // connections than multiplexed onto one HTTP/2 connection.
  if (mc == CURLM_OK) mc = curl_multi_setopt(multi.get(), CURLMOPT_PIPELINING, CURLPIPE_NOTHING);
  if (mc != CURLM_OK) return CurlMultiError(mc, "configuring libcurl");

  Fetcher fetcher(options, observer, std::move(multi), std::move(manifest));
  return fetcher.Run(hours);
}

}  // namespace swerl::net

#include "swerl/git/mirror.h"

#include <algorithm>
#include <cctype>
#include <system_error>
#include <thread>

#include "swerl/git/git_handles.h"
#include "swerl/git/socket_stream.h"
#include "swerl/net/backoff.h"

namespace swerl::git {
namespace fs = std::filesystem;
namespace {

// What the transfer progress callback sees and decides.
struct TransferState {
  uint64_t max_bytes = 0;
  MirrorObserver* observer = nullptr;
  uint64_t received = 0;
  bool too_large = false;
};

int OnTransfer(const git_indexer_progress* stats, void* payload) {
  auto* state = static_cast<TransferState*>(payload);
  state->received = stats->received_bytes;
  if (state->observer) state->observer->OnBytes(state->received);
  if (state->max_bytes > 0 && state->received > state->max_bytes) {
    // Returning non-zero makes libgit2 abort the download and drop the
    // partial pack; the message set here is the one it reports.
    state->too_large = true;
    git_error_set_str(GIT_ERROR_CALLBACK,
                      ("received " + std::to_string(state->received) +
                       " bytes, more than the limit of " + std::to_string(state->max_bytes))
                          .c_str());
    return GIT_EUSER;
  }
  return 0;
}

// One fetch of the mirror refspecs from `url` into *repo; then HEAD follows
// the remote's default branch (best effort). Returns libgit2's code.
int FetchOnce(git_repository* repo, const std::string& url, TransferState* state) {
  git_remote* raw = nullptr;
  if (int rc = git_remote_create_anonymous(&raw, repo, url.c_str()); rc < 0) return rc;
  RemoteHandle remote(raw);
  git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
  opts.callbacks.transfer_progress = OnTransfer;
  opts.callbacks.payload = state;
  opts.prune = GIT_FETCH_PRUNE;
  opts.update_fetchhead = 0;
  // The refspecs name the tags; no auto-following beyond them.
  opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  char* specs[std::size(kMirrorRefspecs)];
  for (size_t i = 0; i < std::size(kMirrorRefspecs); ++i) {
    specs[i] = const_cast<char*>(kMirrorRefspecs[i]);
  }
  git_strarray refspecs{specs, std::size(kMirrorRefspecs)};
  if (int rc = git_remote_fetch(remote.get(), &refspecs, &opts, "swerl clone"); rc < 0) return rc;
  git_buf head = GIT_BUF_INIT;
  if (git_remote_default_branch(&head, remote.get()) == 0) {
    git_reference* ref = nullptr;
    if (git_reference_lookup(&ref, repo, head.ptr) == 0) {
      git_reference_free(ref);
      (void)git_repository_set_head(repo, head.ptr);
    }
  }
  git_buf_dispose(&head);
  git_error_clear();
  return 0;
}

// "" when every direct reference of *repo points at an object present in
// its database, else what is missing.
std::string MissingRefTargets(git_repository* repo) {
  git_odb* odb_raw = nullptr;
  if (git_repository_odb(&odb_raw, repo) < 0)
    return "cannot open the object database: " + LastGitError().message;
  OdbHandle odb(odb_raw);
  git_reference_iterator* it_raw = nullptr;
  if (git_reference_iterator_new(&it_raw, repo) < 0) {
    return "cannot list references: " + LastGitError().message;
  }
  ReferenceIterHandle it(it_raw);
  git_reference* ref_raw = nullptr;
  int rc = 0;
  while ((rc = git_reference_next(&ref_raw, it.get())) == 0) {
    ReferenceHandle ref(ref_raw);
    if (git_reference_type(ref.get()) != GIT_REFERENCE_DIRECT) continue;
    const git_oid* target = git_reference_target(ref.get());
    if (!git_odb_exists(odb.get(), target)) {
      return std::string("reference '") + git_reference_name(ref.get()) + "' points at missing " +
             "object " + git_oid_tostr_s(target);
    }
  }
  if (rc != GIT_ITEROVER) return "cannot list references: " + LastGitError().message;
  return "";
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

Status RemoveAll(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return Error(Code::kIo, "cannot remove '" + path.string() + "': " + ec.message());
  return OkStatus();
}

}  // namespace

std::string_view MirrorStatusName(MirrorStatus status) {
  switch (status) {
    case MirrorStatus::kCloned:
      return "cloned";
    case MirrorStatus::kNotFound:
      return "not_found";
    case MirrorStatus::kAuthRequired:
      return "auth_required";
    case MirrorStatus::kTooLarge:
      return "too_large";
    case MirrorStatus::kTimedOut:
      return "timed_out";
    case MirrorStatus::kCorrupt:
      return "corrupt";
    case MirrorStatus::kFailed:
      return "failed";
  }
  return "failed";
}

FailureClass ClassifyFailure(int rc, int klass, std::string_view message, bool existing,
                             bool timed_out, bool too_large) {
  if (too_large) return {MirrorStatus::kTooLarge, false};
  if (timed_out) return {MirrorStatus::kTimedOut, true};
  std::string m(message);
  std::transform(m.begin(), m.end(), m.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // HTTP: libgit2 asks for credentials on 401 (no callback: GIT_EAUTH) and
  // reports other statuses as "unexpected http status code: N".
  if (rc == GIT_EAUTH || Contains(m, "authentication required") ||
      Contains(m, "status code: 401") || Contains(m, "status code: 403") ||
      Contains(m, "permission denied") || Contains(m, "authentication failed")) {
    return {MirrorStatus::kAuthRequired, false};
  }
  // git daemon: "access denied or repository not exported" (or "repository
  // not found" with --informative-errors); file://: "could not find
  // repository"; HTTP 404.
  if (Contains(m, "repository not found") || Contains(m, "not exported") ||
      Contains(m, "could not find repository") || Contains(m, "status code: 404") ||
      (!existing && Contains(m, "failed to resolve path")) ||
      Contains(m, "does not appear to be a git repository") ||
      (!existing && rc == GIT_ENOTFOUND && klass == GIT_ERROR_REPOSITORY)) {
    return {MirrorStatus::kNotFound, false};
  }
  if (existing && (klass == GIT_ERROR_ODB || klass == GIT_ERROR_OBJECT || klass == GIT_ERROR_ZLIB ||
                   klass == GIT_ERROR_REFERENCE)) {
    return {MirrorStatus::kCorrupt, false};
  }
  // Network trouble, a server that hung up mid-transfer (the pack or the
  // pkt-line stream ends early), HTTP 5xx.
  const bool transient =
      klass == GIT_ERROR_NET || klass == GIT_ERROR_SSL || Contains(m, "early eof") ||
      Contains(m, "unexpected eof") || Contains(m, "unexpected disconnect") ||
      Contains(m, "connection reset") || Contains(m, "broken pipe") || Contains(m, "truncated") ||
      Contains(m, "timed out") || Contains(m, "failed to connect") ||
      Contains(m, "status code: 5") || Contains(m, "incomplete") || rc == GIT_EEOF;
  return {MirrorStatus::kFailed, transient};
}

uint64_t DirectoryBytes(const fs::path& path) {
  std::error_code ec;
  uint64_t total = 0;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const uint64_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

Result<MirrorOutcome> UpdateMirror(const MirrorRequest& request, MirrorObserver* observer) {
  MirrorOutcome out;
  std::error_code ec;
  const bool existing = fs::exists(request.path, ec);
  fs::path work = request.path;
  RepoHandle repo;
  if (existing) {
    git_repository* raw = nullptr;
    if (git_repository_open_bare(&raw, request.path.c_str()) < 0) {
      out.status = MirrorStatus::kCorrupt;
      out.error = "cannot open the mirror: " + LastGitError().message;
      out.disk_bytes = DirectoryBytes(request.path);
      return out;
    }
    repo.reset(raw);
    if (std::string missing = MissingRefTargets(repo.get()); !missing.empty()) {
      out.status = MirrorStatus::kCorrupt;
      out.error = std::move(missing);
      out.disk_bytes = DirectoryBytes(request.path);
      return out;
    }
  } else {
    work += ".tmp";
    fs::create_directories(request.path.parent_path(), ec);
    if (ec) {
      return Error(Code::kIo,
                   "cannot create '" + request.path.parent_path().string() + "': " + ec.message());
    }
  }

  net::Backoff backoff({request.retry_base_ms, 60000}, request.seed);
  StallTimeoutScope stall(request.stall_timeout_ms);
  for (int attempt = 1;; ++attempt) {
    out.attempts = attempt;
    stall.Reset();
    if (!existing) {
      // A fresh directory each attempt: a killed run's or a failed
      // attempt's leftovers never mix into the mirror.
      SWERL_RETURN_IF_ERROR(RemoveAll(work));
      git_repository* raw = nullptr;
      if (git_repository_init(&raw, work.c_str(), /*is_bare=*/1) < 0) {
        Error e = GitError(-1, "cannot create '" + work.string() + "'");
        (void)RemoveAll(work);
        return e;
      }
      repo.reset(raw);
    }
    TransferState state;
    state.max_bytes = request.max_bytes;
    state.observer = observer;
    git_error_clear();
    const int rc = FetchOnce(repo.get(), request.url, &state);
    out.received_bytes = state.received;
    if (rc == 0) break;
    const GitErrorInfo info = LastGitError();
    const FailureClass fc =
        ClassifyFailure(rc, info.klass, info.message, existing, stall.timed_out(), state.too_large);
    if (!existing) {
      repo.reset();
      SWERL_RETURN_IF_ERROR(RemoveAll(work));
    }
    if (!fc.transient || attempt > request.retries) {
      out.status = fc.status;
      out.error = info.message;
      out.disk_bytes = existing ? DirectoryBytes(request.path) : 0;
      return out;
    }
    const std::chrono::milliseconds delay = backoff.Delay(attempt);
    if (observer) observer->OnRetry(attempt, info.message, delay);
    std::this_thread::sleep_for(delay);
  }
  if (!existing) {
    repo.reset();
    fs::rename(work, request.path, ec);
    if (ec) {
      (void)RemoveAll(work);
      return Error(Code::kIo, "cannot rename '" + work.string() + "' to '" + request.path.string() +
                                  "': " + ec.message());
    }
    out.created = true;
  }
  out.status = MirrorStatus::kCloned;
  out.disk_bytes = DirectoryBytes(request.path);
  return out;
}

Result<RepoHandle> OpenMirror(const std::filesystem::path& repos_dir, std::string_view repo,
                              int64_t repo_id) {
  const size_t slash = repo.find('/');
  if (slash == std::string_view::npos) {
    return Error(Code::kNotFound,
                 "repository " + std::to_string(repo_id) + " has no known owner/name");
  }
  const std::filesystem::path path =
      repos_dir / std::string(repo.substr(0, slash)) / (std::string(repo.substr(slash + 1)) + ".git");
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    return Error(Code::kNotFound, "no mirror at '" + path.string() + "'");
  }
  git_repository* raw = nullptr;
  if (int rc = git_repository_open_bare(&raw, path.string().c_str()); rc != 0) {
    return GitError(rc, "cannot open '" + path.string() + "'");
  }
  return RepoHandle(raw);
}

}  // namespace swerl::git

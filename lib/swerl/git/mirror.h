// Bare mirrors of remote repositories (swerl clone): UpdateMirror clones a
// repository into DIR/<owner>/<name>.git, or fetches an existing mirror
// incrementally, with retries, a size cap and a stall timeout, and says how
// it went as a MirrorStatus (the repo_clones.status of schemas/store.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/git/git_handles.h"

namespace swerl::git {

// The refspecs of a mirror: branches, tags and pull request heads, forced.
inline constexpr const char* kMirrorRefspecs[] = {
    "+refs/heads/*:refs/heads/*",
    "+refs/tags/*:refs/tags/*",
    "+refs/pull/*/head:refs/pull/*/head",
};

enum class MirrorStatus : uint8_t {
  kCloned,        // the mirror is complete and up to date (new or fetched)
  kNotFound,      // the remote repository does not exist (or is not exported)
  kAuthRequired,  // the server asked for credentials or refused them (401/403)
  kTooLarge,      // the transfer exceeded max_bytes; its data was removed
  kTimedOut,      // no progress for stall_timeout_ms, on every attempt
  kCorrupt,       // the existing mirror cannot be opened or lacks objects
  kFailed,        // anything else (network errors after retries, local I/O)
};
inline constexpr size_t kMirrorStatuses = 7;

// The stable lowercase name stored in repo_clones.status: "cloned",
// "not_found", "auth_required", "too_large", "timed_out", "corrupt", "failed".
std::string_view MirrorStatusName(MirrorStatus status);

struct MirrorRequest {
  std::string url;               // anything libgit2 fetches from (file://, git://, http(s)://)
  std::filesystem::path path;    // the mirror, e.g. DIR/owner/name.git
  int retries = 3;               // further attempts after a transient failure
  int64_t retry_base_ms = 1000;  // first retry delay; doubles, with jitter (net::Backoff)
  uint64_t seed = 0;             // for the jitter
  int64_t stall_timeout_ms = 0;  // 0: none (see socket_stream.h for what it covers)
  uint64_t max_bytes = 0;        // cap on the bytes one transfer receives; 0: none
};

// A remote ref the mirror left out because the remote lacks an object it
// needs (a partial or damaged remote): the rest of the repository was
// mirrored without it.
struct SkippedRef {
  std::string ref;     // e.g. "refs/pull/7/head"
  std::string object;  // hex id of the missing object; "" when the error named none
  std::string error;   // what happened and what a user can do (see UpdateMirror)
};

struct MirrorOutcome {
  MirrorStatus status = MirrorStatus::kFailed;
  std::string error;            // empty when kCloned, else what failed (libgit2's text)
  bool created = false;         // a new mirror was made (else an existing one fetched)
  int attempts = 0;             // transfers tried (0: failed before any, e.g. kCorrupt)
  uint64_t received_bytes = 0;  // by the last attempt
  uint64_t disk_bytes = 0;      // size of the mirror directory afterwards; 0 when none
  // kCloned only: refs left out because the remote lacks their objects, in
  // ref name order; empty for a whole mirror.
  std::vector<SkippedRef> skipped_refs;
};

// Retries are reported here; called on the thread running UpdateMirror.
class MirrorObserver {
 public:
  virtual ~MirrorObserver() = default;
  // Attempt number `attempt` (1-based) failed with a transient error; the
  // next starts after `delay`.
  virtual void OnRetry(int attempt, const std::string& why, std::chrono::milliseconds delay) {}
  // Bytes received so far by the current attempt (from libgit2's transfer
  // progress callback; called often).
  virtual void OnBytes(uint64_t received_bytes) {}
};

// Brings the mirror at request.path up to date with request.url.
//
// A missing mirror is cloned into the sibling "<path>.tmp" (removed first if
// a killed run left it) and renamed to `path` only when complete, so `path`
// never holds a partial mirror; any failure removes the temporary directory.
// An existing mirror is opened (kCorrupt when that fails or a ref points at
// a missing object, and nothing is fetched) and fetched in place: libgit2
// moves refs only after the pack is complete, and pruned refs are deleted.
// HEAD follows the remote's default branch.
//
// A remote that lacks objects some refs need (a partial or damaged
// repository: the transfer fails with "object not found", "unable to read",
// "bad object", ...) does not fail the repository: the refs are then
// fetched in groups, a group that fails is split until the refs that fail
// alone are found, and those are left out and listed in skipped_refs (ref,
// missing object, message) while every other ref is mirrored; the status is
// kCloned. A left-out ref keeps its earlier value in an existing mirror.
// When every ref fails so, the repository fails as a whole (kFailed; kCorrupt
// for an existing mirror, whose own objects may be what is missing).
// Other refs the remote deleted are pruned as in a whole fetch.
//
// Transient failures (network, stall timeout, the server closing mid-
// transfer, HTTP 5xx) are retried request.retries times with backoff; not
// found, authentication, size and corruption are not. Per-repository
// failures are outcomes, not errors. REQUIRES: a GitGlobal is alive.
// observer may be null. Thread-safe for distinct paths.
// Errors: kIo (cannot create the parent directory, remove the temporary one,
// or rename it into place).
Result<MirrorOutcome> UpdateMirror(const MirrorRequest& request, MirrorObserver* observer);

// How one failed transfer is classified (exposed for tests). `existing`:
// the fetch went into an existing mirror (object and zlib errors then mean
// kCorrupt). Only kFailed and kTimedOut may be transient.
struct FailureClass {
  MirrorStatus status;
  bool transient;
};
FailureClass ClassifyFailure(int rc, int klass, std::string_view message, bool existing,
                             bool timed_out, bool too_large);

// Whether a failed transfer failed because the sending side lacks an object
// (exposed for tests); *object gets the first 40-hex id in the message, or
// "" when it names none. object may be null.
bool IsMissingObject(int klass, std::string_view message, std::string* object);

// The size in bytes of the regular files under `path` (0 when missing).
uint64_t DirectoryBytes(const std::filesystem::path& path);

// Opens the mirror of `repo` ("owner/name"; repository `repo_id`, for
// messages) under `repos_dir`, as swerl clone lays them out:
// <repos_dir>/<owner>/<name>.git. Errors: kNotFound (no owner/name known, no
// such directory), libgit2's (not a repository).
Result<RepoHandle> OpenMirror(const std::filesystem::path& repos_dir, std::string_view repo,
                              int64_t repo_id);

}  // namespace swerl::git

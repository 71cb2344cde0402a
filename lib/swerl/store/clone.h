// Clone: the `swerl clone` pass. Mirrors the repositories of the store's
// merged pull requests under DIR/<owner>/<name>.git (git::UpdateMirror),
// several at once, and records each repository's outcome in repo_clones
// (schemas/store.md), committed as it finishes, so a killed run loses only
// the repositories in flight and a rerun resumes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"
#include "swerl/git/mirror.h"
#include "swerl/store/repo_shard.h"

namespace swerl::store {

struct CloneOptions {
  std::filesystem::path repos_dir;
  // The remote URL; "{owner}" and "{name}" are replaced by the repository's.
  std::string url_template = "https://github.com/{owner}/{name}.git";
  int jobs = 4;  // repositories in flight at once (< 1 counts as 1)
  // An SQL condition on the repositories (columns repo_id, repo), inserted
  // verbatim; "" selects all.
  std::string where;
  // Keep the repositories of this shard (repo_shard.h).
  RepoShard shard;
  // Also fetch mirrors recorded 'cloned', and retry repositories recorded
  // not_found, auth_required or too_large.
  bool refresh = false;
  // Stop starting repositories once the repos directory holds more bytes
  // than this (0: no budget); the rest are left unrecorded for a later run.
  uint64_t disk_budget_bytes = 0;
  // Per repository, as git::MirrorRequest (seed: jitter of the first
  // repository; each gets seed + its position).
  int retries = 3;
  int64_t retry_base_ms = 1000;
  uint64_t seed = 0;
  int64_t stall_timeout_ms = 300000;
  uint64_t max_repo_bytes = 0;
};

struct CloneResult {
  uint64_t selected = 0;      // repositories with a merged pull request (after where, shard)
  uint64_t already_done = 0;  // of which skipped: finished by an earlier run (see refresh)
  uint64_t to_update = 0;     // of which attempted, or left for the disk budget
  uint64_t over_budget = 0;   // of which not started: the disk budget was spent
  uint64_t created = 0;       // new mirrors (status cloned)
  uint64_t fetched = 0;       // existing mirrors fetched (status cloned)
  // Repositories per outcome this run, indexed by git::MirrorStatus.
  uint64_t statuses[git::kMirrorStatuses] = {};
  // One line per repository not cloned: "<owner/name or id>: <status>: <why>".
  std::vector<std::string> failures;
  // Repositories mirrored without some refs because the remote lacks their
  // objects (status cloned; the refs are in clone_skipped_refs), and one
  // line per such ref: "<owner/name>: <git::SkippedRef::error>".
  uint64_t partial = 0;
  std::vector<std::string> skipped_refs;
  std::chrono::steady_clock::duration elapsed{};

  uint64_t count(git::MirrorStatus s) const { return statuses[static_cast<size_t>(s)]; }
  uint64_t finished() const;  // the sum of statuses
};

struct CloneProgress {
  uint64_t done = 0;            // repositories finished this run
  uint64_t total = 0;           // CloneResult::to_update
  uint64_t failed = 0;          // finished with a status other than cloned
  uint64_t active = 0;          // in flight now
  uint64_t received_bytes = 0;  // by the transfers in flight now
};

// Receives the pass's events, all on the thread running Clone (lib never
// prints). Every method defaults to a no-op.
class CloneObserver {
 public:
  virtual ~CloneObserver() = default;
  // `repo` (owner/name) attempt `attempt` failed transiently; retried after delay.
  virtual void OnRetry(const std::string& repo, int attempt, const std::string& why,
                       std::chrono::milliseconds delay) {}
  virtual void OnRepoDone(const std::string& repo, const git::MirrorOutcome& outcome) {}
  // Called a few times a second while repositories are in flight.
  virtual void OnProgress(const CloneProgress& progress) {}
};

// Runs a whole clone pass over *db (an open store). observer may be null.
// Per-repository failures are not errors: they are counted, listed and
// recorded. REQUIRES: a git::GitGlobal is alive. Errors: kInvalidInput (a bad
// options.where or shard), kIo (the repos directory cannot be created), and
// database failures (repositories recorded before stay).
Result<CloneResult> Clone(db::Db* db, const CloneOptions& options, CloneObserver* observer);

// The URL of owner/name under `url_template`.
std::string ExpandUrlTemplate(const std::string& url_template, const std::string& owner,
                              const std::string& name);

}  // namespace swerl::store

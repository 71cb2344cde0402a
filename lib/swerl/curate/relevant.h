// RankRelevant: the `swerl relevant` pass. For every assembled instance,
// ranks the files of the repository's tree at the merge base that the pull
// request did NOT change, by BM25 (bm25.h) against the issue text, the PR
// text and the changed paths, or by asking an OpenAI-compatible chat model;
// stores the top k in relevant_files, their contents in blobs and one
// relevant_runs row per instance (schemas/store.md, "swerl relevant").
// Worker threads rank; the calling thread writes in a fixed order,
// committing whenever the workers have nothing more ready (at most 64
// instances per transaction), so a killed run resumes where it stopped.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"
#include "swerl/net/chat_client.h"
#include "swerl/store/repo_shard.h"

namespace swerl::curate {

struct RelevantLlmOptions {
  net::ChatOptions chat;    // endpoint, model, key, timeouts, attempts
  size_t max_paths = 2000;  // repository paths listed in the prompt
};

struct RelevantOptions {
  std::filesystem::path repos_dir;  // mirrors at <repos_dir>/<owner>/<name>.git
  // An SQL condition on the view prs (columns repo_id, repo, number, ...),
  // inserted verbatim; "" selects all.
  std::string where;
  // Only the instances of this shard's repositories (store/repo_shard.h).
  store::RepoShard shard;
  // Redo instances with a relevant_runs row for this source (their rows are
  // replaced; blobs are content-addressed and kept).
  bool refresh = false;
  size_t k = 5;  // files kept per instance, at most
  // Larger files are neither candidates nor stored.
  uint64_t max_file_bytes = 1 << 20;
  int zstd_level = 3;
  // Worker threads ranking instances (at least 1), each with its own mirror
  // handle and document cache; the database is written by the calling thread.
  int jobs = 1;
  // Set: source 'llm' (ask the model); unset: source 'bm25'.
  std::optional<RelevantLlmOptions> llm;
};

struct RelevantResult {
  uint64_t selected = 0;      // assembled instances (after where, shard)
  uint64_t already_done = 0;  // of which skipped: ranked before for this source
  uint64_t ranked = 0;
  uint64_t failed = 0;
  uint64_t files = 0;  // relevant_files rows written
  uint64_t blobs = 0;  // blobs added this run
  uint64_t raw_bytes = 0;
  uint64_t stored_bytes = 0;
  // One line per failed instance: "<owner/name>#<number>: <why>".
  std::vector<std::string> failures;
  std::chrono::steady_clock::duration elapsed{};
};

struct RelevantProgress {
  uint64_t done = 0;   // instances finished this run
  uint64_t total = 0;  // selected - already_done
  uint64_t failed = 0;
};

// Receives the pass's events on the thread running RankRelevant, each
// instance once its transaction committed. Every method defaults to a no-op.
class RelevantObserver {
 public:
  virtual ~RelevantObserver() = default;
  // `status` is "ranked" or "failed"; `error` "" when ranked.
  virtual void OnInstance(const std::string& repo, int64_t number, std::string_view status,
                          size_t files, const std::string& error) {}
  virtual void OnProgress(const RelevantProgress& progress) {}
};

// The candidate paths in a model's answer, in order: one per line, with
// surrounding whitespace, list bullets ("-", "*", "+"), numbering ("1.",
// "2)"), backticks, quotes and a leading "./" removed. Lines that are empty,
// contain whitespace inside the path (prose) or are not a safe relative path
// (absolute, a "." or ".." component, an empty component, a NUL) are
// dropped. Not deduplicated.
std::vector<std::string> ParseModelPaths(std::string_view content);

// Runs the pass over *db (an open store). observer may be null. An instance
// whose mirror does not open, whose merge base is missing, or whose model
// request fails is recorded 'failed' (tried again by the next run).
// REQUIRES: a git::GitGlobal is alive, and a net::CurlGlobal when
// options.llm is set. Errors: kInvalidInput (bad where), database failures
// (instances committed before stay).
Result<RelevantResult> RankRelevant(db::Db* db, const RelevantOptions& options,
                                    RelevantObserver* observer);

}  // namespace swerl::curate

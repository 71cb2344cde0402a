// Enrich: the `swerl enrich` pass. Fills the pull requests and issues whose
// events lack text or state (the trimmed era since 2025-10-07, events GH
// Archive missed) from the GitHub REST API (SPEC §2.5), folding the answers
// into the store like events (Ingester::AddSnapshot, store/api_records.h).
//
// Per item (a pull request, or an issue that is not one) it GETs the object
// and its comments (a pull request also its review comments and reviews),
// conditionally when api_fetches holds an ETag. Resumable: each item is
// committed on its own, with every resource's outcome in api_fetches in the
// same transaction as the data it brought; a later pass skips resources
// fetched OK and items found gone, and retries those that failed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"
#include "swerl/net/github_client.h"
#include "swerl/store/repo_shard.h"

namespace swerl::store {

struct EnrichOptions {
  // The REST API's base URL, as the client was given it, without a trailing
  // '/'. Resource URLs (and api_fetches.url) are built from it.
  std::string api_url = "https://api.github.com";
  // An SQL condition on the items (columns: kind 'pr'/'issue', repo_id,
  // number, repo), inserted verbatim; "" selects all.
  std::string where;
  // Only the items of this shard's repositories (repo_shard.h).
  RepoShard shard;
  // Also refetch items fetched before (conditional requests: a 304 keeps
  // the stored data), and ignore what earlier passes finished.
  bool refresh = false;
  int64_t limit = -1;  // fetch at most this many items; < 0: no limit
  size_t window = 16;  // items in flight at once (0 counts as 1)
};

enum class ItemOutcome : uint8_t {
  kEnriched,   // some resource answered 200: its data was folded in
  kUnchanged,  // every fetched resource answered 304
  kGone,       // the object answered 404, 410 or 451
  kFailed,     // a resource failed (retries exhausted, or a bad body)
};
inline constexpr size_t kItemOutcomes = 4;

struct EnrichResult {
  uint64_t selected = 0;      // items lacking data (matching options.where and shard)
  uint64_t already_done = 0;  // of which finished by an earlier pass
  uint64_t to_fetch = 0;      // of which fetched this pass (after limit)
  // Items per outcome, indexed by ItemOutcome.
  uint64_t outcomes[kItemOutcomes] = {};
  // One line per failed resource ("<owner/name> pull|issue <n>: <why>") and
  // per selected item whose owner/name is unknown (counted as kFailed).
  std::vector<std::string> failures;
  // Set when a rate limit asked for a wait beyond the client's max_wait_s:
  // the pass stopped early (epoch seconds when requests may resume).
  std::optional<int64_t> rate_limited_until;
  // Time spent fetching and storing, after the selection.
  std::chrono::steady_clock::duration elapsed{};

  uint64_t count(ItemOutcome o) const { return outcomes[static_cast<size_t>(o)]; }
  uint64_t finished() const;  // the sum of outcomes
};

// What a progress line needs; passed to EnrichObserver::OnProgress.
struct EnrichProgress {
  uint64_t done = 0;    // EnrichResult::finished() so far
  uint64_t total = 0;   // EnrichResult::to_fetch
  uint64_t failed = 0;  // count(ItemOutcome::kFailed) so far
  net::GithubStats http;
};

// Receives the pass's events, on the thread running Enrich (lib never
// prints). Every method defaults to a no-op.
class EnrichObserver {
 public:
  virtual ~EnrichObserver() = default;
  // Something the pass skipped without failing (a record the store refused).
  virtual void OnWarning(const std::string& message) {}
  // As net::GithubObserver::OnRetry / OnRateWait.
  virtual void OnRetry(const std::string& url, int attempt, const Error& why,
                       std::chrono::milliseconds delay) {}
  virtual void OnRateWait(std::chrono::seconds wait, std::string_view why) {}
  // Called often (each turn of the client's loop); rate-limit any drawing.
  virtual void OnProgress(const EnrichProgress& progress) {}
};

// Runs a whole enrich pass over *db (an open store) with *client, whose
// stats() afterwards count the pass's requests. observer may be null.
// Failed items are not errors: they are counted, listed and recorded in
// api_fetches.error. Errors: kInvalidInput (a bad options.where), what
// client->Run returns, and database failures (items committed before
// stay).
Result<EnrichResult> Enrich(db::Db* db, net::GithubClient* client, const EnrichOptions& options,
                            EnrichObserver* observer);

}  // namespace swerl::store

// GithubClient: GETs from the GitHub REST API over libcurl's multi interface
// (a bounded number of transfers on reused connections), following
// Link rel="next" pagination, with conditional requests (If-None-Match),
// rate-limit waits (X-RateLimit-Remaining/Reset, Retry-After) and retries
// with backoff. It knows nothing of the store: callers supply stored ETags
// and receive whole paginated resources (swerl enrich, tools/).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::net {

struct GithubOptions {
  std::string api_url = "https://api.github.com";  // no trailing slash needed
  // Sent as "Authorization: Bearer <token>" when not empty. Never part of an
  // Error, a callback argument or anything else this module emits.
  std::string token;
  std::string user_agent = "swerl";
  int parallel = 4;              // concurrent transfers, >= 1
  int retries = 5;               // retries per page after the first attempt
  int64_t retry_base_ms = 1000;  // first backoff delay (doubling, with jitter)
  int64_t retry_cap_ms = 60000;
  int64_t connect_timeout_ms = 10000;
  int64_t timeout_ms = 30000;  // a whole request; a slower one is retried
  // The longest rate-limit wait the client accepts; a longer one ends Run
  // with RunEnd::rate_limited_until set.
  int64_t max_wait_s = 3600;
  int max_pages = 100;                 // per resource; more fail it
  uint64_t max_body_bytes = 64 << 20;  // per response; more fail the page
  std::optional<uint64_t> seed;        // jitter seed; random when unset
};

// One GET of a resource: the first page, and its next pages when paginate.
struct ApiRequest {
  uint64_t tag = 0;  // the caller's, returned in ApiResult
  std::string url;   // absolute URL of the first page
  bool paginate = false;
  // Queued ahead of the others (e.g. the rest of a resource group already
  // started, so groups finish early rather than all at the end).
  bool first = false;
};

struct ApiPage {
  std::string url;
  int status = 0;    // 200, or 304 (stored data still valid: empty body)
  std::string etag;  // the response's ETag; for a 304 the one we sent
  std::string body;  // 200 only
};

enum class ApiOutcome : uint8_t {
  kOk,      // every page is 200 or 304
  kGone,    // the first page answered 404, 410 or 451: not retried
  kFailed,  // retries exhausted, or a status that is not retried
};

struct ApiResult {
  uint64_t tag = 0;
  std::string url;  // the first page
  ApiOutcome outcome = ApiOutcome::kFailed;
  int status = 0;               // the last HTTP status seen (0: no response)
  std::vector<ApiPage> pages;   // kOk: all pages, in order
  std::optional<Error> error;   // kFailed: why (kExternal, kInvalidInput)
  int64_t started_epoch_s = 0;  // wall clock when its first request started
};

struct GithubStats {
  uint64_t requests = 0;      // HTTP requests completed (any outcome)
  uint64_t not_modified = 0;  // 304 answers
  uint64_t retries = 0;       // requests retried after a failure (backoff)
  uint64_t rate_waits = 0;    // pauses for a rate limit
  uint64_t active = 0;        // transfers in flight now
  uint64_t queued = 0;        // resources waiting to start (or paused)
  int64_t paused_ms = 0;      // how long until the current pause ends; 0 = none
};

// Receives the client's events, always on the thread running Run. Methods
// other than OnResult default to no-ops.
class GithubObserver {
 public:
  virtual ~GithubObserver() = default;
  // The stored ETag for `url` ("" = none), sent as If-None-Match.
  virtual std::string EtagFor(const std::string& url) { return {}; }
  // A resource finished. May call GithubClient::Add.
  virtual void OnResult(ApiResult result) = 0;
  // A page request failed with `why`; it is retried after `delay`.
  virtual void OnRetry(const std::string& url, int attempt, const Error& why,
                       std::chrono::milliseconds delay) {}
  // All requests pause for `wait` (why: "rate limit" / "Retry-After").
  virtual void OnRateWait(std::chrono::seconds wait, std::string_view why) {}
  // Called often (each event-loop turn); rate-limit any drawing.
  virtual void OnProgress(const GithubStats& stats) {}
};

struct RunEnd {
  // Set when a rate limit asked for a longer wait than max_wait_s: Run
  // stopped, abandoning unfinished resources (never reported). Epoch
  // seconds when requests may resume.
  std::optional<int64_t> rate_limited_until;
};

// Not thread-safe. Movable.
class GithubClient {
 public:
  // REQUIRES: a net::CurlGlobal is alive for the client's lifetime.
  // Errors: kInvalidInput (options), kExternal (libcurl).
  static Result<GithubClient> Create(GithubOptions options);
  ~GithubClient();
  GithubClient(GithubClient&&) noexcept;
  GithubClient& operator=(GithubClient&&) noexcept;

  // Queues a resource; also from GithubObserver::OnResult during Run.
  void Add(ApiRequest request);

  // Fetches every queued resource (and those added meanwhile), reporting
  // each through observer->OnResult, until none is left or a rate limit
  // stops the run. *observer must outlive the call.
  // Errors: kExternal (libcurl failed; or HTTP 401: the token was refused).
  Result<RunEnd> Run(GithubObserver* observer);

  // Makes Run return at its next turn (also from OnResult), abandoning the
  // unfinished resources without reporting them.
  void Cancel();

  const GithubStats& stats() const;

 private:
  struct Impl;
  explicit GithubClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace swerl::net

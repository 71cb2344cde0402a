#include "swerl/net/github_client.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <deque>
#include <map>
#include <random>
#include <unordered_map>

#include "swerl/net/backoff.h"
#include "swerl/net/curl_handles.h"
#include "swerl/net/http_response.h"

namespace swerl::net {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxPollMs = 500;
// Pauses per page for rate limits before the page fails: a server that keeps
// answering "wait" must not hold a run forever.
constexpr int kMaxRateWaitsPerPage = 10;
// A 403 that mentions a rate limit but gives neither Retry-After nor a zero
// X-RateLimit-Remaining: GitHub asks clients to wait at least a minute.
constexpr int64_t kSecondaryDefaultWaitS = 60;

int64_t EpochNow() { return static_cast<int64_t>(std::time(nullptr)); }
int64_t EpochNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ContainsNoCase(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it != hay.end();
}

struct Job;

// One HTTP request; lives from Start to Finish.
struct Transfer {
  Job* job = nullptr;
  CurlEasy easy;
  CurlSlist headers;
  ResponseHead head;
  std::string body;
  std::string sent_etag;
  uint64_t max_body = 0;
  bool too_big = false;
  char curl_error[CURL_ERROR_SIZE] = {};
};

// One resource, across its pages and attempts.
struct Job {
  ApiRequest request;
  std::string page_url;
  int page_attempts = 0;  // attempts at the current page
  int rate_waits = 0;     // rate-limit pauses of the current page
  ApiResult result;
  std::unique_ptr<Transfer> transfer;
  std::optional<Error> last_error;
};

size_t OnBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * nmemb;
  if (t->body.size() + n > t->max_body) {
    t->too_big = true;
    return 0;
  }
  t->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t nitems, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->head.AddLine(std::string_view(data, size * nitems));
  return size * nitems;
}

}  // namespace

struct GithubClient::Impl {
  GithubOptions options;
  CurlMulti multi;
  Backoff backoff;
  GithubStats stats;
  GithubObserver* observer = nullptr;
  std::unordered_map<Job*, std::unique_ptr<Job>> jobs;  // every unfinished resource
  std::deque<Job*> ready;
  std::multimap<Clock::time_point, Job*> delayed;
  int active = 0;
  Clock::time_point paused_until{};   // no request starts before this
  std::optional<int64_t> stop_until;  // a wait beyond max_wait_s: stop
  std::optional<Error> fatal;
  bool cancelled = false;

  Impl(GithubOptions o, CurlMulti m)
      : options(std::move(o)),
        multi(std::move(m)),
        backoff({options.retry_base_ms, options.retry_cap_ms},
                options.seed ? *options.seed : std::random_device{}()) {}

  ~Impl() {
    for (auto& [key, j] : jobs) {
      if (j->transfer) curl_multi_remove_handle(multi.get(), j->transfer->easy.get());
    }
  }

  void Add(ApiRequest request) {
    auto job = std::make_unique<Job>();
    job->page_url = request.url;
    job->result.tag = request.tag;
    job->result.url = request.url;
    job->request = std::move(request);
    if (job->request.first) {
      ready.push_front(job.get());
    } else {
      ready.push_back(job.get());
    }
    Job* key = job.get();
    jobs.emplace(key, std::move(job));
  }

  Status Setopts(Transfer& t) {
    CURL* e = t.easy.get();
    CURLcode rc = CURLE_OK;
    auto set = [&](CURLoption opt, auto value) {
      if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, value);
    };
    set(CURLOPT_URL, t.job->page_url.c_str());
    set(CURLOPT_PRIVATE, static_cast<void*>(&t));
    set(CURLOPT_ERRORBUFFER, t.curl_error);
    set(CURLOPT_WRITEFUNCTION, &OnBody);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
    set(CURLOPT_HEADERFUNCTION, &OnHeader);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    // Renamed repositories answer 301. libcurl drops our Authorization
    // header when a redirect leaves the host (no CURLOPT_UNRESTRICTED_AUTH).
    set(CURLOPT_FOLLOWLOCATION, 1L);
    set(CURLOPT_MAXREDIRS, 5L);
    set(CURLOPT_USERAGENT, options.user_agent.c_str());
    set(CURLOPT_ACCEPT_ENCODING, "");  // whatever this libcurl can decode
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
    set(CURLOPT_HTTPHEADER, t.headers.get());
    if (rc != CURLE_OK)
      return CurlError(rc, "configuring the request for '" + t.job->page_url + "'");
    return OkStatus();
  }

  void Start(Job& job) {
    ++job.page_attempts;
    if (job.result.started_epoch_s == 0) job.result.started_epoch_s = EpochNow();
    auto t = std::make_unique<Transfer>();
    t->job = &job;
    t->max_body = options.max_body_bytes;
    if (observer) t->sent_etag = observer->EtagFor(job.page_url);
    Status s = AppendHeader(&t->headers, "Accept: application/vnd.github+json");
    if (s) s = AppendHeader(&t->headers, "X-GitHub-Api-Version: 2022-11-28");
    if (s && !options.token.empty()) {
      std::string auth = "Authorization: Bearer " + options.token;
      s = AppendHeader(&t->headers, auth.c_str());
      // Leave no copy of the token in freed memory we own.
      std::fill(auth.begin(), auth.end(), '\0');
    }
    if (s && !t->sent_etag.empty()) {
      s = AppendHeader(&t->headers, ("If-None-Match: " + t->sent_etag).c_str());
    }
    if (!s) {
      Fail(job, std::move(s).error());
      return;
    }
    t->easy.reset(curl_easy_init());
    if (!t->easy) {
      Fail(job, Error(Code::kExternal, "curl_easy_init failed"));
      return;
    }
    if (Status st = Setopts(*t); !st) {
      Fail(job, std::move(st).error());
      return;
    }
    if (CURLMcode mc = curl_multi_add_handle(multi.get(), t->easy.get()); mc != CURLM_OK) {
      fatal = CurlMultiError(mc, "cannot add a transfer");
      return;
    }
    job.transfer = std::move(t);
    ++active;
  }

  // Pauses every request for `wait_ms` (from now); one beyond max_wait_s
  // stops the run instead, to resume at `until_epoch` (seconds).
  void Pause(int64_t wait_ms, int64_t until_epoch, std::string_view why) {
    wait_ms = std::max<int64_t>(wait_ms, 0);
    if (wait_ms > options.max_wait_s * 1000) {
      stop_until = std::max(stop_until.value_or(0), until_epoch);
      return;
    }
    const auto until = Clock::now() + std::chrono::milliseconds(wait_ms);
    if (until <= paused_until) return;  // already waiting that long
    paused_until = until;
    ++stats.rate_waits;
    if (observer) {
      observer->OnRateWait(std::chrono::seconds((wait_ms + 999) / 1000), why);
    }
  }

  void Finish(Transfer& raw, CURLcode rc) {
    Job& job = *raw.job;
    curl_multi_remove_handle(multi.get(), raw.easy.get());
    --active;
    ++stats.requests;
    const std::unique_ptr<Transfer> t = std::move(job.transfer);
    t->easy.reset();
    const int status = t->head.status();
    if (status != 0) job.result.status = status;

    // Primary limit: nothing more until the reset, whatever this answer is.
    const bool exhausted = t->head.rate_limit_remaining() == 0 && t->head.rate_limit_reset();
    if (exhausted) {
      // One second of slack for clocks that differ a little from GitHub's.
      Pause(*t->head.rate_limit_reset() * 1000 + 1000 - EpochNowMs(),
            *t->head.rate_limit_reset() + 1, "rate limit");
    }

    if (t->too_big) {
      Fail(job, Error(Code::kExternal, "response from '" + job.page_url + "' exceeds " +
                                           std::to_string(options.max_body_bytes) + " bytes"));
      return;
    }
    if (rc != CURLE_OK) {
      Error e = CurlError(rc, "GET '" + job.page_url + "'", t->curl_error);
      if (IsTransient(rc)) {
        Retry(job, std::move(e), std::nullopt);
      } else {
        Fail(job, std::move(e));
      }
      return;
    }
    switch (status) {
      case 200:
      case 304: {
        ApiPage page;
        page.url = job.page_url;
        page.status = status;
        if (status == 200) {
          page.etag = t->head.etag();
          page.body = std::move(t->body);
        } else {
          ++stats.not_modified;
          page.etag = t->head.etag().empty() ? t->sent_etag : t->head.etag();
        }
        job.result.pages.push_back(std::move(page));
        const std::string next = job.request.paginate ? LinkNext(t->head.link()) : std::string();
        if (next.empty()) {
          job.result.outcome = ApiOutcome::kOk;
          Complete(job);
          return;
        }
        if (static_cast<int>(job.result.pages.size()) >= options.max_pages) {
          Fail(job, Error(Code::kExternal, "'" + job.request.url + "' has more than " +
                                               std::to_string(options.max_pages) + " pages"));
          return;
        }
        job.page_url = next;
        job.page_attempts = 0;
        job.rate_waits = 0;
        ready.push_front(&job);  // finish what was started first
        return;
      }
      case 404:
      case 410:
      case 451:
        if (job.result.pages.empty()) {
          job.result.outcome = ApiOutcome::kGone;
          Complete(job);
        } else {
          Fail(job, HttpStatusError(status, job.page_url, t->body));
        }
        return;
      case 401:
        fatal = Error(Code::kExternal, "HTTP 401 from '" + job.page_url +
                                           "': the API refused the credentials (check the token)");
        return;
      default:
        break;
    }
    Error e = HttpStatusError(status, job.page_url, t->body);
    if (status == 403 || status == 429) {
      const auto& retry_after = t->head.retry_after_s();
      bool wait = false;
      if (exhausted) {
        wait = true;  // paused above
      } else if (retry_after) {
        const auto s = static_cast<int64_t>(*retry_after);
        Pause(s * 1000, EpochNow() + s, "Retry-After");
        wait = true;
      } else if (status == 403 && ContainsNoCase(t->body, "rate limit")) {
        Pause(kSecondaryDefaultWaitS * 1000, EpochNow() + kSecondaryDefaultWaitS,
              "secondary rate limit");
        wait = true;
      }
      if (wait) {
        if (++job.rate_waits > kMaxRateWaitsPerPage) {
          Fail(job, std::move(e).With("still rate limited after " +
                                      std::to_string(kMaxRateWaitsPerPage) + " waits"));
          return;
        }
        // Not a failed attempt: the page starts again once the pause ends.
        --job.page_attempts;
        job.last_error = std::move(e);
        ready.push_back(&job);
        return;
      }
      if (status == 429) {
        Retry(job, std::move(e), std::nullopt);
        return;
      }
      Fail(job, std::move(e));
      return;
    }
    if (status == 0 || status >= 500 || status == 408) {
      std::optional<std::chrono::milliseconds> at_least;
      if (t->head.retry_after_s()) at_least = std::chrono::seconds(*t->head.retry_after_s());
      Retry(job,
            status == 0 ? Error(Code::kExternal, "no HTTP response from '" + job.page_url + "'")
                        : std::move(e),
            at_least);
      return;
    }
    Fail(job, std::move(e));
  }

  void Retry(Job& job, Error why, std::optional<std::chrono::milliseconds> at_least) {
    if (job.page_attempts > options.retries) {
      const std::string context = "giving up after " + std::to_string(job.page_attempts) +
                                  (job.page_attempts == 1 ? " attempt" : " attempts");
      Fail(job, std::move(why).With(context));
      return;
    }
    ++stats.retries;
    auto delay = backoff.Delay(job.page_attempts);
    if (at_least) {
      delay = std::max(delay, std::min(*at_least, std::chrono::milliseconds(options.retry_cap_ms)));
    }
    if (observer) observer->OnRetry(job.page_url, job.page_attempts, why, delay);
    job.last_error = std::move(why);
    delayed.emplace(Clock::now() + delay, &job);
  }

  void Fail(Job& job, Error why) {
    job.result.outcome = ApiOutcome::kFailed;
    job.result.pages.clear();
    job.result.error = std::move(why);
    Complete(job);
  }

  // Reports the job and frees it. The observer may Add new jobs.
  void Complete(Job& job) {
    ApiResult result = std::move(job.result);
    jobs.erase(&job);
    if (observer) observer->OnResult(std::move(result));
  }

  Result<RunEnd> Run(GithubObserver* obs) {
    observer = obs;
    RunEnd end;
    for (;;) {
      if (fatal) return *fatal;
      if (cancelled) break;
      if (stop_until) {
        end.rate_limited_until = stop_until;
        break;
      }
      auto now = Clock::now();
      while (!delayed.empty() && delayed.begin()->first <= now) {
        ready.push_back(delayed.begin()->second);
        delayed.erase(delayed.begin());
      }
      while (active < options.parallel && !ready.empty() && now >= paused_until && !fatal) {
        Job* job = ready.front();
        ready.pop_front();
        Start(*job);
      }
      stats.active = static_cast<uint64_t>(active);
      stats.queued = ready.size() + delayed.size();
      stats.paused_ms =
          now < paused_until
              ? std::chrono::duration_cast<std::chrono::milliseconds>(paused_until - now).count()
              : 0;
      if (observer) observer->OnProgress(stats);
      if (fatal) return *fatal;
      if (active == 0 && ready.empty() && delayed.empty()) break;

      int running = 0;
      if (CURLMcode mc = curl_multi_perform(multi.get(), &running); mc != CURLM_OK) {
        return CurlMultiError(mc, "curl_multi_perform");
      }
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        void* priv = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        const CURLcode rc = msg->data.result;  // Finish invalidates msg
        Finish(*static_cast<Transfer*>(priv), rc);
      }
      if (fatal || stop_until || cancelled) continue;
      now = Clock::now();
      const bool can_start = !ready.empty() && active < options.parallel && now >= paused_until;
      if (can_start) continue;
      int64_t timeout_ms = kMaxPollMs;
      if (!delayed.empty()) {
        timeout_ms = std::min<int64_t>(
            timeout_ms,
            std::chrono::duration_cast<std::chrono::milliseconds>(delayed.begin()->first - now)
                    .count() +
                1);
      }
      if (!ready.empty() && now < paused_until) {
        timeout_ms = std::min<int64_t>(
            timeout_ms,
            std::chrono::duration_cast<std::chrono::milliseconds>(paused_until - now).count() + 1);
      }
      timeout_ms = std::max<int64_t>(timeout_ms, 0);
      if (CURLMcode mc =
              curl_multi_poll(multi.get(), nullptr, 0, static_cast<int>(timeout_ms), nullptr);
          mc != CURLM_OK) {
        return CurlMultiError(mc, "curl_multi_poll");
      }
    }
    // Abandon what is left (a rate-limit stop): never reported.
    for (auto& [key, j] : jobs) {
      if (j->transfer) {
        curl_multi_remove_handle(multi.get(), j->transfer->easy.get());
        j->transfer.reset();
        --active;
      }
    }
    jobs.clear();
    ready.clear();
    delayed.clear();
    stats.active = 0;
    stats.queued = 0;
    observer = nullptr;
    cancelled = false;
    return end;
  }
};

Result<GithubClient> GithubClient::Create(GithubOptions options) {
  auto bad = [](std::string what) { return Error(Code::kInvalidInput, std::move(what)); };
  if (options.api_url.empty()) return bad("empty API URL");
  while (!options.api_url.empty() && options.api_url.back() == '/') options.api_url.pop_back();
  if (options.parallel < 1) return bad("parallel requests must be >= 1");
  if (options.retries < 0) return bad("retries must be >= 0");
  if (options.retry_base_ms < 0 || options.retry_cap_ms < 0)
    return bad("retry delays must be >= 0");
  if (options.connect_timeout_ms < 0 || options.timeout_ms < 0) return bad("timeouts must be >= 0");
  if (options.max_wait_s < 0) return bad("the longest wait must be >= 0");
  if (options.max_pages < 1) return bad("max pages must be >= 1");
  if (options.token.find_first_of("\r\n") != std::string::npos) {
    return bad("the token holds a line break");
  }
  CurlMulti multi(curl_multi_init());
  if (!multi) return Error(Code::kExternal, "curl_multi_init failed");
  const long parallel = options.parallel;
  CURLMcode mc = curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, parallel);
  if (mc == CURLM_OK) mc = curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, parallel);
  if (mc == CURLM_OK) mc = curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, parallel);
  if (mc != CURLM_OK) return CurlMultiError(mc, "configuring libcurl");
  return GithubClient(std::make_unique<Impl>(std::move(options), std::move(multi)));
}

GithubClient::GithubClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GithubClient::~GithubClient() = default;
GithubClient::GithubClient(GithubClient&&) noexcept = default;
GithubClient& GithubClient::operator=(GithubClient&&) noexcept = default;

void GithubClient::Add(ApiRequest request) { impl_->Add(std::move(request)); }
Result<RunEnd> GithubClient::Run(GithubObserver* observer) { return impl_->Run(observer); }
void GithubClient::Cancel() { impl_->cancelled = true; }
const GithubStats& GithubClient::stats() const { return impl_->stats; }

}  // namespace swerl::net

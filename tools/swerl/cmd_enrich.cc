// swerl enrich: fills the pull requests and issues whose events lack text or
// state (the trimmed era since 2025-10-07, events GH Archive missed) from the
// GitHub REST API (SPEC §2.5), folding the answers into the store like
// events. Resumable: every outcome lands in api_fetches in the same
// transaction as the data it brought.
#include <cstdlib>
#include <ctime>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "command.h"
#include "swerl/db/sqlite.h"
#include "swerl/net/curl_handles.h"
#include "swerl/net/github_client.h"
#include "swerl/store/api_records.h"
#include "swerl/store/ingest.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

struct EnrichFlags {
  std::string db;
  std::string api_url = "https://api.github.com";
  std::string token_env = "GITHUB_TOKEN";
  int jobs = 4;
  int64_t limit = -1;
  std::string where;
  bool refresh = false;
  int retries = 5;
  int64_t retry_base_ms = 1000;
  double timeout_s = 30;
  double connect_timeout_s = 10;
  int64_t max_wait_s = 3600;
  uint64_t seed = 0;
  bool has_seed = false;
};

// Resources per item; tags are item_index * kTagStride + resource index.
constexpr uint64_t kTagStride = 8;
constexpr size_t kListedFailures = 5;

std::string UtcString(int64_t epoch_s) {
  const std::time_t t = static_cast<std::time_t>(epoch_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct Resource {
  Resource(store::ApiObject w, std::string u, bool p) : what(w), url(std::move(u)), paginate(p) {}
  store::ApiObject what;
  std::string url;
  bool paginate = false;
  bool skip = false;  // fetched OK by an earlier run (not --refresh)
  std::optional<net::ApiResult> result;
};

struct Item {
  bool is_pr = false;
  int64_t repo_id = 0;
  int64_t number = 0;
  std::string repo;
  std::vector<Resource> resources;  // [0] is the pull request or issue itself
  size_t pending = 0;               // resources added to the client, not yet back
};

enum class ItemOutcome { kEnriched, kUnchanged, kGone, kFailed };

// The item list of a run, its database side, and its outcomes.
class Enricher : public net::GithubObserver {
 public:
  Enricher(db::Db* db, store::Ingester* ingester, net::GithubClient* client, bool progress)
      : db_(db),
        ingester_(ingester),
        client_(client),
        start_(std::chrono::steady_clock::now()),
        progress_(progress, [this] { return Render(); }) {}

  Status Prepare() {
    SWERL_ASSIGN_OR_RETURN(
        lookup_, db_->Prepare("SELECT etag, status, error FROM api_fetches WHERE url = ?"));
    SWERL_ASSIGN_OR_RETURN(
        upsert_, db_->Prepare("INSERT INTO api_fetches(url, etag, status, fetched_at, error) "
                              "VALUES (?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
                              "etag = CASE WHEN excluded.error IS NULL THEN excluded.etag "
                              "ELSE api_fetches.etag END, "
                              "status = excluded.status, fetched_at = excluded.fetched_at, "
                              "error = excluded.error"));
    return OkStatus();
  }

  // Selects the items lacking data (plus those enriched before, when
  // refresh), drops those an earlier run finished, keeps at most `limit`.
  // Errors: kInvalidInput (a bad --where), database errors.
  Status Select(const EnrichFlags& f, const std::string& api_url) {
    SWERL_RETURN_IF_ERROR(CollectFailed(api_url));
    const std::string snapshot = "'%" + std::string(store::kSnapshotIdSuffix) + "'";
    std::string sql =
        "SELECT DISTINCT kind, repo_id, number, repo FROM ("
        // Items with a resource that failed before, though their object may
        // have arrived (so they no longer lack data).
        "SELECT t.kind AS kind, t.repo_id AS repo_id, t.number AS number, r.name AS repo "
        "FROM temp.enrich_retry t LEFT JOIN repos r ON r.repo_id = t.repo_id UNION ALL "
        "SELECT 'pr' AS kind, p.repo_id AS repo_id, p.number AS number, r.name AS repo "
        "FROM pull_requests p LEFT JOIN repos r ON r.repo_id = p.repo_id "
        "WHERE p.detail_ver = '' OR (p.outcome_ver = '' AND p.act_ver = '')";
    if (f.refresh) sql += " OR p.detail_ver LIKE " + snapshot;
    sql +=
        " UNION ALL "
        "SELECT 'issue', i.repo_id, i.number, r.name "
        "FROM issues i LEFT JOIN repos r ON r.repo_id = i.repo_id "
        "WHERE (i.body_ver = '' OR i.main_ver = ''";
    if (f.refresh) sql += " OR i.main_ver LIKE " + snapshot;
    // A pull request's item covers its issue side's conversation.
    sql +=
        ") AND NOT EXISTS (SELECT 1 FROM pull_requests q "
        "WHERE q.repo_id = i.repo_id AND q.number = i.number))";
    if (!f.where.empty()) sql += " WHERE (" + f.where + ")";
    sql += " ORDER BY repo_id, number, kind";
    auto stmt = db_->Prepare(sql);
    if (!stmt) {
      return Error(Code::kInvalidInput,
                   "cannot select items (check --where): " + stmt.error().message());
    }
    for (;;) {
      auto row = stmt->Step();
      if (!row) return std::move(row).error().With("selecting items");
      if (!*row) break;
      Item item;
      item.is_pr = stmt->Text(0) == "pr";
      item.repo_id = stmt->Int(1);
      item.number = stmt->Int(2);
      if (!stmt->IsNull(3)) item.repo = stmt->Text(3);
      ++selected_;
      if (item.repo.empty()) {
        ++outcomes_[static_cast<int>(ItemOutcome::kFailed)];
        failures_.push_back("repository " + std::to_string(item.repo_id) + " #" +
                            std::to_string(item.number) + ": its owner/name is unknown");
        continue;
      }
      AddResources(item, api_url);
      SWERL_ASSIGN_OR_RETURN(bool done, MarkDone(item, f.refresh));
      if (done) {
        ++already_done_;
        continue;
      }
      if (f.limit >= 0 && static_cast<int64_t>(items_.size()) >= f.limit) continue;
      items_.push_back(std::move(item));
    }
    return OkStatus();
  }

  // Feeds the client a window of items; the rest follow as items finish, so
  // work is committed steadily and a killed run loses little.
  void StartWindow(size_t window) {
    for (size_t k = 0; k < window; ++k) StartNext();
  }

  std::string EtagFor(const std::string& url) override {
    lookup_.BindText(1, url);
    std::string etag;
    auto row = lookup_.Step();
    if (row && *row && !lookup_.IsNull(0)) etag = lookup_.Text(0);
    lookup_.Reset();
    return etag;
  }

  void OnResult(net::ApiResult result) override {
    if (fatal_) return;
    const size_t item_index = result.tag / kTagStride;
    const size_t res_index = result.tag % kTagStride;
    Item& item = items_[item_index];
    --item.pending;
    const bool primary_ok = result.outcome == net::ApiOutcome::kOk;
    item.resources[res_index].result = std::move(result);
    if (res_index == 0 && primary_ok) AddRest(item_index);
    if (item.pending == 0) FinishItem(item_index);
  }

  void OnRetry(const std::string& url, int attempt, const Error& why,
               std::chrono::milliseconds delay) override {
    auto& log = cli::Log::Get();
    if (!log.enabled(cli::Level::kInfo)) return;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f s", static_cast<double>(delay.count()) / 1000.0);
    log.Warning("attempt " + std::to_string(attempt) + " failed: " + why.message() +
                "; retrying in " + secs);
    (void)url;
  }

  void OnRateWait(std::chrono::seconds wait, std::string_view why) override {
    cli::Log::Get().Info("waiting " + std::to_string(wait.count()) + " s (" + std::string(why) +
                         ")");
  }

  void OnProgress(const net::GithubStats& stats) override {
    stats_ = stats;
    progress_.Tick();
  }

  void Done() { progress_.Done(); }
  const std::optional<Error>& fatal() const { return fatal_; }
  uint64_t selected() const { return selected_; }
  uint64_t already_done() const { return already_done_; }
  uint64_t to_fetch() const { return items_.size(); }
  uint64_t count(ItemOutcome o) const { return outcomes_[static_cast<int>(o)]; }
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  // Fills temp.enrich_retry with the items of api_fetches rows that hold an
  // error, from their URLs ({api_url}/repos/{owner}/{name}/{pulls|issues}/{n}...).
  Status CollectFailed(const std::string& api_url) {
    SWERL_RETURN_IF_ERROR(db_->Exec(
        "CREATE TEMP TABLE IF NOT EXISTS enrich_retry (kind TEXT NOT NULL, repo_id INTEGER NOT "
        "NULL, number INTEGER NOT NULL, PRIMARY KEY (kind, repo_id, number)); "
        "DELETE FROM temp.enrich_retry"));
    SWERL_ASSIGN_OR_RETURN(db::Stmt failed,
                           db_->Prepare("SELECT url FROM api_fetches WHERE error IS NOT NULL"));
    SWERL_ASSIGN_OR_RETURN(
        db::Stmt add,
        db_->Prepare("INSERT OR IGNORE INTO temp.enrich_retry (kind, repo_id, number) "
                     "SELECT CASE WHEN EXISTS (SELECT 1 FROM pull_requests p WHERE "
                     "p.repo_id = n.repo_id AND p.number = ?2) THEN 'pr' ELSE 'issue' END, "
                     "n.repo_id, ?2 FROM repo_names n WHERE n.name = ?1"));
    const std::string prefix = api_url + "/repos/";
    for (;;) {
      SWERL_ASSIGN_OR_RETURN(bool row, failed.Step());
      if (!row) break;
      std::string_view url = failed.Text(0);
      if (url.substr(0, prefix.size()) != prefix) continue;
      url.remove_prefix(prefix.size());
      // owner / name / kind / number
      std::string_view parts[4];
      size_t k = 0;
      while (k < 4 && !url.empty()) {
        const size_t end = url.find_first_of("/?");
        parts[k++] = url.substr(0, end);
        url = end == std::string_view::npos ? std::string_view() : url.substr(end + 1);
      }
      if (k < 4 || (parts[2] != "pulls" && parts[2] != "issues")) continue;
      int64_t number = 0;
      for (char ch : parts[3]) {
        if (ch < '0' || ch > '9' || number > (int64_t{1} << 40)) {
          number = -1;
          break;
        }
        number = number * 10 + (ch - '0');
      }
      if (number <= 0) continue;
      add.BindText(1, std::string(parts[0]) + "/" + std::string(parts[1]));
      add.BindInt(2, number);
      SWERL_RETURN_IF_ERROR(add.Run());
    }
    return OkStatus();
  }

  void AddResources(Item& item, const std::string& api_url) {
    const std::string base =
        api_url + "/repos/" + item.repo + "/" + (item.is_pr ? "pulls/" : "issues/");
    const std::string n = std::to_string(item.number);
    const std::string issue = api_url + "/repos/" + item.repo + "/issues/" + n;
    const std::string page = "?per_page=100";
    using store::ApiObject;
    if (item.is_pr) {
      item.resources.emplace_back(ApiObject::kPull, base + n, false);
      item.resources.emplace_back(ApiObject::kIssueComments, issue + "/comments" + page, true);
      item.resources.emplace_back(ApiObject::kReviewComments, base + n + "/comments" + page, true);
      item.resources.emplace_back(ApiObject::kReviews, base + n + "/reviews" + page, true);
    } else {
      item.resources.emplace_back(ApiObject::kIssue, issue, false);
      item.resources.emplace_back(ApiObject::kIssueComments, issue + "/comments" + page, true);
    }
  }

  // Without refresh: marks resources an earlier run fetched OK (the first
  // page's row has status 200/304 and no error) as skipped. Returns true
  // when nothing is left to do: all skipped, or the item is gone.
  Result<bool> MarkDone(Item& item, bool refresh) {
    if (refresh) return false;
    bool all = true;
    for (size_t k = 0; k < item.resources.size(); ++k) {
      Resource& r = item.resources[k];
      lookup_.BindText(1, r.url);
      auto row = lookup_.Step();
      if (!row) {
        lookup_.Reset();
        return std::move(row).error();
      }
      int64_t status = -1;
      bool error = true;
      if (*row) {
        status = lookup_.IsNull(1) ? -1 : lookup_.Int(1);
        error = !lookup_.IsNull(2);
      }
      lookup_.Reset();
      if (k == 0 && !error && (status == 404 || status == 410 || status == 451)) return true;
      r.skip = !error && (status == 200 || status == 304);
      all = all && r.skip;
    }
    return all;
  }

  void StartNext() {
    while (next_item_ < items_.size()) {
      const size_t index = next_item_++;
      Item& item = items_[index];
      if (!item.resources[0].skip) {
        item.pending = 1;
        client_->Add({index * kTagStride, item.resources[0].url, item.resources[0].paginate,
                      /*first=*/false});
        return;
      }
      AddRest(index);
      if (item.pending > 0) return;
      FinishItem(index);  // not reached: such items are not selected
    }
  }

  void AddRest(size_t index) {
    Item& item = items_[index];
    for (size_t k = 1; k < item.resources.size(); ++k) {
      const Resource& r = item.resources[k];
      if (r.skip) continue;
      ++item.pending;
      client_->Add({index * kTagStride + k, r.url, r.paginate, /*first=*/true});
    }
  }

  std::string ItemName(const Item& item) const {
    return item.repo + (item.is_pr ? " pull " : " issue ") + std::to_string(item.number);
  }

  void FinishItem(size_t index) {
    Item& item = items_[index];
    auto outcome = CommitItem(item);
    if (!outcome) {
      fatal_ = std::move(outcome).error().With("storing " + ItemName(item));
      client_->Cancel();
      return;
    }
    ++outcomes_[static_cast<int>(*outcome)];
    // Free the bodies; the item is done.
    item.resources.clear();
    item.resources.shrink_to_fit();
    StartNext();
  }

  Status Upsert(const std::string& url, std::string_view etag, int status,
                const std::string& fetched_at, const std::optional<std::string>& error) {
    upsert_.BindText(1, url);
    upsert_.BindOptionalText(2, etag.empty() ? std::nullopt : std::optional(etag));
    upsert_.BindInt(3, status);
    upsert_.BindText(4, fetched_at);
    upsert_.BindOptionalText(5, error ? std::optional<std::string_view>(*error) : std::nullopt);
    return upsert_.Run();
  }

  // Folds what the item brought and records every resource's outcome in
  // api_fetches, in one transaction. Errors: database failures.
  Result<ItemOutcome> CommitItem(Item& item) {
    int64_t started = std::numeric_limits<int64_t>::max();
    for (const Resource& r : item.resources) {
      if (r.result && r.result->started_epoch_s > 0) {
        started = std::min(started, r.result->started_epoch_s);
      }
    }
    if (started == std::numeric_limits<int64_t>::max()) started = std::time(nullptr);
    // The time of the item's first request, not its last answer: an event
    // created while we fetched must still outrank what we fetched.
    const std::string fetched_at = UtcString(started);
    const std::string version = store::SnapshotVersion(fetched_at);
    const store::ApiRecordContext ctx{item.repo, item.repo_id, item.number, fetched_at};

    std::vector<std::string> lines;
    std::vector<std::optional<std::string>> convert_errors(item.resources.size());
    bool any_200 = false;
    for (size_t k = 0; k < item.resources.size(); ++k) {
      const Resource& r = item.resources[k];
      if (!r.result || r.result->outcome != net::ApiOutcome::kOk) continue;
      for (const net::ApiPage& page : r.result->pages) {
        if (page.status != 200) continue;
        any_200 = true;
        auto records = store::ApiRecords(r.what, page.body, ctx);
        if (!records) {
          convert_errors[k] = "'" + page.url + "': " + records.error().message();
          break;
        }
        for (std::string& line : *records) lines.push_back(std::move(line));
      }
    }
    // Records from a resource that failed to convert are still folded: each
    // page stands alone, and the resource is fetched again next run.
    std::optional<db::Txn> own_txn;
    if (lines.empty()) {
      SWERL_ASSIGN_OR_RETURN(db::Txn t, db::Txn::Begin(db_));
      own_txn.emplace(std::move(t));
    }
    for (std::string& line : lines) {
      const size_t size = line.size();
      line.append(store::kRecordPadding, ' ');
      Status st = ingester_->AddSnapshot(std::string_view(line.data(), size), version);
      if (!st) {
        if (st.error().code() != Code::kInvalidInput) return std::move(st).error();
        cli::Log::Get().Warning(ItemName(item) + ": record skipped: " + st.error().message());
      }
    }
    bool failed = false, gone = false;
    for (size_t k = 0; k < item.resources.size(); ++k) {
      const Resource& r = item.resources[k];
      if (!r.result) continue;
      const net::ApiResult& res = *r.result;
      if (res.outcome == net::ApiOutcome::kOk && !convert_errors[k]) {
        for (const net::ApiPage& page : res.pages) {
          SWERL_RETURN_IF_ERROR(Upsert(page.url, page.etag, page.status, fetched_at, std::nullopt));
        }
        continue;
      }
      if (res.outcome == net::ApiOutcome::kGone) {
        gone = k == 0;
        SWERL_RETURN_IF_ERROR(Upsert(res.url, "", res.status, fetched_at, std::nullopt));
        continue;
      }
      failed = true;
      std::string why = convert_errors[k] ? *convert_errors[k]
                        : res.error       ? res.error->message()
                                          : "unknown error";
      SWERL_RETURN_IF_ERROR(Upsert(res.url, "", res.status, fetched_at, why));
      failures_.push_back(ItemName(item) + ": " + why);
    }
    if (own_txn) {
      SWERL_RETURN_IF_ERROR(own_txn->Commit());
    } else {
      SWERL_RETURN_IF_ERROR(ingester_->Commit());
    }
    if (failed) return ItemOutcome::kFailed;
    if (gone) return ItemOutcome::kGone;
    return any_200 ? ItemOutcome::kEnriched : ItemOutcome::kUnchanged;
  }

  std::string Render() const {
    uint64_t done = 0;
    for (uint64_t n : outcomes_) done += n;
    std::string line = std::to_string(done) + "/" + std::to_string(items_.size()) + " items, " +
                       std::to_string(stats_.requests) + " requests, " +
                       std::to_string(stats_.active) + " active";
    const uint64_t failed = count(ItemOutcome::kFailed);
    if (failed) line += ", " + std::to_string(failed) + " failed";
    if (stats_.paused_ms > 0) {
      line += ", rate limit: waiting " + std::to_string((stats_.paused_ms + 999) / 1000) + " s";
    }
    (void)start_;
    return line;
  }

  db::Db* db_;
  store::Ingester* ingester_;
  net::GithubClient* client_;
  db::Stmt lookup_, upsert_;
  std::vector<Item> items_;
  size_t next_item_ = 0;
  uint64_t selected_ = 0;
  uint64_t already_done_ = 0;
  uint64_t outcomes_[4] = {};
  std::vector<std::string> failures_;
  std::optional<Error> fatal_;
  net::GithubStats stats_;
  std::chrono::steady_clock::time_point start_;
  cli::Progress progress_;
};

int RunEnrich(const EnrichFlags& flags, Context& ctx) {
  ApplyCommonFlags(ctx, "enrich");
  auto& log = cli::Log::Get();
  auto db = store::OpenStore(flags.db, /*create=*/false);
  if (!db) {
    log.Error(db.error().message());
    return cli::kExitError;
  }
  std::string token;
  if (const char* value = std::getenv(flags.token_env.c_str()); value && *value) token = value;
  if (token.empty()) {
    log.Warning("$" + flags.token_env +
                " is not set: unauthenticated requests (GitHub allows 60 an hour)");
  }
  net::CurlGlobal curl;
  if (Status s = curl.status(); !s) {
    log.Error(s.error().message());
    return cli::kExitError;
  }
  net::GithubOptions options;
  options.api_url = flags.api_url;
  while (!options.api_url.empty() && options.api_url.back() == '/') options.api_url.pop_back();
  options.token = std::move(token);
  options.user_agent = "swerl/" SWERL_VERSION;
  options.parallel = flags.jobs;
  options.retries = flags.retries;
  options.retry_base_ms = flags.retry_base_ms;
  options.timeout_ms = static_cast<int64_t>(flags.timeout_s * 1000);
  options.connect_timeout_ms = static_cast<int64_t>(flags.connect_timeout_s * 1000);
  options.max_wait_s = flags.max_wait_s;
  if (flags.has_seed) options.seed = flags.seed;
  const std::string api_url = options.api_url;
  auto client = net::GithubClient::Create(std::move(options));
  if (!client) {
    log.Error(client.error().message());
    return cli::kExitError;
  }
  // One transaction per item: Enricher commits; the batch never fills.
  auto ingester = store::Ingester::Create(&*db, std::numeric_limits<size_t>::max());
  if (!ingester) {
    log.Error(ingester.error().message());
    return cli::kExitError;
  }
  Enricher enricher(&*db, &*ingester, &*client, cli::ProgressEnabled(ctx.progress));
  if (Status s = enricher.Prepare(); !s) {
    log.Error(s.error().message());
    return cli::kExitError;
  }
  if (Status s = enricher.Select(flags, api_url); !s) {
    log.Error(s.error().message());
    return cli::kExitError;
  }
  const auto start = std::chrono::steady_clock::now();
  enricher.StartWindow(static_cast<size_t>(flags.jobs) * 4);
  auto end = client->Run(&enricher);
  enricher.Done();
  if (!end) {
    log.Error(end.error().message());
    return cli::kExitError;
  }
  if (enricher.fatal()) {
    log.Error(enricher.fatal()->message());
    return cli::kExitError;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto& failures = enricher.failures();
  for (size_t k = 0; k < failures.size() && k < kListedFailures; ++k) {
    log.Error("failed: " + failures[k]);
  }
  if (failures.size() > kListedFailures) {
    log.Error("... and " + std::to_string(failures.size() - kListedFailures) +
              " more (see api_fetches.error)");
  }
  const net::GithubStats& s = client->stats();
  char took[32];
  std::snprintf(took, sizeof took, "%.1f s", secs);
  const uint64_t finished =
      enricher.count(ItemOutcome::kEnriched) + enricher.count(ItemOutcome::kUnchanged) +
      enricher.count(ItemOutcome::kGone) + enricher.count(ItemOutcome::kFailed);
  log.Summary(cli::WithCommas(enricher.selected()) + " items lacking data, " +
              cli::WithCommas(enricher.already_done()) + " done before, " +
              cli::WithCommas(finished) +
              " processed: " + cli::WithCommas(enricher.count(ItemOutcome::kEnriched)) +
              " enriched, " + cli::WithCommas(enricher.count(ItemOutcome::kUnchanged)) +
              " unchanged, " + cli::WithCommas(enricher.count(ItemOutcome::kGone)) + " gone, " +
              cli::WithCommas(enricher.count(ItemOutcome::kFailed)) + " failed; " +
              cli::WithCommas(s.requests) + " requests (" + cli::WithCommas(s.not_modified) +
              " not modified, " + cli::WithCommas(s.retries) + " retried, " +
              cli::WithCommas(s.rate_waits) + " rate-limit waits) in " + took);
  if (end->rate_limited_until) {
    const int64_t wait = *end->rate_limited_until - static_cast<int64_t>(std::time(nullptr));
    log.Error("stopped: the rate limit resets at " + UtcString(*end->rate_limited_until) + " (in " +
              std::to_string(std::max<int64_t>(wait, 0)) + " s, beyond --max-wait " +
              std::to_string(flags.max_wait_s) + " s); rerun then to resume");
    return cli::kExitError;
  }
  return enricher.count(ItemOutcome::kFailed) ? cli::kExitError : cli::kExitOk;
}

}  // namespace

void RegisterEnrich(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<EnrichFlags>();
  CLI::App* cmd = root.add_subcommand(
      "enrich",
      "Fill pull requests and issues whose events lack text or state (trimmed-era events) "
      "from the GitHub REST API: the object, its comments, review comments and reviews, "
      "folded into the store like events (schemas/store.md). Resumable");
  cmd->add_option("--db", flags->db, "The store (made by swerl ingest)")->required();
  cmd->add_option("--api-url", flags->api_url, "The REST API's base URL")->capture_default_str();
  cmd->add_option("--token-env", flags->token_env,
                  "Environment variable holding the token (sent as a Bearer token; never "
                  "printed or stored)")
      ->capture_default_str();
  cmd->add_option("-j,--jobs", flags->jobs, "Concurrent requests")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--limit", flags->limit, "Fetch at most N items this run");
  cmd->add_option("--where", flags->where,
                  "SQL condition on the items (columns: kind 'pr'/'issue', repo_id, number, "
                  "repo)");
  cmd->add_flag("--refresh", flags->refresh,
                "Also refetch items fetched before (conditional requests: a 304 keeps the "
                "stored data)");
  cmd->add_option("--max-wait", flags->max_wait_s,
                  "Longest rate-limit wait in seconds; beyond it, stop and say when to resume")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{7 * 86400}));
  cmd->add_option("--retries", flags->retries, "Retries per request after the first attempt")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  cmd->add_option("--retry-base-ms", flags->retry_base_ms,
                  "First retry delay; doubles per retry with jitter, capped at 60 s")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{60000}));
  cmd->add_option("--timeout", flags->timeout_s, "Seconds a request may take; then it is retried")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  cmd->add_option("--connect-timeout", flags->connect_timeout_s,
                  "Seconds to establish a connection")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  CLI::Option* seed =
      cmd->add_option("--seed", flags->seed, "Seed for the retry jitter (tests)")->group("");
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "Items: pull_requests rows without title/body (detail) or without any state, and issues "
      "without body or main fields. An item fetched OK (or answered 404/410: gone) is not "
      "fetched again unless --refresh. Exit status: 0 when every item is enriched, unchanged "
      "or gone; 2 when items failed after retries (a few are listed), when a rate limit asks "
      "for a wait beyond --max-wait (rerun at the time printed), or on usage or I/O errors.");
  cmd->callback([flags, seed, &ctx] {
    flags->has_seed = seed->count() > 0;
    ctx.run = [flags, &ctx] { return RunEnrich(*flags, ctx); };
  });
}

}  // namespace swerl::tools

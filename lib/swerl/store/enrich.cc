#include "swerl/store/enrich.h"

#include <algorithm>
#include <ctime>
#include <limits>
#include <utility>

#include "swerl/core/utc_time.h"
#include "swerl/store/api_records.h"
#include "swerl/store/ingest.h"

namespace swerl::store {
namespace {

// Resources per item; tags are item_index * kTagStride + resource index.
constexpr uint64_t kTagStride = 8;

struct Resource {
  Resource(ApiObject w, std::string u, bool p) : what(w), url(std::move(u)), paginate(p) {}
  ApiObject what;
  std::string url;
  bool paginate = false;
  bool skip = false;  // fetched OK by an earlier run (not refresh)
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

// The item list of a pass, its database side, and its outcomes. *db,
// *ingester, *client and *observer must outlive it.
class Enricher : public net::GithubObserver {
 public:
  Enricher(db::Db* db, Ingester* ingester, net::GithubClient* client, EnrichObserver* observer)
      : db_(db), ingester_(ingester), client_(client), observer_(observer) {}

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
  // Errors: kInvalidInput (a bad where), database errors.
  Status Select(const EnrichOptions& o) {
    SWERL_RETURN_IF_ERROR(CollectFailed(o.api_url));
    const std::string snapshot = "'%" + std::string(kSnapshotIdSuffix) + "'";
    std::string sql =
        "SELECT DISTINCT kind, repo_id, number, repo FROM ("
        // Items with a resource that failed before, though their object may
        // have arrived (so they no longer lack data).
        "SELECT t.kind AS kind, t.repo_id AS repo_id, t.number AS number, r.name AS repo "
        "FROM temp.enrich_retry t LEFT JOIN repos r ON r.repo_id = t.repo_id UNION ALL "
        "SELECT 'pr' AS kind, p.repo_id AS repo_id, p.number AS number, r.name AS repo "
        "FROM pull_requests p LEFT JOIN repos r ON r.repo_id = p.repo_id "
        "WHERE p.detail_ver = '' OR (p.outcome_ver = '' AND p.act_ver = '')";
    if (o.refresh) sql += " OR p.detail_ver LIKE " + snapshot;
    sql +=
        " UNION ALL "
        "SELECT 'issue', i.repo_id, i.number, r.name "
        "FROM issues i LEFT JOIN repos r ON r.repo_id = i.repo_id "
        "WHERE (i.body_ver = '' OR i.main_ver = ''";
    if (o.refresh) sql += " OR i.main_ver LIKE " + snapshot;
    // A pull request's item covers its issue side's conversation.
    sql +=
        ") AND NOT EXISTS (SELECT 1 FROM pull_requests q "
        "WHERE q.repo_id = i.repo_id AND q.number = i.number))";
    sql += " WHERE " + o.shard.SqlCondition("repo_id");
    if (!o.where.empty()) sql += " AND (" + o.where + ")";
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
      ++result_.selected;
      if (item.repo.empty()) {
        ++result_.outcomes[static_cast<size_t>(ItemOutcome::kFailed)];
        result_.failures.push_back("repository " + std::to_string(item.repo_id) + " #" +
                                   std::to_string(item.number) + ": its owner/name is unknown");
        continue;
      }
      AddResources(item, o.api_url);
      SWERL_ASSIGN_OR_RETURN(bool done, MarkDone(item, o.refresh));
      if (done) {
        ++result_.already_done;
        continue;
      }
      if (o.limit >= 0 && static_cast<int64_t>(items_.size()) >= o.limit) continue;
      items_.push_back(std::move(item));
    }
    result_.to_fetch = items_.size();
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
    observer_->OnRetry(url, attempt, why, delay);
  }

  void OnRateWait(std::chrono::seconds wait, std::string_view why) override {
    observer_->OnRateWait(wait, why);
  }

  void OnProgress(const net::GithubStats& stats) override {
    EnrichProgress p;
    p.done = result_.finished();
    p.total = result_.to_fetch;
    p.failed = result_.count(ItemOutcome::kFailed);
    p.http = stats;
    observer_->OnProgress(p);
  }

  // Set when storing an item failed; the client was cancelled.
  std::optional<Error>& fatal() { return fatal_; }
  EnrichResult& result() { return result_; }

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

  static void AddResources(Item& item, const std::string& api_url) {
    const std::string base =
        api_url + "/repos/" + item.repo + "/" + (item.is_pr ? "pulls/" : "issues/");
    const std::string n = std::to_string(item.number);
    const std::string issue = api_url + "/repos/" + item.repo + "/issues/" + n;
    const std::string page = "?per_page=100";
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

  static std::string ItemName(const Item& item) {
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
    ++result_.outcomes[static_cast<size_t>(*outcome)];
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
    const std::string fetched_at = FormatUtc(started);
    const std::string version = SnapshotVersion(fetched_at);
    const ApiRecordContext ctx{item.repo, item.repo_id, item.number, fetched_at};

    std::vector<std::string> lines;
    std::vector<std::optional<std::string>> convert_errors(item.resources.size());
    bool any_200 = false;
    for (size_t k = 0; k < item.resources.size(); ++k) {
      const Resource& r = item.resources[k];
      if (!r.result || r.result->outcome != net::ApiOutcome::kOk) continue;
      for (const net::ApiPage& page : r.result->pages) {
        if (page.status != 200) continue;
        any_200 = true;
        auto records = ApiRecords(r.what, page.body, ctx);
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
      line.append(kRecordPadding, ' ');
      Status st = ingester_->AddSnapshot(std::string_view(line.data(), size), version);
      if (!st) {
        if (st.error().code() != Code::kInvalidInput) return std::move(st).error();
        observer_->OnWarning(ItemName(item) + ": record skipped: " + st.error().message());
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
      result_.failures.push_back(ItemName(item) + ": " + why);
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

  db::Db* db_;
  Ingester* ingester_;
  net::GithubClient* client_;
  EnrichObserver* observer_;
  db::Stmt lookup_, upsert_;
  std::vector<Item> items_;
  size_t next_item_ = 0;
  EnrichResult result_;
  std::optional<Error> fatal_;
};

}  // namespace

uint64_t EnrichResult::finished() const {
  uint64_t n = 0;
  for (uint64_t c : outcomes) n += c;
  return n;
}

Result<EnrichResult> Enrich(db::Db* db, net::GithubClient* client, const EnrichOptions& options,
                            EnrichObserver* observer) {
  EnrichObserver none;
  if (observer == nullptr) observer = &none;
  // One transaction per item: the Enricher commits; the batch never fills.
  SWERL_ASSIGN_OR_RETURN(Ingester ingester,
                         Ingester::Create(db, std::numeric_limits<size_t>::max()));
  Enricher enricher(db, &ingester, client, observer);
  SWERL_RETURN_IF_ERROR(enricher.Prepare());
  SWERL_RETURN_IF_ERROR(enricher.Select(options));
  const auto start = std::chrono::steady_clock::now();
  enricher.StartWindow(std::max<size_t>(options.window, 1));
  SWERL_ASSIGN_OR_RETURN(net::RunEnd end, client->Run(&enricher));
  if (enricher.fatal()) return std::move(*enricher.fatal());
  EnrichResult result = std::move(enricher.result());
  result.rate_limited_until = end.rate_limited_until;
  result.elapsed = std::chrono::steady_clock::now() - start;
  return result;
}

}  // namespace swerl::store

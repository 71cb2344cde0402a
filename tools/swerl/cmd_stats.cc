// swerl stats: counts per stage of the store, as a table or JSON.
#include <unistd.h>

#include <cctype>

#include "command.h"
#include "swerl/io/output.h"
#include "swerl/json/json_writer.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

struct StatsOptions {
  std::string db;
};

// (section, name, SQL giving one integer). Sections group the table.
struct Query {
  const char* section;
  const char* name;
  const char* sql;
};

constexpr Query kQueries[] = {
    {"store", "repositories", "SELECT count(*) FROM repos"},
    {"store", "ingested inputs", "SELECT count(*) FROM ingest_log"},
    {"pull requests", "total", "SELECT count(*) FROM prs"},
    {"pull requests", "open", "SELECT count(*) FROM prs WHERE state = 'open'"},
    {"pull requests", "closed unmerged",
     "SELECT count(*) FROM prs WHERE state = 'closed' AND coalesce(merged, 0) = 0"},
    {"pull requests", "merged", "SELECT count(*) FROM prs WHERE merged = 1"},
    {"pull requests", "state unknown", "SELECT count(*) FROM prs WHERE state IS NULL"},
    {"pull requests", "without title (trimmed era)",
     "SELECT count(*) FROM pull_requests WHERE detail_ver = ''"},
    {"pull requests", "merged with a closing link",
     "SELECT count(*) FROM prs p WHERE merged = 1 AND EXISTS (SELECT 1 FROM issue_links l "
     "WHERE l.repo_id = p.repo_id AND l.pr_number = p.number AND l.closing = 1)"},
    {"issues", "issues (not pull requests)",
     "SELECT count(*) FROM issues WHERE coalesce(is_pull_request, 0) = 0"},
    {"issues", "open",
     "SELECT count(*) FROM issues WHERE coalesce(is_pull_request, 0) = 0 AND "
     "state = 'open'"},
    {"conversation", "issue comments", "SELECT count(*) FROM issue_comments"},
    {"conversation", "reviews", "SELECT count(*) FROM reviews"},
    {"conversation", "review comments", "SELECT count(*) FROM review_comments"},
    {"links", "issue references", "SELECT count(*) FROM issue_links"},
    {"links", "closing references", "SELECT count(*) FROM issue_links WHERE closing = 1"},
    {"links", "resolved to a known repository",
     "SELECT count(*) FROM issue_links WHERE target_repo_id IS NOT NULL"},
    {"enrich", "API responses stored", "SELECT count(*) FROM api_fetches"},
};

// "closed unmerged" -> "closed_unmerged", "PullRequestEvent (full)" ->
// "PullRequestEvent_full": JSON keys without spaces or punctuation.
std::string JsonKey(std::string_view name) {
  std::string out;
  bool gap = false;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (gap && !out.empty()) out.push_back('_');
      out.push_back(c);
      gap = false;
    } else {
      gap = true;
    }
  }
  return out;
}

int RunStats(const StatsOptions& opt, const Context& ctx) {
  ApplyCommonFlags(ctx, "stats");
  auto& log = cli::Log::Get();
  if (!cli::DistinctFiles({{"--db", opt.db}}, {{"standard output", "-"}})) {
    return cli::kExitError;
  }
  // Read-only: stats works on a store it cannot write (a read-only file or
  // directory) and never changes one.
  auto db = OpenStoreOrLog(opt.db, db::Db::Mode::kReadOnly);
  if (!db) return cli::kExitError;
  std::vector<std::tuple<std::string, std::string, int64_t>> rows;
  // Events per type and era first.
  auto events = db->Prepare("SELECT type, era, n FROM event_counts ORDER BY type, era");
  if (!events) {
    log.Error(events.error().message());
    return cli::kExitError;
  }
  for (;;) {
    auto row = events->Step();
    if (!row) {
      log.Error(row.error().message());
      return cli::kExitError;
    }
    if (!*row) break;
    rows.emplace_back("events",
                      std::string(events->Text(0)) + " (" + std::string(events->Text(1)) + ")",
                      events->Int(2));
  }
  for (const Query& q : kQueries) {
    auto stmt = db->Prepare(q.sql);
    if (!stmt) {
      log.Error(stmt.error().message());
      return cli::kExitError;
    }
    auto row = stmt->Step();
    if (!row) {
      log.Error(row.error().message());
      return cli::kExitError;
    }
    rows.emplace_back(q.section, q.name, stmt->Int(0));
  }
  std::string out;
  if (ctx.json) {
    json::JsonWriter w(&out);
    w.BeginObject();
    w.Key("schema_version");
    w.Int(store::SchemaVersion());
    std::string section;
    for (const auto& [sec, name, n] : rows) {
      if (sec != section) {
        if (!section.empty()) w.EndObject();
        section = sec;
        w.Key(JsonKey(section));
        w.BeginObject();
      }
      w.Key(JsonKey(name));
      w.Int(n);
    }
    if (!section.empty()) w.EndObject();
    w.EndObject();
    out.push_back('\n');
  } else {
    std::string section;
    for (const auto& [sec, name, n] : rows) {
      if (sec != section) {
        section = sec;
        out += section + "\n";
      }
      const std::string num = cli::WithCommas(static_cast<uint64_t>(n));
      std::string line = "  " + name;
      line.resize(std::max<size_t>(line.size() + 1, 48), ' ');
      out += line + std::string(num.size() < 14 ? 14 - num.size() : 0, ' ') + num + "\n";
    }
  }
  io::BufferedOutput sink(1, "standard output");
  Status st = sink.Write(out);
  if (st) st = sink.Flush();
  if (!st) return cli::ExitCodeFor(st.error());
  return cli::kExitOk;
}

}  // namespace

void RegisterStats(CLI::App& root, Context& ctx) {
  auto opt = std::make_shared<StatsOptions>();
  CLI::App* cmd = root.add_subcommand("stats", "Counts per stage of the store");
  cmd->add_option("--db", opt->db, "The store")->required();
  AddCommonFlags(cmd, ctx);
  // The counts are this command's output: --json replaces the table.
  cmd->get_option("--json")->description(
      "Print the counts as one JSON object on stdout instead "
      "of the table");
  cmd->callback([opt, &ctx] { ctx.run = [opt, &ctx] { return RunStats(*opt, ctx); }; });
}

}  // namespace swerl::tools

#include "swerl/store/store.h"

#include <string_view>
#include <vector>

#include "swerl/store/schema_sql.h"  // generated from schemas/swerl.sql: kSchemaSql

namespace swerl::store {
namespace {

struct Migration {
  int version;
  std::string_view sql;
};

// Splits schemas/swerl.sql at its lines "-- @migration N".
std::vector<Migration> Migrations() {
  constexpr std::string_view kMarker = "\n-- @migration ";
  std::vector<Migration> out;
  const std::string_view sql = kSchemaSql;
  for (size_t pos = sql.find(kMarker); pos != std::string_view::npos;) {
    size_t p = pos + kMarker.size();
    int version = 0;
    while (p < sql.size() && sql[p] >= '0' && sql[p] <= '9')
      version = version * 10 + (sql[p++] - '0');
    const size_t body = sql.find('\n', p);
    const size_t next = sql.find(kMarker, body);
    out.push_back(
        {version, sql.substr(body + 1, next == std::string_view::npos ? std::string_view::npos
                                                                      : next - body - 1)});
    pos = next;
  }
  return out;
}

}  // namespace

int SchemaVersion() { return Migrations().back().version; }

Result<db::Db> OpenStore(const std::string& path, bool create) {
  SWERL_ASSIGN_OR_RETURN(
      db::Db db, db::Db::Open(path, create ? db::Db::Mode::kCreate : db::Db::Mode::kReadWrite));
  // 16 KiB pages suit rows that carry pull request and issue bodies (fewer
  // overflow pages and write calls than 4 KiB); the pragma only takes effect
  // on a new file, before WAL mode is set.
  SWERL_RETURN_IF_ERROR(db.Exec(
      "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
      "PRAGMA cache_size=-65536;"));
  SWERL_ASSIGN_OR_RETURN(db::Stmt version_stmt, db.Prepare("PRAGMA user_version"));
  SWERL_ASSIGN_OR_RETURN(bool has_row, version_stmt.Step());
  const int version = has_row ? static_cast<int>(version_stmt.Int(0)) : 0;
  version_stmt.Reset();
  if (version > SchemaVersion()) {
    return Error(Code::kUnsupported, "'" + path + "' has schema version " +
                                         std::to_string(version) + ", newer than this swerl (" +
                                         std::to_string(SchemaVersion()) + "): upgrade swerl");
  }
  for (const Migration& m : Migrations()) {
    if (m.version <= version) continue;
    SWERL_ASSIGN_OR_RETURN(db::Txn txn, db::Txn::Begin(&db));
    if (Status st = db.Exec(m.sql); !st) {
      return Error(st.error().code(), "migrating '" + path + "' to version " +
                                          std::to_string(m.version) + ": " + st.error().message());
    }
    SWERL_RETURN_IF_ERROR(db.Exec("PRAGMA user_version=" + std::to_string(m.version)));
    SWERL_RETURN_IF_ERROR(txn.Commit());
  }
  return db;
}

}  // namespace swerl::store

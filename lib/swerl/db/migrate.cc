#include "swerl/db/migrate.h"

#include <vector>

namespace swerl::db {
namespace {

struct Section {
  int version;
  std::string_view sql;
};

// Splits the schema at its lines "-- @migration N".
std::vector<Section> Sections(std::string_view sql) {
  constexpr std::string_view kMarker = "\n-- @migration ";
  std::vector<Section> out;
  for (size_t pos = sql.find(kMarker); pos != std::string_view::npos;) {
    size_t p = pos + kMarker.size();
    int version = 0;
    while (p < sql.size() && sql[p] >= '0' && sql[p] <= '9') version = version * 10 + (sql[p++] - '0');
    const size_t body = sql.find('\n', p);
    if (body == std::string_view::npos) break;
    const size_t next = sql.find(kMarker, body);
    out.push_back({version, sql.substr(body + 1, next == std::string_view::npos
                                                      ? std::string_view::npos
                                                      : next - body - 1)});
    pos = next;
  }
  return out;
}

}  // namespace

int LatestVersion(std::string_view schema_sql) {
  const std::vector<Section> sections = Sections(schema_sql);
  return sections.empty() ? 0 : sections.back().version;
}

Result<int64_t> UserVersion(Db* db) {
  SWERL_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare("PRAGMA user_version"));
  SWERL_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  return has_row ? stmt.Int(0) : 0;
}

Status MigrateInTransaction(Db* db, std::string_view schema_sql, const std::string& name) {
  SWERL_ASSIGN_OR_RETURN(const int64_t version, UserVersion(db));
  const int latest = LatestVersion(schema_sql);
  if (version > latest) {
    return Error(Code::kUnsupported, "'" + name + "' has schema version " +
                                         std::to_string(version) + ", newer than this swerl (" +
                                         std::to_string(latest) + "): upgrade swerl");
  }
  if (version == latest) return OkStatus();
  for (const Section& s : Sections(schema_sql)) {
    if (s.version <= version) continue;
    if (Status st = db->Exec(s.sql); !st) {
      return Error(st.error().code(), "migrating '" + name + "' to version " +
                                          std::to_string(s.version) + ": " + st.error().message());
    }
  }
  return db->Exec("PRAGMA user_version=" + std::to_string(latest));
}

Status Migrate(Db* db, std::string_view schema_sql, const std::string& name) {
  SWERL_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db));
  SWERL_RETURN_IF_ERROR(MigrateInTransaction(db, schema_sql, name));
  return txn.Commit();
}

}  // namespace swerl::db

#include "swerl/store/store.h"

#include "swerl/db/file_kind.h"
#include "swerl/db/migrate.h"
#include "swerl/store/schema_sql.h"  // generated from schemas/swerl.sql: kSchemaSql

namespace swerl::store {

int SchemaVersion() { return db::LatestVersion(kSchemaSql); }

Result<db::Db> OpenStore(const std::string& path, db::Db::Mode mode) {
  // 64 KiB pages (SQLite's largest) suit rows that carry pull request and
  // issue bodies and file blobs: fewer overflow pages, and a quarter of the
  // write calls of 16 KiB pages; ingest spends a quarter less time in the
  // kernel (bench/ingest). The pragma only takes effect on a new file,
  // before WAL mode is set.
  SWERL_ASSIGN_OR_RETURN(db::Db db,
                         db::OpenFileOfKind(path, db::kStoreKind, kSchemaSql, mode,
                                            "PRAGMA page_size=65536; PRAGMA journal_mode=WAL;"));
  SWERL_RETURN_IF_ERROR(db.Exec(mode == db::Db::Mode::kReadOnly
                                    ? "PRAGMA cache_size=-65536;"
                                    : "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"));
  return db;
}

}  // namespace swerl::store

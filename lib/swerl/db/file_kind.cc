#include "swerl/db/file_kind.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "swerl/db/migrate.h"

namespace swerl::db {
namespace {

constexpr const FileKind* kKinds[] = {&kStoreKind, &kShardKind};

bool HasSignature(const FileKind& kind, const std::vector<std::string>& tables) {
  return std::all_of(std::begin(kind.signature), std::end(kind.signature), [&](std::string_view t) {
    return std::binary_search(tables.begin(), tables.end(), t);
  });
}

Result<int64_t> PragmaInt(Db* db, const char* sql) {
  SWERL_ASSIGN_OR_RETURN(Stmt stmt, db->Prepare(sql));
  SWERL_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

Error WrongKind(const std::string& path, const FileIdentity& id, const FileKind& want) {
  return Error(Code::kInvalidInput,
               "'" + path + "' is " + DescribeFile(id) + ", not a " + std::string(want.name));
}

// The checks every mode makes: the right kind (or, where allowed, empty)
// and not newer than this build.
Status Admit(const std::string& path, const FileIdentity& id, const FileKind& want, int latest,
             bool allow_empty) {
  if (id.empty ? !allow_empty : id.kind != &want) return WrongKind(path, id, want);
  if (id.user_version > latest) {
    return Error(Code::kUnsupported, "'" + path + "' has " + std::string(want.name) +
                                         " schema version " + std::to_string(id.user_version) +
                                         ", newer than this swerl (" + std::to_string(latest) +
                                         "): upgrade swerl");
  }
  return OkStatus();
}

// Runs `sql` (pragmas, outside any transaction), retrying for up to 10 s
// while another connection's lock blocks it. SQLite answers SQLITE_BUSY at
// once, without the busy handler, where waiting could deadlock: two
// processes that both read a new file and both switch it to WAL mode (each
// holds the shared lock the other's switch waits for). One of them backs
// off here and finds the switch made.
Status ExecRetryingBusy(Db* db, std::string_view sql) {
  const std::string text(sql);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int attempt = 0;; ++attempt) {
    const int rc = sqlite3_exec(db->get(), text.c_str(), nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return OkStatus();
    const bool busy = (rc & 0xFF) == SQLITE_BUSY || (rc & 0xFF) == SQLITE_LOCKED;
    if (!busy || std::chrono::steady_clock::now() > deadline) {
      return SqliteError(db->get(), rc, "'" + db->path() + "'");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1 + attempt, 20)));
  }
}

}  // namespace

Result<FileIdentity> IdentifyFile(Db* db) {
  FileIdentity id;
  SWERL_ASSIGN_OR_RETURN(const int64_t app, PragmaInt(db, "PRAGMA application_id"));
  id.application_id = static_cast<uint32_t>(app);
  SWERL_ASSIGN_OR_RETURN(id.user_version, PragmaInt(db, "PRAGMA user_version"));
  SWERL_ASSIGN_OR_RETURN(
      Stmt tables,
      db->Prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"));
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, tables.Step());
    if (!row) break;
    id.tables.emplace_back(tables.Text(0));
  }
  std::sort(id.tables.begin(), id.tables.end());
  if (id.application_id != 0) {
    for (const FileKind* k : kKinds) {
      if (k->application_id == id.application_id) {
        id.kind = k;
        id.stamped = true;
      }
    }
    return id;
  }
  id.empty = id.tables.empty() && id.user_version == 0;
  for (const FileKind* k : kKinds) {
    if (!HasSignature(*k, id.tables)) continue;
    if (id.kind) {  // both kinds' tables: neither
      id.kind = nullptr;
      break;
    }
    id.kind = k;
  }
  return id;
}

std::string DescribeFile(const FileIdentity& id) {
  if (id.kind) return "a swerl " + std::string(id.kind->name);
  if (id.empty) return "an empty SQLite database";
  if (id.application_id != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08x", id.application_id);
    return std::string("an SQLite database of another application (application_id ") + hex + ")";
  }
  std::string tables;
  constexpr size_t kListed = 6;
  for (size_t k = 0; k < id.tables.size() && k < kListed; ++k) {
    tables += (k ? ", " : "") + id.tables[k];
  }
  if (id.tables.size() > kListed) {
    tables += ", ... (" + std::to_string(id.tables.size()) + " tables)";
  }
  if (tables.empty()) {
    return "an SQLite database without tables (user_version " + std::to_string(id.user_version) +
           ")";
  }
  return "an SQLite database of other tables (" + tables + ")";
}

Result<Db> OpenFileOfKind(const std::string& path, const FileKind& kind,
                          std::string_view schema_sql, Db::Mode mode, std::string_view setup_sql) {
  const int latest = LatestVersion(schema_sql);
  SWERL_ASSIGN_OR_RETURN(Db db, Db::Open(path, mode));
  SWERL_ASSIGN_OR_RETURN(FileIdentity id, IdentifyFile(&db));
  SWERL_RETURN_IF_ERROR(Admit(path, id, kind, latest, mode == Db::Mode::kCreate));
  if (mode == Db::Mode::kReadOnly) {
    if (id.user_version < latest) {
      return Error(Code::kUnsupported,
                   "'" + path + "' has " + std::string(kind.name) + " schema version " +
                       std::to_string(id.user_version) + ", older than this swerl's (" +
                       std::to_string(latest) + "), and is opened read-only here: a command " +
                       "that writes it (" + std::string(kind.made_by) + ") upgrades it");
    }
    return db;
  }
  // Only a file that is (or is about to become) of `kind` gets here, so the
  // pragmas never touch a foreign file.
  if (!setup_sql.empty()) SWERL_RETURN_IF_ERROR(ExecRetryingBusy(&db, setup_sql));
  if (id.stamped && id.user_version == latest) return db;
  // Under the write lock, the file is what the last writer left: another
  // process may have created or migrated it since it was identified above.
  SWERL_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(&db));
  SWERL_ASSIGN_OR_RETURN(id, IdentifyFile(&db));
  SWERL_RETURN_IF_ERROR(Admit(path, id, kind, latest, mode == Db::Mode::kCreate));
  SWERL_RETURN_IF_ERROR(MigrateInTransaction(&db, schema_sql, path));
  if (!id.stamped) {
    SWERL_RETURN_IF_ERROR(db.Exec("PRAGMA application_id=" + std::to_string(kind.application_id)));
  }
  SWERL_RETURN_IF_ERROR(txn.Commit());
  return db;
}

}  // namespace swerl::db

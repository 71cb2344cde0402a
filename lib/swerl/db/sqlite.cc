#include "swerl/db/sqlite.h"

#include <sys/stat.h>

#include "swerl/core/check.h"

namespace swerl::db {

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  const int ext = db ? sqlite3_extended_errcode(db) : rc;
  const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  Code code = Code::kIo;
  switch (rc & 0xFF) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = Code::kCorrupt;
      break;
    case SQLITE_CANTOPEN:
      code = Code::kNotFound;
      break;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_ERROR:
      code = Code::kInvalidInput;
      break;
    default:
      break;
  }
  return Error(code, std::string(what) + ": " + msg + " (" + sqlite3_errstr(ext) + ", code " +
                         std::to_string(ext) + ")");
}

Result<Db> Db::Open(const std::string& path, Mode mode) {
  // Once per process, before SQLite initializes: no global memory
  // statistics, whose mutex every allocation would otherwise take. (A
  // no-op, SQLITE_MISUSE, when the process already used SQLite.)
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  if (mode != Mode::kCreate) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      return Error(Code::kNotFound, "no database at '" + path + "'");
    }
  }
  const int flags = mode == Mode::kReadOnly    ? SQLITE_OPEN_READONLY
                    : mode == Mode::kReadWrite ? SQLITE_OPEN_READWRITE
                                               : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteHandle h(raw);
  if (rc != SQLITE_OK) return SqliteError(raw, rc, "cannot open '" + path + "'");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 10'000);
  Db db(std::move(h), path);
  // Fails on a file that is not a database.
  if (Status st = db.Exec("SELECT count(*) FROM sqlite_schema"); !st) {
    return Error(st.error().code(),
                 "'" + path + "' is not a usable database: " + st.error().message());
  }
  return db;
}

Status Db::Exec(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(h_.get(), text.c_str(), nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) return SqliteError(h_.get(), rc, "'" + path_ + "'");
  return OkStatus();
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(h_.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  StmtHandle h(raw);
  if (rc != SQLITE_OK) {
    return SqliteError(h_.get(), rc, "preparing '" + std::string(sql.substr(0, 60)) + "'");
  }
  return Stmt(this, std::move(h));
}

void Stmt::BindNull(int i) { SWERL_CHECK(sqlite3_bind_null(h_.get(), i) == SQLITE_OK); }
void Stmt::BindInt(int i, int64_t v) {
  SWERL_CHECK(sqlite3_bind_int64(h_.get(), i, v) == SQLITE_OK);
}
void Stmt::BindDouble(int i, double v) {
  SWERL_CHECK(sqlite3_bind_double(h_.get(), i, v) == SQLITE_OK);
}
// SQLite binds NULL for a null pointer; an empty view is still text.
static const char* TextData(std::string_view v) { return v.data() ? v.data() : ""; }

void Stmt::BindText(int i, std::string_view v) {
  SWERL_CHECK(sqlite3_bind_text64(h_.get(), i, TextData(v), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8) ==
              SQLITE_OK);
}
void Stmt::BindTextNoCopy(int i, std::string_view v) {
  SWERL_CHECK(sqlite3_bind_text64(h_.get(), i, TextData(v), v.size(), SQLITE_STATIC, SQLITE_UTF8) ==
              SQLITE_OK);
}
void Stmt::BindBlob(int i, std::string_view v) {
  SWERL_CHECK(sqlite3_bind_blob64(h_.get(), i, TextData(v), v.size(), SQLITE_TRANSIENT) ==
              SQLITE_OK);
}
void Stmt::BindOptionalText(int i, const std::optional<std::string_view>& v) {
  v ? BindText(i, *v) : BindNull(i);
}
void Stmt::BindOptionalInt(int i, const std::optional<int64_t>& v) {
  v ? BindInt(i, *v) : BindNull(i);
}

Result<bool> Stmt::Step() {
  const int rc = sqlite3_step(h_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_->get(), rc, "'" + db_->path() + "'");
}

Status Stmt::Run() {
  auto r = Step();
  Reset();
  if (!r) return std::move(r).error();
  return OkStatus();
}

void Stmt::Reset() {
  sqlite3_reset(h_.get());
  sqlite3_clear_bindings(h_.get());
}

std::string_view Stmt::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(h_.get(), col));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(h_.get(), col)))
           : std::string_view();
}

Result<Txn> Txn::Begin(Db* db) {
  SWERL_RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
  return Txn(db);
}

Txn::~Txn() {
  if (db_) (void)!db_->Exec("ROLLBACK");
}

Status Txn::Commit() {
  SWERL_CHECK(db_ != nullptr);
  SWERL_RETURN_IF_ERROR(db_->Exec("COMMIT"));
  db_ = nullptr;
  return OkStatus();
}

}  // namespace swerl::db

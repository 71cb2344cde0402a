#include "swerl/db/sqlite.h"

#include <sys/stat.h>

#include <cstdio>

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

namespace {

// A "file:" URI naming `path`, with `query` ("immutable=1"): '%', '?' and
// '#' are percent-encoded; an absolute path gets the empty authority.
std::string FileUri(const std::string& path, std::string_view query) {
  std::string uri = path.starts_with('/') ? "file://" : "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      uri += hex;
    } else {
      uri += c;
    }
  }
  uri += '?';
  uri += query;
  return uri;
}

// Opens `name` (a path, or a URI with SQLITE_OPEN_URI) and reads its schema,
// which fails on a file that is not a database. *rc: SQLite's code.
Result<SqliteHandle> OpenAndProbe(const std::string& name, int flags, const std::string& path,
                                  int* rc) {
  sqlite3* raw = nullptr;
  *rc = sqlite3_open_v2(name.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteHandle h(raw);
  if (*rc != SQLITE_OK) return SqliteError(raw, *rc, "cannot open '" + path + "'");
  sqlite3_extended_result_codes(raw, 1);
  // Waits for other connections' locks (a concurrent first creation, a
  // writer's commit) instead of failing at once with SQLITE_BUSY.
  sqlite3_busy_timeout(raw, 10'000);
  *rc = sqlite3_exec(raw, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  if (*rc == SQLITE_OK) return h;
  if ((*rc & 0xFF) == SQLITE_NOTADB) {
    return Error(Code::kCorrupt, "'" + path + "' is not an SQLite database");
  }
  return SqliteError(raw, *rc, "'" + path + "' is not a usable database");
}

}  // namespace

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
  int rc = SQLITE_OK;
  auto h = OpenAndProbe(path, flags, path, &rc);
  if (h) return Db(std::move(*h), path);
  const int base = rc & 0xFF;
  if (mode != Mode::kReadOnly || (base != SQLITE_READONLY && base != SQLITE_CANTOPEN)) {
    return std::move(h).error();
  }
  // A WAL database whose -shm cannot be created or written (a read-only
  // directory, a file of another user) does not open read-only. Nobody can
  // be writing it through a -wal that does not exist, so it is read as an
  // immutable file; a -wal with content holds commits that only a writable
  // open (or one in a writable directory) can read.
  struct stat wal;
  if (::stat((path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0) {
    return Error(Code::kIo, "cannot open '" + path + "' read-only: its write-ahead log '" + path +
                                "-wal' holds commits, and the read-only " +
                                "directory or file leaves SQLite no shared-memory file to " +
                                "read them with (open it once where it can be written)");
  }
  auto frozen =
      OpenAndProbe(FileUri(path, "immutable=1"), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, path, &rc);
  if (!frozen) return std::move(h).error();
  return Db(std::move(*frozen), path);
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

void Stmt::BindColumn(int i, const Stmt& from, int col) {
  SWERL_CHECK(sqlite3_bind_value(h_.get(), i, sqlite3_column_value(from.h_.get(), col)) ==
              SQLITE_OK);
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

std::string_view Stmt::Blob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(h_.get(), col));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(h_.get(), col)))
           : std::string_view();
}

}  // namespace swerl::db

// Thin RAII wrappers over the sqlite3 C API: Db (a connection), Stmt (a
// prepared statement) and Txn (a transaction rolled back unless committed).
// SQLite's errors become Error values in one place (extended code + text).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "swerl/core/c_deleter.h"
#include "swerl/core/result.h"

namespace swerl::db {

using SqliteHandle = std::unique_ptr<sqlite3, CDeleter<&sqlite3_close_v2>>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, CDeleter<&sqlite3_finalize>>;

class Stmt;

// Movable, not copyable. Not thread-safe: one connection per thread.
class Db {
 public:
  enum class Mode { kReadOnly, kReadWrite, kCreate };

  // Opens `path` with a 10 s busy timeout (a connection waits for another's
  // lock rather than failing). kCreate creates the file when missing.
  // kReadOnly never writes the file; a WAL database in a read-only
  // directory (or of another user), whose shared-memory file SQLite cannot
  // create, is opened as immutable when its -wal is absent or empty.
  // Errors: kNotFound (read modes, no such file), kIo (also: a read-only WAL
  // database whose -wal holds commits), kCorrupt (not an SQLite database:
  // "'x' is not an SQLite database").
  static Result<Db> Open(const std::string& path, Mode mode);

  // Runs one or more statements without results.
  Status Exec(std::string_view sql);
  Result<Stmt> Prepare(std::string_view sql);

  sqlite3* get() const { return h_.get(); }
  const std::string& path() const { return path_; }
  int64_t changes() const { return sqlite3_changes64(h_.get()); }

 private:
  Db(SqliteHandle h, std::string path) : h_(std::move(h)), path_(std::move(path)) {}
  SqliteHandle h_;
  std::string path_;
};

// A prepared statement; *db must outlive it. Bind indexes are 1-based,
// column indexes 0-based (as in SQLite).
class Stmt {
 public:
  Stmt() = default;  // empty: assign a prepared one before use
  Stmt(Db* db, StmtHandle h) : db_(db), h_(std::move(h)) {}

  // Bind* never fail for valid indexes (checked).
  void BindNull(int i);
  void BindInt(int i, int64_t v);
  void BindDouble(int i, double v);
  void BindText(int i, std::string_view v);  // copied (SQLITE_TRANSIENT)
  // Not copied: `v` must stay valid until the next Reset() (or Run()).
  void BindTextNoCopy(int i, std::string_view v);
  void BindBlob(int i, std::string_view v);
  void BindOptionalText(int i, const std::optional<std::string_view>& v);
  void BindOptionalInt(int i, const std::optional<int64_t>& v);
  // Binds column `col` of `from`'s current row, keeping its type and bytes
  // (sqlite3_bind_value; copied). `from` may belong to another connection.
  void BindColumn(int i, const Stmt& from, int col);

  // true = a row is ready, false = done.
  Result<bool> Step();
  // Step() for statements without rows; resets the statement afterwards.
  Status Run();
  // Resets for the next execution and clears the bindings.
  void Reset();

  bool IsNull(int col) const { return sqlite3_column_type(h_.get(), col) == SQLITE_NULL; }
  int64_t Int(int col) const { return sqlite3_column_int64(h_.get(), col); }
  double Double(int col) const { return sqlite3_column_double(h_.get(), col); }
  std::string_view Text(int col) const;
  // A BLOB column's bytes (sqlite3_column_blob; empty for a zero-length blob).
  std::string_view Blob(int col) const;
  int columns() const { return sqlite3_column_count(h_.get()); }
  std::string_view ColumnName(int col) const { return sqlite3_column_name(h_.get(), col); }
  int ColumnType(int col) const { return sqlite3_column_type(h_.get(), col); }

 private:
  Db* db_ = nullptr;
  StmtHandle h_;
};

// BEGIN IMMEDIATE on Begin(); ROLLBACK in the destructor unless Commit()
// succeeded.
class Txn {
 public:
  static Result<Txn> Begin(Db* db);
  Txn(Txn&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
  Txn& operator=(Txn&&) = delete;
  ~Txn();
  Status Commit();

 private:
  explicit Txn(Db* db) : db_(db) {}
  Db* db_;
};

// The Error for SQLite result code `rc` on `db` (may be null): its extended
// code name and message, after `what`.
Error SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace swerl::db

// The boundary between swerl and its Parquet plugin, libswerl_parquet.so:
// the one part of swerl that links Apache Arrow (the pyarrow wheel's
// libarrow and libparquet). dataset_writer.cc loads it with dlopen only when
// a Parquet file is written, RTLD_LOCAL | RTLD_DEEPBIND, because those
// libraries export their own copy of simdjson under simdjson's names: linked
// into the binary, they would take over swerl's simdjson calls (a crash in
// `swerl events`); loaded so, each side binds to its own.
//
// Only standard types cross this boundary (both sides are built by the same
// compiler from the same tree); the plugin contains no swerl code, and
// swerl no Arrow code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swerl::curate::parquet_plugin {

// Bumped with any change to the declarations below.
inline constexpr int kAbiVersion = 1;

enum class Kind : uint8_t { kString, kInt64, kBool, kDouble, kList, kStruct };

// A column, or a member of a struct, or the element of a list (children[0],
// named "item"). Every value is non-nullable.
struct Column {
  std::string name;
  Kind kind = Kind::kString;
  std::vector<Column> children;  // kStruct: its members; kList: its element
  bool plain = false;            // long, mostly distinct text: no dictionary encoding
};

struct TableOptions {
  std::vector<Column> columns;
  std::vector<std::pair<std::string, std::string>> metadata;  // key-value, in order; UTF-8
  int64_t row_group_rows = 1000;                              // see DatasetOptions
  int64_t row_group_bytes = int64_t{16} << 20;
  int threads = 1;  // > 1: a row group's columns are encoded in parallel
};

// Where the file's bytes go; implemented by swerl (an io::AtomicFile).
class Output {
 public:
  virtual ~Output() = default;
  // Appends all of `data`. Returns "" or why it failed.
  virtual std::string Write(const void* data, int64_t size) = 0;
};

// A Parquet file being written, one row at a time: each row's values are
// given depth first in column order (a list's or struct's values between its
// Begin and End). Errors (an Arrow failure, a value of the wrong kind) are
// remembered and returned by EndRow or Finish; after one, the writer must be
// abandoned. Not thread-safe.
class TableWriter {
 public:
  virtual ~TableWriter() = default;
  // REQUIRES: valid UTF-8.
  virtual void String(std::string_view utf8) = 0;
  virtual void Int64(int64_t v) = 0;
  virtual void Bool(bool v) = 0;
  virtual void Double(double v) = 0;
  virtual void BeginList() = 0;
  virtual void EndList() = 0;
  virtual void BeginStruct() = 0;
  virtual void EndStruct() = 0;
  // Ends the row, writing a row group when the limits are reached. Returns
  // "" or the first error.
  virtual std::string EndRow() = 0;
  // Writes the remaining rows and the footer (not closing the Output).
  // Returns "" or the first error.
  virtual std::string Finish() = 0;
  virtual uint64_t row_groups() const = 0;
};

// The plugin's one exported function, extern "C" under this name: a writer
// on *output (which must outlive it), or null with *error set. The caller
// deletes the writer. `abi` must be kAbiVersion.
inline constexpr char kOpenSymbol[] = "swerl_parquet_open";
using OpenFunction = TableWriter* (*)(int abi, const TableOptions& options, Output* output,
                                      std::string* error);

}  // namespace swerl::curate::parquet_plugin

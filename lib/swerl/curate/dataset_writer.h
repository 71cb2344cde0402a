// DatasetWriter: seeds as a Parquet file that other trainers read (`swerl
// export --format hf|verl`): the SWE-bench columns plus swerl's
// (schemas/export_hf.md), or verl's RL dataset schema (schemas/export_verl.md).
// Written with Apache Arrow's Parquet writer, which lives in a plugin loaded
// on first use (parquet_plugin.h says why): neither this header nor the
// swerl library include or link Arrow.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/shard/seed.h"

namespace swerl::curate {

enum class DatasetFormat : uint8_t { kHf, kVerl };

// "hf" or "verl" (the --format value, and the file's swerl.format metadata).
std::string_view DatasetFormatName(DatasetFormat format);

// The version of both schemas, in each file's swerl.schema_version
// metadata. Any change to a column, its type or its meaning bumps it.
inline constexpr int kDatasetSchemaVersion = 1;

struct DatasetOptions {
  DatasetFormat format = DatasetFormat::kHf;
  // The system turn of SWE-RL's prompt (the shard's system_prompt,
  // prompt::ThinkingSystem()): verl's first prompt message; in hf files,
  // the metadata swerl.system_prompt.
  std::string system_prompt;
  // verl's data_source pattern (dataset_rows.h, DataSource).
  std::string data_source = "swerl";
  // The held-out fraction that names each row's split (hf column `split`,
  // verl extra_info.split); 0: every row is "train".
  double eval_fraction = 0;
  // More key-value metadata for the file (provenance: the source, the
  // selection), after swerl.format, swerl.schema_version and
  // swerl.system_prompt. Keys should start with "swerl.".
  std::vector<std::pair<std::string, std::string>> metadata;
  // A row group is written once this many rows, or this many bytes of text,
  // are buffered (and at Finish). Row groups depend on the rows only, so
  // the same seeds give the same bytes.
  int64_t row_group_rows = 1000;
  int64_t row_group_bytes = int64_t{16} << 20;
  // Threads that encode a row group's columns (Arrow's CPU pool, which is
  // process-wide); the file's bytes are the same for any number.
  int threads = 1;
};

// Movable, not copyable. Not thread-safe.
class DatasetWriter {
 public:
  // Starts the file under a temporary name beside `path`
  // ("<path>.tmp-<pid>-<random>"); Finish renames it over `path`.
  // Errors: kNotFound (the Parquet plugin cannot be loaded), kIo, kExternal
  // (Arrow refused the schema).
  static Result<DatasetWriter> Create(const std::string& path, DatasetOptions options);

  DatasetWriter(DatasetWriter&&) noexcept;
  DatasetWriter& operator=(DatasetWriter&&) noexcept;
  // Removes the temporary file unless Finish succeeded.
  ~DatasetWriter();

  // Appends `seed` as the next row (its prompt must be rendered). Text that
  // is not UTF-8 is repaired (U+FFFD per maximal ill-formed subsequence),
  // as in the seed's NDJSON record. Errors: kIo (writing a row group),
  // kExternal (Arrow refused the data). After an error, abandon the writer.
  Status Add(const shard::Seed& seed);

  // Writes the buffered rows and the footer, fsyncs and renames the file
  // into place. Call once. Errors: as Add.
  Status Finish();

  uint64_t rows() const;
  uint64_t row_groups() const;

 private:
  struct Impl;
  explicit DatasetWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace swerl::curate

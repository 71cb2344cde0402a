#include "swerl/store/merge.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <map>
#include <unordered_map>

#include "swerl/db/blob_store.h"
#include "swerl/db/file_kind.h"
#include "swerl/store/repo_shard.h"
#include "swerl/store/store.h"

namespace swerl::store {
namespace {

struct TableRule {
  std::string_view name;
  MergeRule rule;
};

// Every table of schemas/swerl.sql, in merge order. Ingest's tables first;
// then the stages' tables with the rows an instance or a ranking consists
// of before the row that makes it visible to readers (instances,
// relevant_runs), so that a killed merge never shows an instance whose
// files or blobs it has not copied yet.
constexpr TableRule kTables[] = {
    {"repos", MergeRule::kByRepository},
    {"repo_names", MergeRule::kByRepository},
    {"pull_requests", MergeRule::kByRepository},
    {"issues", MergeRule::kByRepository},
    {"issue_comments", MergeRule::kByRepository},
    {"reviews", MergeRule::kByRepository},
    {"review_comments", MergeRule::kByRepository},
    {"issue_links", MergeRule::kByRepository},
    {"events_seen", MergeRule::kShared},
    {"event_counts", MergeRule::kShared},
    {"ingest_log", MergeRule::kShared},
    {"api_fetches", MergeRule::kByApiUrl},
    {"clone_skipped_refs", MergeRule::kByRepository},
    {"repo_clones", MergeRule::kByRepository},
    {"blobs", MergeRule::kContentAddressed},
    {"instance_commits", MergeRule::kByRepository},
    {"instance_files", MergeRule::kByRepository},
    {"instances", MergeRule::kByRepository},
    {"relevant_files", MergeRule::kByRepository},
    {"relevant_runs", MergeRule::kByRepository},
    {"repo_licenses", MergeRule::kByRepository},
    {"filter_decisions", MergeRule::kByRepository},
    {"stage_runs", MergeRule::kShared},
    {"worker_shards", MergeRule::kNotMerged},
};

// Values of an output transaction beyond which it commits early.
constexpr uint64_t kBatchBytes = uint64_t{64} << 20;
constexpr uint64_t kProgressEvery = 8192;

struct Input {
  std::string path;
  db::Db db;
  std::vector<WorkerShard> shards;
  // Lower-case owner/name -> repo_id (repo_names and repos), for api_fetches;
  // loaded when first needed.
  std::optional<std::unordered_map<std::string, int64_t>> repo_ids;
};

// Which input's shard holds a repository. Shards of one N share a table
// indexed by the remainder, so a lookup costs one step per distinct N.
class Owners {
 public:
  explicit Owners(const std::vector<Input>& inputs) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      for (const WorkerShard& w : inputs[i].shards) {
        std::vector<int>& table = by_count_[w.shard.count];
        if (table.empty()) table.assign(static_cast<size_t>(w.shard.count), -1);
        table[static_cast<size_t>(w.shard.index)] = static_cast<int>(i);
      }
    }
  }

  // The position of the input whose shard holds repo_id, or -1 when none
  // does. Inputs' shards do not overlap (checked first), so there is at
  // most one.
  int Of(int64_t repo_id) const {
    for (const auto& [count, table] : by_count_) {
      const int owner = table[static_cast<size_t>(ShardIndexOf(repo_id, count))];
      if (owner >= 0) return owner;
    }
    return -1;
  }

 private:
  std::map<int64_t, std::vector<int>> by_count_;
};

std::string Quoted(std::string_view identifier) {
  std::string q = "\"";
  for (char c : identifier) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

// The columns of a table, its key and the column that names the repository.
struct TableShape {
  std::string name;
  MergeRule rule = MergeRule::kShared;
  std::vector<std::string> columns;  // in declaration order
  std::vector<int> key;              // positions in columns
  int owner = -1;                    // repo_id (kByRepository) or url (kByApiUrl)
};

// Reads the shape of `table` from *db: the primary key, else the first
// UNIQUE constraint. Errors: kUnsupported (no key, or no owner column for
// the rule), database failures.
Result<TableShape> ShapeOf(db::Db* db, std::string_view table, MergeRule rule) {
  TableShape shape;
  shape.name = std::string(table);
  shape.rule = rule;
  SWERL_ASSIGN_OR_RETURN(db::Stmt info, db->Prepare("PRAGMA table_info(" + Quoted(table) + ")"));
  std::vector<std::pair<int64_t, int>> pk;  // (position in the key, column)
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, info.Step());
    if (!row) break;
    const int col = static_cast<int>(shape.columns.size());
    shape.columns.emplace_back(info.Text(1));
    if (info.Int(5) > 0) pk.emplace_back(info.Int(5), col);
  }
  std::sort(pk.begin(), pk.end());
  for (const auto& [pos, col] : pk) shape.key.push_back(col);
  if (shape.key.empty()) {
    SWERL_ASSIGN_OR_RETURN(db::Stmt indexes,
                           db->Prepare("PRAGMA index_list(" + Quoted(table) + ")"));
    std::string unique;
    for (;;) {
      SWERL_ASSIGN_OR_RETURN(bool row, indexes.Step());
      if (!row) break;
      if (unique.empty() && indexes.Int(2) == 1 && indexes.Text(3) == "u") {
        unique = std::string(indexes.Text(1));
      }
    }
    if (!unique.empty()) {
      SWERL_ASSIGN_OR_RETURN(db::Stmt cols,
                             db->Prepare("PRAGMA index_info(" + Quoted(unique) + ")"));
      for (;;) {
        SWERL_ASSIGN_OR_RETURN(bool row, cols.Step());
        if (!row) break;
        shape.key.push_back(static_cast<int>(cols.Int(1)));
      }
    }
  }
  if (shape.key.empty()) {
    return Error(Code::kUnsupported, "table '" + shape.name + "' has no key to merge rows by");
  }
  const std::string_view owner_column = rule == MergeRule::kByRepository ? "repo_id"
                                        : rule == MergeRule::kByApiUrl   ? "url"
                                                                         : "";
  if (!owner_column.empty()) {
    const auto it = std::find(shape.columns.begin(), shape.columns.end(), owner_column);
    if (it == shape.columns.end()) {
      return Error(Code::kUnsupported,
                   "table '" + shape.name + "' has no column " + std::string(owner_column));
    }
    shape.owner = static_cast<int>(it - shape.columns.begin());
  }
  return shape;
}

// The first column where the current rows of a and b differ (type or
// bytes), or -1.
int FirstDifference(const db::Stmt& a, const db::Stmt& b, int columns) {
  for (int c = 0; c < columns; ++c) {
    const int type = a.ColumnType(c);
    if (type != b.ColumnType(c)) return c;
    switch (type) {
      case SQLITE_INTEGER:
        if (a.Int(c) != b.Int(c)) return c;
        break;
      case SQLITE_FLOAT:
        if (std::bit_cast<uint64_t>(a.Double(c)) != std::bit_cast<uint64_t>(b.Double(c))) return c;
        break;
      case SQLITE_TEXT:
        if (a.Text(c) != b.Text(c)) return c;
        break;
      case SQLITE_BLOB:
        if (a.Blob(c) != b.Blob(c)) return c;
        break;
      default:
        break;
    }
  }
  return -1;
}

// A column's value for messages: 42, 'text' (shortened), x'00ff...', NULL.
std::string Describe(const db::Stmt& row, int col) {
  constexpr size_t kShown = 60;
  switch (row.ColumnType(col)) {
    case SQLITE_INTEGER:
      return std::to_string(row.Int(col));
    case SQLITE_FLOAT:
      return std::to_string(row.Double(col));
    case SQLITE_TEXT: {
      const std::string_view t = row.Text(col);
      return "'" + std::string(t.substr(0, kShown)) + (t.size() > kShown ? "...'" : "'");
    }
    case SQLITE_BLOB: {
      const std::string_view b = row.Blob(col);
      static const char kHex[] = "0123456789abcdef";
      std::string hex = "x'";
      for (size_t i = 0; i < b.size() && i < kShown / 2; ++i) {
        hex += kHex[static_cast<unsigned char>(b[i]) >> 4];
        hex += kHex[static_cast<unsigned char>(b[i]) & 15];
      }
      return hex + (b.size() > kShown / 2 ? "...'" : "'") + " (" + std::to_string(b.size()) +
             " bytes)";
    }
    default:
      return "NULL";
  }
}

std::string DescribeKey(const db::Stmt& row, const TableShape& shape) {
  std::string key = "(";
  for (size_t k = 0; k < shape.key.size(); ++k) {
    if (k) key += ", ";
    key += shape.columns[static_cast<size_t>(shape.key[k])] + "=" + Describe(row, shape.key[k]);
  }
  return key + ")";
}

// "owner/name" in lower case of a REST URL ".../repos/{owner}/{name}[/...]",
// or "" when it names none.
std::string ApiUrlRepo(std::string_view url) {
  const size_t at = url.find("/repos/");
  if (at == std::string_view::npos) return "";
  const std::string_view rest = url.substr(at + 7);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return "";
  const size_t end = rest.find_first_of("/?#", slash + 1);
  std::string name(rest.substr(0, end));
  if (name.size() == slash + 1) return "";
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

Status LoadRepoIds(Input* in) {
  if (in->repo_ids) return OkStatus();
  SWERL_ASSIGN_OR_RETURN(db::Stmt select,
                         in->db.Prepare("SELECT lower(name), repo_id FROM repo_names UNION ALL "
                                        "SELECT lower(name), repo_id FROM repos "
                                        "WHERE name IS NOT NULL"));
  in->repo_ids.emplace();
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    in->repo_ids->emplace(std::string(select.Text(0)), select.Int(1));
  }
  return OkStatus();
}

// The output's transactions: begun before the first write, committed every
// batch_rows rows or kBatchBytes of values, and at the end of each table.
class OutputBatch {
 public:
  OutputBatch(db::Db* out, size_t batch_rows)
      : out_(out), batch_rows_(std::max<size_t>(batch_rows, 1)) {}

  Status Begin() {
    if (txn_) return OkStatus();
    SWERL_ASSIGN_OR_RETURN(db::Txn txn, db::Txn::Begin(out_));
    txn_.emplace(std::move(txn));
    return OkStatus();
  }
  Status Wrote(uint64_t bytes) {
    bytes_ += bytes;
    if (++rows_ >= batch_rows_ || bytes_ >= kBatchBytes) return Commit();
    return OkStatus();
  }
  Status Commit() {
    rows_ = bytes_ = 0;
    if (!txn_) return OkStatus();
    Status st = txn_->Commit();
    txn_.reset();
    return st;
  }

 private:
  db::Db* out_;
  size_t batch_rows_;
  std::optional<db::Txn> txn_;
  size_t rows_ = 0;
  uint64_t bytes_ = 0;
};

// The statements of one table on the output.
struct OutputTable {
  db::Stmt lookup;  // the row under the key ?1..?k
  db::Stmt insert;  // every column, ?1..?n
};

Result<OutputTable> PrepareOutput(db::Db* out, const TableShape& shape) {
  std::string columns, where, params;
  for (size_t c = 0; c < shape.columns.size(); ++c) {
    columns += (c ? ", " : "") + Quoted(shape.columns[c]);
    params += (c ? ", ?" : "?") + std::to_string(c + 1);
  }
  for (size_t k = 0; k < shape.key.size(); ++k) {
    where += (k ? " AND " : "") + Quoted(shape.columns[static_cast<size_t>(shape.key[k])]) +
             " = ?" + std::to_string(k + 1);
  }
  OutputTable t;
  SWERL_ASSIGN_OR_RETURN(t.lookup, out->Prepare("SELECT " + columns + " FROM " +
                                                Quoted(shape.name) + " WHERE " + where));
  SWERL_ASSIGN_OR_RETURN(t.insert, out->Prepare("INSERT INTO " + Quoted(shape.name) + " (" +
                                                columns + ") VALUES (" + params + ")"));
  return t;
}

// Why a row that differs from the output's is refused, for the message.
std::string Hint(MergeRule rule, bool owned, int64_t repo_id) {
  if (rule == MergeRule::kShared) {
    return "every input must hold the same row (were they all copied from one base store?)";
  }
  if (owned) {
    return "this input's shard holds the repository, but the output holds another version of "
           "the row (merge into a new file, or into an earlier run of this same merge)";
  }
  if (repo_id != INT64_MIN) {
    return "no input's shard holds repository " + std::to_string(repo_id) +
           ", so every input must hold the same row (did a worker run a stage without --shard?)";
  }
  return "no input's shard holds the row's repository, so every input must hold the same row";
}

struct TableRun {
  Input* in;
  size_t index;
  size_t inputs;
  const TableShape* shape;
  OutputTable* out;
  const Owners* owners;
  OutputBatch* batch;
  db::Db* out_db;
  MergeObserver* observer;
};

// Merges one input's rows of one table into the output.
Status MergeTable(const TableRun& r, MergeTableCounts* counts) {
  const TableShape& shape = *r.shape;
  const int n = static_cast<int>(shape.columns.size());
  std::string columns;
  for (int c = 0; c < n; ++c) columns += (c ? ", " : "") + Quoted(shape.columns[c]);
  SWERL_ASSIGN_OR_RETURN(db::Stmt src,
                         r.in->db.Prepare("SELECT " + columns + " FROM " + Quoted(shape.name)));
  if (shape.rule == MergeRule::kByApiUrl) SWERL_RETURN_IF_ERROR(LoadRepoIds(r.in));
  std::optional<db::BlobReader> in_blobs, out_blobs;
  MergeProgress progress{r.index, r.inputs, shape.name, 0};
  auto fail = [&](std::string_view what) {
    return Error(Code::kInvalidInput, "table '" + shape.name + "', key " + DescribeKey(src, shape) +
                                          ": '" + r.in->path + "' " + std::string(what));
  };
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, src.Step());
    if (!row) break;
    if (++progress.rows % kProgressEvery == 0 && r.observer) r.observer->OnProgress(progress);
    // Whose row is it?
    int64_t repo_id = INT64_MIN;
    if (shape.rule == MergeRule::kByRepository && !src.IsNull(shape.owner)) {
      repo_id = src.Int(shape.owner);
    } else if (shape.rule == MergeRule::kByApiUrl) {
      const auto it = r.in->repo_ids->find(ApiUrlRepo(src.Text(shape.owner)));
      if (it != r.in->repo_ids->end()) repo_id = it->second;
    }
    const int owner = repo_id == INT64_MIN ? -1 : r.owners->Of(repo_id);
    if (owner >= 0 && static_cast<size_t>(owner) != r.index) {
      ++counts->others;
      continue;
    }
    SWERL_RETURN_IF_ERROR(r.batch->Begin());
    db::Stmt& lookup = r.out->lookup;
    for (size_t k = 0; k < shape.key.size(); ++k) {
      lookup.BindColumn(static_cast<int>(k + 1), src, shape.key[k]);
    }
    SWERL_ASSIGN_OR_RETURN(bool found, lookup.Step());
    if (found) {
      const int differs = FirstDifference(src, lookup, n);
      if (differs < 0) {
        ++counts->same;
        lookup.Reset();
        continue;
      }
      if (shape.rule == MergeRule::kContentAddressed) {
        // The same id compressed differently (another --zstd-level) is the
        // same blob: compare the contents.
        if (!in_blobs) {
          SWERL_ASSIGN_OR_RETURN(db::BlobReader a, db::BlobReader::Create(&r.in->db));
          SWERL_ASSIGN_OR_RETURN(db::BlobReader b, db::BlobReader::Create(r.out_db));
          in_blobs.emplace(std::move(a));
          out_blobs.emplace(std::move(b));
        }
        const std::string id(src.Text(shape.key[0]));
        lookup.Reset();
        SWERL_ASSIGN_OR_RETURN(std::string ours, in_blobs->Read(id));
        SWERL_ASSIGN_OR_RETURN(std::string theirs, out_blobs->Read(id));
        if (ours == theirs) {
          ++counts->same;
          continue;
        }
        return fail("holds other contents under this blob id than the merged store");
      }
      const std::string column = shape.columns[static_cast<size_t>(differs)];
      const std::string values =
          Describe(src, differs) + " here, " + Describe(lookup, differs) + " in the merged store";
      lookup.Reset();
      return fail("has a different row than the merged store (column " + column + ": " + values +
                  "): " + Hint(shape.rule, owner >= 0, repo_id));
    }
    lookup.Reset();
    db::Stmt& insert = r.out->insert;
    uint64_t bytes = 0;
    for (int c = 0; c < n; ++c) {
      insert.BindColumn(c + 1, src, c);
      const int type = src.ColumnType(c);
      if (type == SQLITE_BLOB) bytes += src.Blob(c).size();
      if (type == SQLITE_TEXT) bytes += src.Text(c).size();
    }
    SWERL_RETURN_IF_ERROR(insert.Run());
    ++counts->added;
    SWERL_RETURN_IF_ERROR(r.batch->Wrote(bytes));
  }
  SWERL_RETURN_IF_ERROR(r.batch->Commit());
  if (r.observer) r.observer->OnProgress(progress);
  return OkStatus();
}

// Opens every input read-only, refusing what is not a store and inputs of
// different schema versions.
Result<std::vector<Input>> OpenInputs(const std::vector<std::string>& paths) {
  std::vector<std::pair<std::string, int64_t>> versions;
  constexpr std::string_view kWants = " (swerl merge wants stores made by swerl ingest)";
  for (const std::string& path : paths) {
    auto raw = db::Db::Open(path, db::Db::Mode::kReadOnly);
    if (!raw) {
      Error e = std::move(raw).error();
      return e.code() == Code::kCorrupt ? Error(e.code(), e.message() + std::string(kWants)) : e;
    }
    SWERL_ASSIGN_OR_RETURN(db::FileIdentity id, db::IdentifyFile(&*raw));
    if (id.kind != &db::kStoreKind) {
      return Error(Code::kInvalidInput, "'" + path + "' is " + db::DescribeFile(id) +
                                            ", not a store" + std::string(kWants));
    }
    versions.emplace_back(path, id.user_version);
  }
  for (const auto& [path, version] : versions) {
    if (version == versions.front().second) continue;
    std::string list;
    for (const auto& [p, v] : versions) {
      list += (list.empty() ? "'" : ", '") + p + "' " + std::to_string(v);
    }
    return Error(Code::kUnsupported,
                 "the inputs have different schema versions (" + list +
                     "): merge needs one version, this swerl's (" +
                     std::to_string(SchemaVersion()) +
                     "); a command that writes a store migrates it, e.g. swerl link --db FILE");
  }
  std::vector<Input> inputs;
  for (const std::string& path : paths) {
    SWERL_ASSIGN_OR_RETURN(db::Db db, OpenStore(path, db::Db::Mode::kReadOnly));
    // Inputs are read once, in order: a small page cache each keeps memory
    // flat however many there are (the output keeps the store's 64 MiB),
    // and reads through a map skip the copy out of the kernel's page cache.
    SWERL_RETURN_IF_ERROR(db.Exec("PRAGMA cache_size=-4096; PRAGMA mmap_size=1073741824"));
    SWERL_ASSIGN_OR_RETURN(std::vector<WorkerShard> shards, ReadWorkerShards(&db));
    inputs.push_back(Input{path, std::move(db), std::move(shards), std::nullopt});
  }
  return inputs;
}

// Refuses two inputs that worked on a common repository.
Status CheckShardsDisjoint(const std::vector<Input>& inputs) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (size_t j = i + 1; j < inputs.size(); ++j) {
      for (const WorkerShard& a : inputs[i].shards) {
        for (const WorkerShard& b : inputs[j].shards) {
          if (!ShardsOverlap(a.shard, b.shard)) continue;
          const std::string what = a.shard == b.shard
                                       ? "both worked on repository shard " + a.shard.ToString()
                                       : "worked on overlapping repository shards " +
                                             a.shard.ToString() + " and " + b.shard.ToString();
          return Error(Code::kInvalidInput,
                       "'" + inputs[i].path + "' and '" + inputs[j].path + "' " + what + " ('" +
                           inputs[i].path + "': " + a.command + " --shard " + a.shard.ToString() +
                           "; '" + inputs[j].path + "': " + b.command + " --shard " +
                           b.shard.ToString() +
                           "): each repository must be one input's; refusing to merge");
        }
      }
    }
  }
  return OkStatus();
}

}  // namespace

Status CheckMergeInputs(const std::vector<std::string>& paths) {
  if (paths.empty()) return Error(Code::kInvalidInput, "no stores to merge");
  SWERL_ASSIGN_OR_RETURN(std::vector<Input> inputs, OpenInputs(paths));
  return CheckShardsDisjoint(inputs);
}

std::optional<MergeRule> MergeRuleOf(std::string_view table) {
  for (const TableRule& t : kTables) {
    if (t.name == table) return t.rule;
  }
  return std::nullopt;
}

MergeTableCounts MergeResult::Counts(std::string_view table) const {
  for (const MergeTableCounts& c : tables) {
    if (c.table == table) return c;
  }
  MergeTableCounts none;
  none.table = std::string(table);
  return none;
}

Result<MergeResult> MergeStores(db::Db* out, const MergeOptions& options, MergeObserver* observer) {
  const auto start = std::chrono::steady_clock::now();
  if (options.inputs.empty()) return Error(Code::kInvalidInput, "no stores to merge");
  SWERL_ASSIGN_OR_RETURN(std::vector<Input> inputs, OpenInputs(options.inputs));
  SWERL_RETURN_IF_ERROR(CheckShardsDisjoint(inputs));

  // Every table of the output's schema needs a rule: a table added by a
  // newer migration must not be dropped silently.
  SWERL_ASSIGN_OR_RETURN(db::Stmt names,
                         out->Prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND "
                                      "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"));
  for (;;) {
    SWERL_ASSIGN_OR_RETURN(bool row, names.Step());
    if (!row) break;
    if (!MergeRuleOf(names.Text(0))) {
      return Error(Code::kUnsupported, "table '" + std::string(names.Text(0)) +
                                           "' of the store has no merge rule in this swerl "
                                           "(lib/swerl/store/merge.cc)");
    }
  }
  std::vector<TableShape> shapes;
  for (const TableRule& t : kTables) {
    if (t.rule == MergeRule::kNotMerged) continue;
    SWERL_ASSIGN_OR_RETURN(TableShape shape, ShapeOf(out, t.name, t.rule));
    shapes.push_back(std::move(shape));
  }

  MergeResult result;
  result.inputs = inputs.size();
  for (const TableShape& shape : shapes) result.tables.push_back(MergeTableCounts{shape.name});
  const Owners owners(inputs);
  OutputBatch batch(out, options.batch_rows);
  std::vector<OutputTable> prepared;
  for (const TableShape& shape : shapes) {
    SWERL_ASSIGN_OR_RETURN(OutputTable t, PrepareOutput(out, shape));
    prepared.push_back(std::move(t));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (size_t t = 0; t < shapes.size(); ++t) {
      const TableRun run{&inputs[i], i,      inputs.size(), &shapes[t], &prepared[t],
                         &owners,    &batch, out,           observer};
      SWERL_RETURN_IF_ERROR(MergeTable(run, &result.tables[t]));
    }
  }
  result.elapsed = std::chrono::steady_clock::now() - start;
  return result;
}

}  // namespace swerl::store

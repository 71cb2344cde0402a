// Rows folded in memory while an ingest batch is open (internal to
// lib/swerl/store).
//
// An entity touched by many events of a batch (a pull request opened,
// reviewed, commented on and merged within the hour) is written once, at
// commit, instead of once per event. Merging keeps per column group the
// values of the newest version, exactly the rule the upsert applies in the
// database (schemas/swerl.sql), so staging changes no result: the database
// after a flush equals the one per-event upserts would have produced.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::store {

// One column value; text views point into memory the owner keeps alive.
struct Value {
  enum class Type : uint8_t { kNull, kInt, kText } type = Type::kNull;
  int64_t i = 0;
  std::string_view s;
  static Value Int(int64_t v) { return {Type::kInt, v, {}}; }
  static Value Text(std::string_view v) { return {Type::kText, 0, v}; }
  bool null() const { return type == Type::kNull; }
};

struct GroupSpec {
  std::string_view ver;                   // version column
  std::vector<std::string_view> columns;  // in bind order
};

// A current-state table: key columns (integers), insert-only columns, and
// versioned column groups. A row's bind order is keys, fixed, then per
// group its columns and its version ("" = the event does not carry it).
struct TableSpec {
  std::string_view table;
  std::vector<std::string_view> keys;   // one or two
  std::vector<std::string_view> fixed;  // set on insert only
  std::vector<GroupSpec> groups;
};

// INSERT ... ON CONFLICT DO UPDATE that replaces each group only when the
// incoming version is newer, in the bind order above.
std::string UpsertSql(const TableSpec& t);

// Binds values[0..n) to parameters 1..n. Text is not copied: it must stay
// valid until the statement is stepped.
void BindValues(db::Stmt& stmt, const Value* values, size_t n);

// Bump allocator for text that must live until the batch is flushed.
class TextArena {
 public:
  std::string_view Copy(std::string_view s);
  // Forgets every copy; keeps the standard blocks for reuse, so memory
  // stays at the largest batch's.
  void Clear();
  // Bytes handed out since the last Clear.
  size_t bytes() const { return bytes_; }

 private:
  static constexpr size_t kBlock = size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;  // kBlock each
  std::vector<std::unique_ptr<char[]>> large_;   // one string each
  size_t next_ = 0;                              // next unused block
  char* at_ = nullptr;
  size_t left_ = 0;
  size_t bytes_ = 0;
};

class PendingTable {
 public:
  explicit PendingTable(const TableSpec& spec);

  // Folds one row given in bind order; its text is copied into *arena.
  void Merge(const std::vector<Value>& row, TextArena* arena);

  // Upserts every pending row in key order (B-tree friendly) with `stmt`
  // (UpsertSql of the spec) and forgets them. The arena must still hold
  // their text.
  Status Flush(db::Stmt& stmt);

  size_t size() const { return index_.size(); }

 private:
  struct Key {
    int64_t a, b;
    bool operator==(const Key&) const = default;
    auto operator<=>(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(static_cast<uint64_t>(k.a) * 0x9E3779B97F4A7C15ull ^
                                   static_cast<uint64_t>(k.b));
    }
  };

  size_t nkeys_;
  size_t width_ = 0;
  std::vector<std::pair<size_t, size_t>> groups_;  // [first column, version column]
  std::unordered_map<Key, size_t, KeyHash> index_;  // key -> first cell of its row
  std::vector<Value> cells_;                        // width_ cells per row
};

// Repository names of a batch: per repository id its newest name, and per
// name (ASCII case folded, like the NOCASE key of repo_names) the newest
// spelling and id; versions compare like the tables' group versions.
class PendingRepos {
 public:
  // as_main_name: the name is the repository's own (the event's repo), not
  // one seen in passing (a pull request's base repository).
  void Add(int64_t id, std::string_view name, std::string_view version, bool as_main_name);

  // Upserts into repos (id, name, ver) and repo_names (name, id, ver), then
  // forgets everything.
  Status Flush(db::Stmt& repos, db::Stmt& repo_names);

 private:
  struct Named {
    std::string name;
    int64_t id = 0;
    std::string ver;
    void Keep(std::string_view n, int64_t i, std::string_view v);
  };
  struct FoldedHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  struct FoldedEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
  };
  std::unordered_map<int64_t, Named> by_id_;
  std::unordered_map<std::string, Named, FoldedHash, FoldedEq> by_name_;
};

}  // namespace swerl::store

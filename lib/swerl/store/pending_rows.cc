#include "swerl/store/pending_rows.h"

#include <algorithm>
#include <cstring>

namespace swerl::store {

std::string UpsertSql(const TableSpec& t) {
  std::string cols, marks, sets, keys;
  auto add = [&](std::string_view c) {
    if (!cols.empty()) {
      cols += ", ";
      marks += ", ";
    }
    cols += c;
    marks += '?';
  };
  // "<table>.<col>" and "excluded.<col>"
  auto old = [&](std::string_view c) { return std::string(t.table) += '.' + std::string(c); };
  auto neu = [&](std::string_view c) { return std::string("excluded.") += c; };
  for (auto k : t.keys) {
    add(k);
    if (!keys.empty()) keys += ", ";
    keys += k;
  }
  for (auto f : t.fixed) add(f);
  for (const GroupSpec& g : t.groups) {
    for (auto c : g.columns) {
      add(c);
      if (!sets.empty()) sets += ", ";
      sets += std::string(c) + " = CASE WHEN " + neu(g.ver) + " > " + old(g.ver) + " THEN " +
              neu(c) + " ELSE " + old(c) + " END";
    }
    add(g.ver);
  }
  for (const GroupSpec& g : t.groups) {
    sets += ", " + std::string(g.ver) + " = max(" + old(g.ver) + ", " + neu(g.ver) + ")";
  }
  return "INSERT INTO " + std::string(t.table) + " (" + cols + ") VALUES (" + marks +
         ") ON CONFLICT(" + keys + ") DO UPDATE SET " + sets;
}

void BindValues(db::Stmt& stmt, const Value* values, size_t n) {
  for (size_t k = 0; k < n; ++k) {
    const int i = static_cast<int>(k) + 1;
    switch (values[k].type) {
      case Value::Type::kNull:
        stmt.BindNull(i);
        break;
      case Value::Type::kInt:
        stmt.BindInt(i, values[k].i);
        break;
      case Value::Type::kText:
        stmt.BindTextNoCopy(i, values[k].s);
        break;
    }
  }
}

std::string_view TextArena::Copy(std::string_view s) {
  if (s.empty()) return std::string_view("", 0);
  bytes_ += s.size();
  char* p;
  if (s.size() >= kBlock / 2) {
    large_.push_back(std::make_unique_for_overwrite<char[]>(s.size()));
    p = large_.back().get();
  } else {
    if (s.size() > left_) {
      if (next_ == blocks_.size()) blocks_.push_back(std::make_unique_for_overwrite<char[]>(kBlock));
      at_ = blocks_[next_++].get();
      left_ = kBlock;
    }
    p = at_;
    at_ += s.size();
    left_ -= s.size();
  }
  std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

void TextArena::Clear() {
  large_.clear();
  next_ = 0;
  at_ = nullptr;
  left_ = 0;
  bytes_ = 0;
}

PendingTable::PendingTable(const TableSpec& spec) : nkeys_(spec.keys.size()) {
  size_t at = spec.keys.size() + spec.fixed.size();
  for (const GroupSpec& g : spec.groups) {
    groups_.push_back({at, at + g.columns.size()});
    at += g.columns.size() + 1;
  }
  width_ = at;
}

void PendingTable::Merge(const std::vector<Value>& row, TextArena* arena) {
  const Key key{row[0].i, nkeys_ > 1 ? row[1].i : 0};
  auto [it, inserted] = index_.try_emplace(key, cells_.size());
  auto copy = [&](size_t first, size_t end) {
    Value* out = cells_.data() + it->second;
    for (size_t k = first; k < end; ++k) {
      out[k] = row[k];
      if (row[k].type == Value::Type::kText) out[k].s = arena->Copy(row[k].s);
    }
  };
  if (inserted) {
    cells_.resize(cells_.size() + width_);
    copy(0, width_);
    return;
  }
  const Value* have = cells_.data() + it->second;
  for (const auto& [first, ver] : groups_) {
    if (row[ver].s > have[ver].s) copy(first, ver + 1);
  }
}

Status PendingTable::Flush(db::Stmt& stmt) {
  std::vector<std::pair<Key, size_t>> order(index_.begin(), index_.end());
  std::sort(order.begin(), order.end());
  for (const auto& [key, at] : order) {
    BindValues(stmt, cells_.data() + at, width_);
    SWERL_RETURN_IF_ERROR(stmt.Run());
  }
  index_.clear();
  cells_.clear();
  return OkStatus();
}

namespace {
char FoldAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

size_t PendingRepos::FoldedHash::operator()(std::string_view s) const {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the folded bytes
  for (char c : s) h = (h ^ static_cast<unsigned char>(FoldAscii(c))) * 0x100000001b3ull;
  return h;
}

bool PendingRepos::FoldedEq::operator()(std::string_view a, std::string_view b) const {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (FoldAscii(a[i]) != FoldAscii(b[i])) return false;
  }
  return true;
}

void PendingRepos::Named::Keep(std::string_view n, int64_t i, std::string_view v) {
  if (!ver.empty() && v <= ver) return;
  name.assign(n);
  id = i;
  ver.assign(v);
}

void PendingRepos::Add(int64_t id, std::string_view name, std::string_view version,
                       bool as_main_name) {
  if (as_main_name) by_id_[id].Keep(name, id, version);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) it = by_name_.try_emplace(std::string(name)).first;
  it->second.Keep(name, id, version);
}

Status PendingRepos::Flush(db::Stmt& repos, db::Stmt& repo_names) {
  for (const auto& [id, n] : by_id_) {
    repos.BindInt(1, id);
    repos.BindTextNoCopy(2, n.name);
    repos.BindTextNoCopy(3, n.ver);
    SWERL_RETURN_IF_ERROR(repos.Run());
  }
  for (const auto& [folded, n] : by_name_) {
    repo_names.BindTextNoCopy(1, n.name);
    repo_names.BindInt(2, n.id);
    repo_names.BindTextNoCopy(3, n.ver);
    SWERL_RETURN_IF_ERROR(repo_names.Run());
  }
  by_id_.clear();
  by_name_.clear();
  return OkStatus();
}

}  // namespace swerl::store

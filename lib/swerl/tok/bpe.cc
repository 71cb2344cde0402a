#include "swerl/tok/bpe.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <queue>

#include "swerl/tok/byte_level.h"
#include "swerl/tok/hash.h"

namespace swerl::tok {
namespace {

uint64_t PairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32 | static_cast<uint32_t>(right)) +
         1;
}

size_t TableSize(size_t entries) { return std::bit_ceil(std::max<size_t>(16, entries * 2)); }

// Pieces up to this many symbols merge with the quadratic scan, which is
// faster than the heap on the short pieces that dominate text.
constexpr size_t kSmallPiece = 48;

}  // namespace

Result<BpeModel> BpeModel::Build(
    std::vector<std::pair<std::string, int32_t>> vocab,
    const std::vector<std::pair<std::string_view, std::string_view>>& merges,
    const Options& options) {
  BpeModel m;
  m.options_ = options;
  internal::StringIdMap by_token(vocab.size());
  std::vector<bool> id_seen;
  for (const auto& [token, id] : vocab) {
    if (id < 0) {
      return Error(Code::kInvalidInput, "vocabulary id " + std::to_string(id) + " is negative");
    }
    if (!by_token.Insert(token, id)) {
      return Error(Code::kInvalidInput, "vocabulary token '" + token + "' appears twice");
    }
    if (static_cast<size_t>(id) >= id_seen.size()) id_seen.resize(static_cast<size_t>(id) + 1);
    if (id_seen[static_cast<size_t>(id)]) {
      return Error(Code::kInvalidInput, "vocabulary id " + std::to_string(id) + " appears twice");
    }
    id_seen[static_cast<size_t>(id)] = true;
  }
  m.vocab_count_ = vocab.size();

  // Raw-byte spelling of every entry that has one, for whole-piece lookups.
  m.vocab_.assign(TableSize(vocab.size()), VocabSlot{});
  const size_t vmask = m.vocab_.size() - 1;
  for (const auto& [token, id] : vocab) {
    std::optional<std::string> raw = DecodeByteLevel(token);
    if (!raw) continue;
    if (raw->size() == 1) m.byte_ids_[static_cast<uint8_t>((*raw)[0])] = id;
    const uint64_t h = internal::HashBytes(*raw);
    size_t slot = h & vmask;
    while (m.vocab_[slot].id >= 0) slot = (slot + 1) & vmask;
    m.vocab_[slot] = VocabSlot{static_cast<uint32_t>(h), static_cast<uint32_t>(m.raw_arena_.size()),
                               static_cast<uint32_t>(raw->size()), id};
    m.raw_arena_ += *raw;
  }

  m.merges_.assign(TableSize(merges.size()), MergeSlot{});
  const size_t mmask = m.merges_.size() - 1;
  std::string joined;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    const int32_t l = by_token.Find(left);
    const int32_t r = by_token.Find(right);
    joined.assign(left).append(right);
    const int32_t j = by_token.Find(joined);
    if (l < 0 || r < 0 || j < 0) {
      const std::string_view missing = l < 0 ? left : r < 0 ? right : std::string_view(joined);
      return Error(Code::kInvalidInput, "merge " + std::to_string(rank) + " ('" +
                                            std::string(left) + "' '" + std::string(right) +
                                            "'): '" + std::string(missing) +
                                            "' is not in the vocabulary");
    }
    const uint64_t key = PairKey(l, r);
    size_t slot = internal::Mix(key) & mmask;
    while (m.merges_[slot].key != 0 && m.merges_[slot].key != key) slot = (slot + 1) & mmask;
    m.merges_[slot] = MergeSlot{key, static_cast<int32_t>(rank), j};
  }
  m.merge_count_ = merges.size();
  return m;
}

const BpeModel::MergeSlot* BpeModel::FindMerge(int32_t left, int32_t right) const {
  const uint64_t key = PairKey(left, right);
  const size_t mask = merges_.size() - 1;
  size_t slot = internal::Mix(key) & mask;
  while (true) {
    const MergeSlot& s = merges_[slot];
    if (s.key == key) return &s;
    if (s.key == 0) return nullptr;
    slot = (slot + 1) & mask;
  }
}

std::optional<int32_t> BpeModel::WholeId(std::string_view piece) const {
  const uint64_t h = internal::HashBytes(piece);
  const size_t mask = vocab_.size() - 1;
  size_t slot = h & mask;
  while (true) {
    const VocabSlot& s = vocab_[slot];
    if (s.id < 0) return std::nullopt;
    if (s.hash == static_cast<uint32_t>(h) && s.length == piece.size() &&
        std::memcmp(raw_arena_.data() + s.offset, piece.data(), piece.size()) == 0) {
      return s.id;
    }
    slot = (slot + 1) & mask;
  }
}

void BpeModel::MergeSmall(std::vector<int32_t>& symbols) const {
  // ranks[i]: rank of the pair (symbols[i], symbols[i + 1]), INT_MAX if none.
  int32_t ranks[kSmallPiece];
  int32_t merged[kSmallPiece];
  size_t n = symbols.size();
  auto fill = [&](size_t i) {
    const MergeSlot* s = FindMerge(symbols[i], symbols[i + 1]);
    ranks[i] = s ? s->rank : INT_MAX;
    merged[i] = s ? s->merged : -1;
  };
  for (size_t i = 0; i + 1 < n; ++i) fill(i);
  while (n >= 2) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < n; ++i) {
      if (ranks[i] < ranks[best]) best = i;
    }
    if (ranks[best] == INT_MAX) break;
    symbols[best] = merged[best];
    for (size_t i = best + 1; i + 1 < n; ++i) {
      symbols[i] = symbols[i + 1];
      ranks[i] = ranks[i + 1];
      merged[i] = merged[i + 1];
    }
    --n;
    if (best > 0) fill(best - 1);
    if (best + 1 < n) fill(best);
  }
  symbols.resize(n);
}

void BpeModel::MergeLarge(std::vector<int32_t>& symbols) const {
  // A linked list over positions and a heap of candidate merges ordered by
  // (rank, position); stale candidates are skipped when popped.
  const size_t n = symbols.size();
  std::vector<int32_t> next(n), prev(n);
  std::vector<bool> alive(n, true);
  for (size_t i = 0; i < n; ++i) {
    next[i] = i + 1 < n ? static_cast<int32_t>(i + 1) : -1;
    prev[i] = static_cast<int32_t>(i) - 1;
  }
  struct Candidate {
    int32_t rank;
    int32_t pos;
    int32_t left, right, merged;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto push = [&](int32_t pos) {
    if (pos < 0 || next[pos] < 0) return;
    const int32_t l = symbols[pos], r = symbols[next[pos]];
    if (const MergeSlot* s = FindMerge(l, r)) heap.push(Candidate{s->rank, pos, l, r, s->merged});
  };
  for (size_t i = 0; i + 1 < n; ++i) push(static_cast<int32_t>(i));
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    if (!alive[c.pos] || next[c.pos] < 0) continue;
    const int32_t right = next[c.pos];
    if (symbols[c.pos] != c.left || symbols[right] != c.right) continue;
    symbols[c.pos] = c.merged;
    alive[right] = false;
    next[c.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = c.pos;
    push(prev[c.pos]);
    push(c.pos);
  }
  size_t out = 0;
  for (int32_t i = 0; i >= 0; i = next[i]) symbols[out++] = symbols[i];
  symbols.resize(out);
}

void BpeModel::Tokenize(std::string_view piece, std::vector<int32_t>* ids) const {
  if (piece.empty()) return;
  if (options_.ignore_merges) {
    if (std::optional<int32_t> whole = WholeId(piece)) {
      ids->push_back(*whole);
      return;
    }
  }
  thread_local std::vector<int32_t> symbols;
  symbols.clear();
  bool last_unk = false;
  for (char c : piece) {
    const int32_t id = byte_ids_[static_cast<uint8_t>(c)];
    if (id >= 0) {
      symbols.push_back(id);
      last_unk = false;
    } else if (options_.unk_id) {
      if (!(options_.fuse_unk && last_unk)) symbols.push_back(*options_.unk_id);
      last_unk = true;
    }
  }
  if (symbols.size() <= kSmallPiece) {
    MergeSmall(symbols);
  } else {
    MergeLarge(symbols);
  }
  ids->insert(ids->end(), symbols.begin(), symbols.end());
}

}  // namespace swerl::tok

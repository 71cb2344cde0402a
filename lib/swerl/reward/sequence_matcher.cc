#include "swerl/reward/sequence_matcher.h"

#include <algorithm>
#include <cstring>

namespace swerl::reward {

IndexedSequence::IndexedSequence(std::span<const uint32_t> b, bool autojunk)
    : b_(b.begin(), b.end()) {
  std::fill(std::begin(direct_), std::end(direct_), kNone);
  // Pass 1: a slot per distinct symbol, with its count.
  std::vector<uint32_t> counts;
  auto slot_of = [&](uint32_t x) -> uint32_t& {
    return x < kDirect ? direct_[x] : other_.try_emplace(x, kNone).first->second;
  };
  for (uint32_t x : b_) {
    uint32_t& slot = slot_of(x);
    if (slot == kNone) {
      slot = static_cast<uint32_t>(counts.size());
      counts.push_back(0);
    }
    ++counts[slot];
  }
  // Popular symbols (CPython: n >= 200 and count > n // 100 + 1) get no
  // positions: find_longest_match never starts a match on them.
  const size_t n = b_.size();
  if (autojunk && n >= 200) {
    const size_t ntest = n / 100 + 1;
    for (uint32_t& c : counts) {
      if (c > ntest) c = 0;
    }
  }
  starts_.resize(counts.size() + 1);
  uint32_t total = 0;
  for (size_t s = 0; s < counts.size(); ++s) {
    starts_[s] = total;
    total += counts[s];
  }
  starts_[counts.size()] = total;
  // Pass 2: positions in ascending order (b is scanned in order).
  positions_.resize(total);
  std::vector<uint32_t> fill(starts_.begin(), starts_.end() - 1);
  for (size_t j = 0; j < n; ++j) {
    const uint32_t slot = slot_of(b_[j]);
    if (fill[slot] < starts_[slot + 1]) positions_[fill[slot]++] = static_cast<uint32_t>(j);
  }
}

namespace {

// find_longest_match state. CPython keeps the run lengths of the previous
// row of the dynamic program in a dict (j2len) and builds a new dict per
// row; here two dense arrays alternate, and a row stamp per entry tells
// whether it was written in the previous row (so nothing is cleared).
class LongestMatchFinder {
 public:
  LongestMatchFinder(std::span<const uint32_t> a, const IndexedSequence& b)
      : a_(a),
        b_(b),
        len_{std::vector<uint32_t>(b.b().size() + 1), std::vector<uint32_t>(b.b().size() + 1)},
        stamp_{std::vector<uint64_t>(b.b().size() + 1, 0),
               std::vector<uint64_t>(b.b().size() + 1, 0)} {}

  MatchingBlock Find(size_t alo, size_t ahi, size_t blo, size_t bhi) {
    const std::span<const uint32_t> bs = b_.b();
    size_t besti = alo, bestj = blo, bestsize = 0;
    // Row r's entries carry stamp next_stamp_ + r; stamps never repeat, so
    // stale entries of earlier rows and calls never match.
    const uint64_t base = next_stamp_;
    next_stamp_ += (ahi - alo) + 2;
    for (size_t i = alo; i < ahi; ++i) {
      const uint64_t row = base + 1 + (i - alo);
      const std::vector<uint32_t>& prev_len = len_[(i - alo + 1) & 1];
      const std::vector<uint64_t>& prev_stamp = stamp_[(i - alo + 1) & 1];
      std::vector<uint32_t>& cur_len = len_[(i - alo) & 1];
      std::vector<uint64_t>& cur_stamp = stamp_[(i - alo) & 1];
      const std::span<const uint32_t> js = b_.Positions(a_[i]);
      auto it = std::lower_bound(js.begin(), js.end(), static_cast<uint32_t>(blo));
      for (; it != js.end() && *it < bhi; ++it) {
        const size_t j = *it;
        // Entry x stands for j = x - 1, so j - 1 is index j.
        const uint32_t k = (prev_stamp[j] == row - 1 ? prev_len[j] : 0) + 1;
        cur_len[j + 1] = k;
        cur_stamp[j + 1] = row;
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
    }
    // Extend over equal neighbours (popular symbols included; there is no
    // junk, so CPython's junk-extension loops do nothing).
    while (besti > alo && bestj > blo && a_[besti - 1] == bs[bestj - 1]) {
      --besti;
      --bestj;
      ++bestsize;
    }
    while (besti + bestsize < ahi && bestj + bestsize < bhi &&
           a_[besti + bestsize] == bs[bestj + bestsize]) {
      ++bestsize;
    }
    return {besti, bestj, bestsize};
  }

 private:
  std::span<const uint32_t> a_;
  const IndexedSequence& b_;
  std::vector<uint32_t> len_[2];
  std::vector<uint64_t> stamp_[2];
  uint64_t next_stamp_ = 1;
};

}  // namespace

std::vector<MatchingBlock> MatchingBlocks(std::span<const uint32_t> a, const IndexedSequence& b) {
  const size_t la = a.size(), lb = b.b().size();
  std::vector<MatchingBlock> blocks;
  if (la == lb && (la == 0 || std::memcmp(a.data(), b.b().data(), la * sizeof(uint32_t)) == 0)) {
    // Identical: CPython's first longest match lies on the diagonal (a run
    // ending at row i off it repeats an earlier row's diagonal run), and
    // extension grows it over everything, popular symbols included.
    if (la) blocks.push_back({0, 0, la});
    blocks.push_back({la, lb, 0});
    return blocks;
  }
  LongestMatchFinder finder(a, b);
  struct Range {
    size_t alo, ahi, blo, bhi;
  };
  std::vector<Range> stack{{0, la, 0, lb}};
  while (!stack.empty()) {
    const Range r = stack.back();
    stack.pop_back();
    const MatchingBlock m = finder.Find(r.alo, r.ahi, r.blo, r.bhi);
    if (m.size == 0) continue;
    blocks.push_back(m);
    if (r.alo < m.a && r.blo < m.b) stack.push_back({r.alo, m.a, r.blo, m.b});
    if (m.a + m.size < r.ahi && m.b + m.size < r.bhi) {
      stack.push_back({m.a + m.size, r.ahi, m.b + m.size, r.bhi});
    }
  }
  std::sort(blocks.begin(), blocks.end(), [](const MatchingBlock& x, const MatchingBlock& y) {
    return x.a != y.a ? x.a < y.a : x.b != y.b ? x.b < y.b : x.size < y.size;
  });
  // Merge neighbours that touch in both sequences.
  std::vector<MatchingBlock> merged;
  MatchingBlock cur{0, 0, 0};
  for (const MatchingBlock& m : blocks) {
    if (cur.a + cur.size == m.a && cur.b + cur.size == m.b) {
      cur.size += m.size;
    } else {
      if (cur.size) merged.push_back(cur);
      cur = m;
    }
  }
  if (cur.size) merged.push_back(cur);
  merged.push_back({la, lb, 0});
  return merged;
}

uint64_t MatchWork(std::span<const uint32_t> a, const IndexedSequence& b) {
  uint64_t work = 0;
  for (uint32_t x : a) work += b.Positions(x).size();
  return work;
}

double Ratio(std::span<const uint32_t> a, const IndexedSequence& b) {
  const size_t total = a.size() + b.b().size();
  if (total == 0) return 1.0;
  size_t matches = 0;
  for (const MatchingBlock& m : MatchingBlocks(a, b)) matches += m.size;
  return 2.0 * static_cast<double>(matches) / static_cast<double>(total);
}

std::vector<Opcode> Opcodes(const std::vector<MatchingBlock>& blocks) {
  std::vector<Opcode> codes;
  size_t i = 0, j = 0;
  for (const MatchingBlock& m : blocks) {
    if (i < m.a && j < m.b) {
      codes.push_back({OpTag::kReplace, i, m.a, j, m.b});
    } else if (i < m.a) {
      codes.push_back({OpTag::kDelete, i, m.a, j, m.b});
    } else if (j < m.b) {
      codes.push_back({OpTag::kInsert, i, m.a, j, m.b});
    }
    i = m.a + m.size;
    j = m.b + m.size;
    if (m.size) codes.push_back({OpTag::kEqual, m.a, i, m.b, j});
  }
  return codes;
}

std::vector<std::vector<Opcode>> GroupedOpcodes(std::vector<Opcode> codes, size_t n) {
  if (codes.empty()) codes.push_back({OpTag::kEqual, 0, 1, 0, 1});
  // Trim unchanged context at both ends to n elements.
  if (Opcode& c = codes.front(); c.tag == OpTag::kEqual) {
    c.i1 = std::max(c.i1, c.i2 > n ? c.i2 - n : 0);
    c.j1 = std::max(c.j1, c.j2 > n ? c.j2 - n : 0);
  }
  if (Opcode& c = codes.back(); c.tag == OpTag::kEqual) {
    c.i2 = std::min(c.i2, c.i1 + n);
    c.j2 = std::min(c.j2, c.j1 + n);
  }
  std::vector<std::vector<Opcode>> groups;
  std::vector<Opcode> group;
  for (Opcode c : codes) {
    // A long unchanged range ends the group and starts the next one.
    if (c.tag == OpTag::kEqual && c.i2 - c.i1 > 2 * n) {
      group.push_back(
          {OpTag::kEqual, c.i1, std::min(c.i2, c.i1 + n), c.j1, std::min(c.j2, c.j1 + n)});
      groups.push_back(std::move(group));
      group.clear();
      c.i1 = std::max(c.i1, c.i2 - n);
      c.j1 = std::max(c.j1, c.j2 - n);
    }
    group.push_back(c);
  }
  if (!group.empty() && !(group.size() == 1 && group[0].tag == OpTag::kEqual)) {
    groups.push_back(std::move(group));
  }
  return groups;
}

}  // namespace swerl::reward

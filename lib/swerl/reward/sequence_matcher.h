// A bit-exact port of CPython's difflib.SequenceMatcher (3.11) with no junk
// function, over sequences of 32-bit symbols: code points for the reward's
// similarity, interned line ids for unified_diff (SPEC §5.3).
//
// The side CPython calls `b` is indexed once (IndexedSequence) and can be
// matched against many `a` sequences, possibly from several threads: the
// oracle's diff of a seed is indexed once and every rollout of its group is
// compared with it.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace swerl::reward {

struct MatchingBlock {
  size_t a = 0;     // start in a
  size_t b = 0;     // start in b
  size_t size = 0;  // a[a, a+size) == b[b, b+size)
  bool operator==(const MatchingBlock&) const = default;
};

// The b2j index of CPython's __chain_b: for each symbol of b, its positions
// in ascending order. With autojunk and len(b) >= 200, "popular" symbols
// (more than len(b) / 100 + 1 occurrences) are left out, as CPython does.
// Immutable after construction; safe to share between threads.
class IndexedSequence {
 public:
  // Copies b.
  IndexedSequence(std::span<const uint32_t> b, bool autojunk);

  std::span<const uint32_t> b() const { return b_; }
  // Ascending positions of `symbol` in b; empty when absent or popular.
  std::span<const uint32_t> Positions(uint32_t symbol) const {
    uint32_t slot;
    if (symbol < kDirect) {
      slot = direct_[symbol];
    } else {
      const auto it = other_.find(symbol);
      slot = it == other_.end() ? kNone : it->second;
    }
    if (slot == kNone) return {};
    return {positions_.data() + starts_[slot], positions_.data() + starts_[slot + 1]};
  }

 private:
  static constexpr uint32_t kDirect = 256;  // symbols looked up without hashing
  static constexpr uint32_t kNone = UINT32_MAX;

  std::vector<uint32_t> b_;
  uint32_t direct_[kDirect];
  std::unordered_map<uint32_t, uint32_t> other_;  // symbol -> slot
  std::vector<uint32_t> starts_;                  // slot -> first index in positions_
  std::vector<uint32_t> positions_;
};

// get_matching_blocks(): the maximal matching blocks of a against b, sorted,
// adjacent blocks merged, ending with the sentinel {len(a), len(b), 0}.
// Cost: worst case O(len(a) * len(b)) per recursion level, like CPython.
// REQUIRES: len(a), len(b) < 2^32.
std::vector<MatchingBlock> MatchingBlocks(std::span<const uint32_t> a, const IndexedSequence& b);

// Steps of the first longest-match search of a against b: the sum over a
// of the number of positions of a[i] in b. MatchingBlocks costs a small
// multiple of it (one such pass per level of its recursion); the size
// guard of reward.h compares it with a limit before matching.
uint64_t MatchWork(std::span<const uint32_t> a, const IndexedSequence& b);

// ratio() = 2.0 * M / T (M = matched symbols, T = len(a) + len(b)); 1.0 when
// both are empty.
double Ratio(std::span<const uint32_t> a, const IndexedSequence& b);

// get_opcodes() and get_grouped_opcodes(n).
enum class OpTag : uint8_t { kEqual, kReplace, kDelete, kInsert };
struct Opcode {
  OpTag tag;
  size_t i1, i2, j1, j2;
  bool operator==(const Opcode&) const = default;
};
std::vector<Opcode> Opcodes(const std::vector<MatchingBlock>& blocks);
std::vector<std::vector<Opcode>> GroupedOpcodes(std::vector<Opcode> codes, size_t n);

}  // namespace swerl::reward

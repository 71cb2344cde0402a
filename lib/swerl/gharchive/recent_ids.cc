#include "swerl/gharchive/recent_ids.h"

#include <algorithm>
#include <bit>

namespace swerl::gharchive {
namespace {
inline size_t Slot(uint64_t key, size_t mask) {
  // Fibonacci hashing spreads sequential ids over the table.
  return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & mask;
}
}  // namespace

RecentIds::RecentIds(size_t generation_size)
    : generation_size_(std::clamp<size_t>(generation_size, 1, kMaxGenerationSize)) {
  // Load factor <= 0.5.
  const size_t slots = std::bit_ceil(2 * generation_size_);
  young_.slots.assign(slots, 0);
}

bool RecentIds::Table::Contains(uint64_t key) const {
  if (slots.empty()) return false;
  const size_t mask = slots.size() - 1;
  for (size_t i = Slot(key, mask);; i = (i + 1) & mask) {
    if (slots[i] == key) return true;
    if (slots[i] == 0) return false;
  }
}

void RecentIds::Table::Add(uint64_t key) {
  const size_t mask = slots.size() - 1;
  size_t i = Slot(key, mask);
  while (slots[i] != 0) i = (i + 1) & mask;
  slots[i] = key;
  ++count;
}

void RecentIds::Table::Clear() {
  std::fill(slots.begin(), slots.end(), 0);
  count = 0;
}

bool RecentIds::Insert(uint64_t id) {
  const uint64_t key = Key(id);
  if (young_.Contains(key) || old_.Contains(key)) return false;
  if (young_.count >= generation_size_) {
    std::swap(young_, old_);
    if (young_.slots.empty()) young_.slots.assign(old_.slots.size(), 0);
    young_.Clear();
  }
  young_.Add(key);
  return true;
}

}  // namespace swerl::gharchive

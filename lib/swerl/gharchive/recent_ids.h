// RecentIds: a bounded set of 64-bit ids for de-duplicating event streams.
// Two generations of open-addressing tables: inserts go to the young one;
// when it holds `generation_size` ids the old one is dropped and the young
// one ages. So an id is remembered for at least `generation_size` later
// distinct inserts, memory stays at most ~32 bytes x generation_size, and
// GH Archive's duplicates (repeats within an hour or two) are always caught.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace swerl::gharchive {

// Not thread-safe.
class RecentIds {
 public:
  // generation_size is clamped to [1, kMaxGenerationSize] (so the table size
  // cannot overflow). The young table is allocated here: ~16 bytes per id.
  static constexpr size_t kMaxGenerationSize = size_t{1} << 32;
  explicit RecentIds(size_t generation_size);

  // Returns true when `id` was not in the set (and adds it); false for a
  // repeat within the window.
  bool Insert(uint64_t id);

 private:
  struct Table {
    std::vector<uint64_t> slots;  // 0 = empty; power-of-two size
    size_t count = 0;
    bool Contains(uint64_t key) const;
    void Add(uint64_t key);
    void Clear();
  };
  static uint64_t Key(uint64_t id) { return id ? id : 0x8000000000000001ull; }

  size_t generation_size_;
  Table young_;
  Table old_;
};

}  // namespace swerl::gharchive

// Hashing for the tokenizer's lookup tables: fast on short byte strings
// (BPE pieces are mostly under 16 bytes). Not for untrusted-key DoS resistance.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace swerl::tok::internal {

inline uint64_t Mix(uint64_t x) {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

inline uint64_t HashBytes(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = Mix(h ^ w);
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = Mix(h ^ w ^ (uint64_t{n} << 59));
  }
  return h;
}

// An open-addressing map from borrowed strings to ids, for building the
// tokenizer (hundreds of thousands of lookups). The keys' bytes must outlive
// the map. Not thread-safe for writes; lookups are const.
class StringIdMap {
 public:
  explicit StringIdMap(size_t expected)
      : slots_(std::bit_ceil(expected * 2 < 16 ? size_t{16} : expected * 2)) {}

  // Inserts key -> id; returns false (and changes nothing) when key is present.
  // REQUIRES: fewer than half the capacity given at construction is used.
  bool Insert(std::string_view key, int32_t id) {
    const uint64_t h = HashBytes(key);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.id < 0) {
        s = Slot{h, key.data(), static_cast<uint32_t>(key.size()), id};
        return true;
      }
      if (s.hash == h && Equal(s, key)) return false;
    }
  }

  // The id of key, or -1.
  int32_t Find(std::string_view key) const {
    const uint64_t h = HashBytes(key);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.hash == h && Equal(s, key)) return s.id;
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    const char* data = nullptr;
    uint32_t size = 0;
    int32_t id = -1;  // -1 = empty
  };
  static bool Equal(const Slot& s, std::string_view key) {
    return s.size == key.size() && std::memcmp(s.data, key.data(), key.size()) == 0;
  }
  std::vector<Slot> slots_;
};

}  // namespace swerl::tok::internal

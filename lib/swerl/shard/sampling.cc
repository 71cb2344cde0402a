#include "swerl/shard/sampling.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "swerl/core/check.h"
#include "swerl/core/sha256.h"

namespace swerl::shard {
namespace {

// SplitMix64 (Steele, Lea and Flood): a 64-bit state advanced by the golden
// ratio increment, each output finalised by Mix64.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() { return Mix64(state_ += 0x9E3779B97F4A7C15ull); }
  // Uniform in [0, bound) by rejection of the last partial range.
  uint64_t Below(uint64_t bound) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;  // a multiple of bound
    for (;;) {
      const uint64_t x = Next();
      if (x < limit) return x % bound;
    }
  }

 private:
  uint64_t state_;
};

}  // namespace

uint64_t Mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t MixKeys(std::span<const uint64_t> keys) {
  uint64_t h = 0x6A09E667F3BCC908ull;  // any odd constant; sha512's first word
  for (uint64_t k : keys) h = Mix64(h ^ Mix64(k + 0x9E3779B97F4A7C15ull));
  return h;
}

bool IsEvalSeed(std::string_view instance_id, double eval_fraction) {
  if (!(eval_fraction > 0)) return false;
  if (eval_fraction >= 1) return true;
  const std::string hex = Sha256::Hex(instance_id);
  const uint64_t x = std::stoull(hex.substr(0, 16), nullptr, 16);
  // f * 2^64 as a long double keeps 64 bits of mantissa on x86-64.
  return static_cast<long double>(x) < std::ldexp(static_cast<long double>(eval_fraction), 64);
}

DrawOrder::DrawOrder(std::vector<int64_t> ids, uint64_t seed) : ids_(std::move(ids)), seed_(seed) {
  SWERL_CHECK(!ids_.empty());
}

std::vector<int64_t> DrawOrder::Epoch(uint64_t epoch) const {
  std::vector<int64_t> order = ids_;
  const uint64_t keys[] = {seed_, epoch};
  SplitMix64 rng(MixKeys(keys));
  for (uint64_t i = order.size() - 1; i > 0; --i) {
    std::swap(order[i], order[rng.Below(i + 1)]);
  }
  return order;
}

int64_t DrawOrder::At(uint64_t k) {
  const uint64_t epoch = k / ids_.size();
  if (epoch != cached_epoch_) {
    cached_ = Epoch(epoch);
    cached_epoch_ = epoch;
  }
  return cached_[k % ids_.size()];
}

Slice RankSlice(uint64_t count, int rank, int world) {
  SWERL_CHECK(world > 0 && rank >= 0 && rank < world);
  const uint64_t w = static_cast<uint64_t>(world), r = static_cast<uint64_t>(rank);
  const uint64_t base = count / w, extra = count % w;
  return {r * base + std::min(r, extra), base + (r < extra ? 1 : 0)};
}

}  // namespace swerl::shard

// How training draws seeds from a shard: the held-out split (a pure
// function of a seed's instance_id, so the same seeds are held out of every
// shard, export and run) and the draw order (one seeded permutation per
// epoch, of which each step takes the next prompts and each rank a slice).
// Everything here is deterministic across machines and builds: no standard
// library distribution or shuffle (their algorithms are implementation-
// defined) is used.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace swerl::shard {

enum class Split : uint8_t { kTrain, kEval, kAll };

// Whether `instance_id` is held out for evaluation at `eval_fraction`
// (0 <= f <= 1): the first 8 bytes of sha256(instance_id), read big-endian,
// fall below f * 2^64. Raising f only moves seeds from train to eval.
bool IsEvalSeed(std::string_view instance_id, double eval_fraction);

// SplitMix64's finaliser: a bijective, well-mixed 64-bit hash.
uint64_t Mix64(uint64_t x);

// Combines keys into one 64-bit value (order matters): for seeding streams
// by (run seed, epoch) here and by (run seed, step, seed id, sample) in the
// trainer.
uint64_t MixKeys(std::span<const uint64_t> keys);

// The order in which a run draws seeds. Draw k (k = 0, 1, ...) belongs to
// epoch e = k / n and is the seed at position k % n of that epoch's
// permutation of `ids` (Fisher-Yates driven by a SplitMix64 stream seeded
// with MixKeys({seed, e}), bounded draws by rejection so every permutation
// is equally likely). Thread-compatible; At() caches one epoch.
class DrawOrder {
 public:
  // REQUIRES: !ids.empty().
  DrawOrder(std::vector<int64_t> ids, uint64_t seed);

  uint64_t size() const { return ids_.size(); }

  // The seed id of draw k.
  int64_t At(uint64_t k);

  // The permutation of epoch `epoch`.
  std::vector<int64_t> Epoch(uint64_t epoch) const;

 private:
  std::vector<int64_t> ids_;
  uint64_t seed_;
  uint64_t cached_epoch_ = UINT64_MAX;
  std::vector<int64_t> cached_;
};

// The part of `count` items (a step's prompts) that rank `rank` of `world`
// takes: contiguous, sizes differing by at most one, the larger ones first.
// Returns {offset, length}. REQUIRES: 0 <= rank < world.
struct Slice {
  uint64_t offset = 0;
  uint64_t length = 0;
};
Slice RankSlice(uint64_t count, int rank, int world);

}  // namespace swerl::shard

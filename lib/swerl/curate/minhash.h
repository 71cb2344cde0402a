// Near-duplicate detection: normalised token shingles of a problem statement
// or a patch, their MinHash signature (one-permutation hashing with
// rotation densification) and an LSH index over signatures. What the
// filter's benchmark_near_duplicate and near_duplicate rules use
// (data/filters/README.md, "Contamination").
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace swerl::curate {

// Normalisation, the contract the thresholds were chosen for:
//  - tokens are maximal runs of ASCII letters, digits and '_' (lowercased)
//    or of non-ASCII bytes; whitespace and punctuation separate tokens and
//    are dropped, so re-indenting, re-wrapping and re-punctuating a text
//    leave its tokens alone;
//  - kPatch reads only a unified diff's changed lines ('+'/'-' lines that
//    are not "+++ "/"--- " headers) and starts each with a token for its
//    sign, so context lines, hunk headers and paths do not count;
//  - shingles are the hashes of every kShingleTokens consecutive tokens (a
//    text with fewer tokens has one shingle of all of them, none if empty).
enum class TextKind : uint8_t { kStatement, kPatch };
inline constexpr int kShingleTokens = 5;

// The distinct shingle hashes of `text`, sorted.
std::vector<uint64_t> Shingles(std::string_view text, TextKind kind);

inline constexpr int kMinHashSize = 128;

struct MinHash {
  std::array<uint32_t, kMinHashSize> values{};
  // Shingles hashed: distinct ones for MinHashOf(shingles), all token
  // windows (repeats included) for MinHashOf(text); 0: an empty text.
  uint32_t shingles = 0;
};

// The signature of a shingle set: each shingle is hashed once; the top 7
// bits pick a bin and the next 32 bits are its value (the bin keeps the
// smallest); an empty bin takes the value of the next non-empty bin to its
// right (circularly) plus a per-distance offset, so that two signatures
// agree in a bin with probability close to the sets' Jaccard similarity.
MinHash MinHashOf(const std::vector<uint64_t>& shingles);
MinHash MinHashOf(std::string_view text, TextKind kind);

// The fraction of bins in which a and b agree: an estimate of the Jaccard
// similarity of their shingle sets (standard error about 0.044 at 128
// bins). 0 when either is empty.
double EstimatedJaccard(const MinHash& a, const MinHash& b);

// Banded LSH over signatures: kLshBands bands of kLshRows values; two
// signatures are candidates when they agree on a whole band. With 42 x 3 a
// pair at Jaccard 0.5 is a candidate with probability 0.996, at 0.3 with
// 0.68, at 0.1 with 0.04; candidates are then checked with
// EstimatedJaccard. Not thread-safe.
inline constexpr int kLshBands = 42;
inline constexpr int kLshRows = 3;

class LshIndex {
 public:
  // Makes room for `signatures` more Adds.
  void Reserve(size_t signatures);
  // Adds signature `sig` under `id`. Empty signatures are not added.
  void Add(uint32_t id, const MinHash& sig);
  // The ids that share a band with `sig`, each once, in ascending order.
  std::vector<uint32_t> Candidates(const MinHash& sig) const;
  size_t size() const { return added_; }

 private:
  // Band key -> the newest entry of its bucket; entries chain to older ones
  // (one allocation pattern for all buckets instead of a vector each). The
  // keys sit in an open-addressing table (linear probing, at most half
  // full): std::unordered_map's node per key made building the benchmark
  // index slow.
  struct Entry {
    uint32_t id;
    uint32_t next;
  };
  static constexpr uint32_t kNone = UINT32_MAX;
  // The slot of `key` (0 stands for 1: 0 marks an empty slot).
  size_t Slot(uint64_t key) const;
  void Grow(size_t min_keys);
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> heads_;
  size_t used_ = 0;
  std::vector<Entry> entries_;
  size_t added_ = 0;
};

}  // namespace swerl::curate

#include "swerl/curate/minhash.h"

#include <algorithm>
#include <limits>

namespace swerl::curate {
namespace {

// splitmix64's finaliser: a cheap, well-mixing 64-bit hash step.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Appends the token hashes of `text` to *out (FNV-1a over the lowercased
// token bytes).
void TokenHashes(std::string_view text, std::vector<uint64_t>* out) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool word = IsWordByte(c);
    const bool high = c >= 0x80;
    if (!word && !high) {
      ++i;
      continue;
    }
    uint64_t h = 0xcbf29ce484222325ULL;
    while (i < text.size()) {
      auto d = static_cast<unsigned char>(text[i]);
      if (word ? !IsWordByte(d) : d < 0x80) break;
      if (d >= 'A' && d <= 'Z') d = static_cast<unsigned char>(d + 32);
      h = (h ^ d) * 0x100000001b3ULL;
      ++i;
    }
    out->push_back(h);
  }
}

constexpr uint64_t kPlusToken = 0x2b2b2b2b2b2b2b2bULL;
constexpr uint64_t kMinusToken = 0x2d2d2d2d2d2d2d2dULL;

}  // namespace

namespace {

// The token hashes of `text` read as `kind`.
std::vector<uint64_t> Tokens(std::string_view text, TextKind kind) {
  std::vector<uint64_t> tokens;
  if (kind == TextKind::kStatement) {
    TokenHashes(text, &tokens);
    return tokens;
  }
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? text.size() : nl;
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || (line[0] != '+' && line[0] != '-')) continue;
    if (line.starts_with("+++ ") || line.starts_with("--- ")) continue;
    tokens.push_back(line[0] == '+' ? kPlusToken : kMinusToken);
    TokenHashes(line.substr(1), &tokens);
  }
  return tokens;
}

// Calls fn(hash) for each shingle of `tokens`, repeats included. The hash
// of a window is a polynomial in its token hashes (rolled in O(1) per
// window), finished with Mix.
template <class Fn>
void ForEachShingle(const std::vector<uint64_t>& tokens, Fn&& fn) {
  if (tokens.empty()) return;
  constexpr uint64_t kBase = 0x100000001b3ULL;
  const size_t k = std::min<size_t>(kShingleTokens, tokens.size());
  uint64_t top = 1;  // kBase^(k-1)
  for (size_t j = 1; j < k; ++j) top *= kBase;
  uint64_t h = 0;
  for (size_t j = 0; j < k; ++j) h = h * kBase + tokens[j];
  fn(Mix(h ^ (0x9e3779b97f4a7c15ULL + k)));
  for (size_t start = 1; start + k <= tokens.size(); ++start) {
    h = (h - tokens[start - 1] * top) * kBase + tokens[start + k - 1];
    fn(Mix(h ^ (0x9e3779b97f4a7c15ULL + k)));
  }
}

constexpr uint32_t kEmptyBin = std::numeric_limits<uint32_t>::max();

void AddShingle(uint64_t s, MinHash* sig) {
  const uint64_t h = Mix(s ^ 0x5851f42d4c957f2dULL);
  const size_t bin = h >> 57;  // top 7 bits: 128 bins
  const auto value = static_cast<uint32_t>(h >> 25);
  if (value < sig->values[bin]) sig->values[bin] = value;
}

// Rotation densification: an empty bin borrows from the next non-empty
// bin to its right, offset by the distance so borrowed values from
// different distances do not collide.
void Densify(MinHash* sig) {
  std::array<uint32_t, kMinHashSize> dense = sig->values;
  for (int bin = 0; bin < kMinHashSize; ++bin) {
    if (sig->values[bin] != kEmptyBin) continue;
    for (int dist = 1; dist < kMinHashSize; ++dist) {
      const uint32_t v = sig->values[(bin + dist) % kMinHashSize];
      if (v == kEmptyBin) continue;
      dense[bin] = static_cast<uint32_t>(Mix(v + 0x1000193ULL * dist));
      break;
    }
  }
  sig->values = dense;
}

}  // namespace

std::vector<uint64_t> Shingles(std::string_view text, TextKind kind) {
  std::vector<uint64_t> shingles;
  ForEachShingle(Tokens(text, kind), [&](uint64_t h) { shingles.push_back(h); });
  std::sort(shingles.begin(), shingles.end());
  shingles.erase(std::unique(shingles.begin(), shingles.end()), shingles.end());
  return shingles;
}

MinHash MinHashOf(const std::vector<uint64_t>& shingles) {
  MinHash sig;
  sig.shingles = static_cast<uint32_t>(std::min<size_t>(shingles.size(), UINT32_MAX));
  if (shingles.empty()) return sig;
  sig.values.fill(kEmptyBin);
  for (uint64_t s : shingles) AddShingle(s, &sig);
  Densify(&sig);
  return sig;
}

MinHash MinHashOf(std::string_view text, TextKind kind) {
  // Straight from the token windows: repeats do not change a minimum, so
  // the set need not be built.
  MinHash sig;
  sig.values.fill(kEmptyBin);
  uint64_t count = 0;
  ForEachShingle(Tokens(text, kind), [&](uint64_t h) {
    AddShingle(h, &sig);
    ++count;
  });
  sig.shingles = static_cast<uint32_t>(std::min<uint64_t>(count, UINT32_MAX));
  if (count == 0) {
    sig.values.fill(0);
    return sig;
  }
  Densify(&sig);
  return sig;
}

double EstimatedJaccard(const MinHash& a, const MinHash& b) {
  if (a.shingles == 0 || b.shingles == 0) return 0.0;
  int equal = 0;
  for (int k = 0; k < kMinHashSize; ++k) equal += a.values[k] == b.values[k];
  return static_cast<double>(equal) / kMinHashSize;
}

namespace {
uint64_t BandKey(const MinHash& sig, int band) {
  uint64_t h = Mix(0x243f6a8885a308d3ULL + static_cast<uint64_t>(band));
  for (int r = 0; r < kLshRows; ++r) h = Mix(h ^ sig.values[band * kLshRows + r]);
  return h;
}
}  // namespace

size_t LshIndex::Slot(uint64_t key) const {
  if (key == 0) key = 1;
  const size_t mask = keys_.size() - 1;
  size_t slot = key & mask;  // keys are BandKey hashes: already mixed
  while (keys_[slot] != 0 && keys_[slot] != key) slot = (slot + 1) & mask;
  return slot;
}

void LshIndex::Grow(size_t min_keys) {
  size_t capacity = std::max<size_t>(keys_.size(), 64);
  while (capacity < 2 * min_keys) capacity *= 2;
  if (capacity == keys_.size()) return;
  std::vector<uint64_t> keys = std::move(keys_);
  std::vector<uint32_t> heads = std::move(heads_);
  keys_.assign(capacity, 0);
  heads_.assign(capacity, kNone);
  for (size_t k = 0; k < keys.size(); ++k) {
    if (keys[k] == 0) continue;
    const size_t slot = Slot(keys[k]);
    keys_[slot] = keys[k];
    heads_[slot] = heads[k];
  }
}

void LshIndex::Reserve(size_t signatures) {
  Grow(used_ + signatures * kLshBands);
  entries_.reserve(entries_.size() + signatures * kLshBands);
}

void LshIndex::Add(uint32_t id, const MinHash& sig) {
  if (sig.shingles == 0) return;
  Grow(used_ + kLshBands);
  for (int band = 0; band < kLshBands; ++band) {
    const uint64_t key = BandKey(sig, band);
    const size_t slot = Slot(key);
    if (keys_[slot] == 0) {
      keys_[slot] = key == 0 ? 1 : key;
      ++used_;
    }
    entries_.push_back({id, heads_[slot]});
    heads_[slot] = static_cast<uint32_t>(entries_.size() - 1);
  }
  ++added_;
}

std::vector<uint32_t> LshIndex::Candidates(const MinHash& sig) const {
  std::vector<uint32_t> out;
  if (sig.shingles == 0) return out;
  if (keys_.empty()) return out;
  for (int band = 0; band < kLshBands; ++band) {
    const size_t slot = Slot(BandKey(sig, band));
    if (keys_[slot] == 0) continue;
    for (uint32_t e = heads_[slot]; e != kNone; e = entries_[e].next) out.push_back(entries_[e].id);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace swerl::curate

// FastNormalizer: the single-pass path of Normalizer (normalize.h) for the
// lines that make up nearly all of GH Archive: well-formed 2015+ events of
// the five PR/issue conversation types. It walks each line once with
// simdjson On-Demand, reading only the fields a record carries (skipping the
// rest by the structural index, without building a tree of it), and copies
// string values whose JSON escapes are already the ones JsonWriter writes
// straight from the input. Internal to swerl::gharchive.
//
// Contract: for a line it accepts, it appends exactly the bytes the full
// path (Normalizer's DOM path) would append. Every line it cannot vouch for
// it declines, appending nothing: other types, PushEvent, timeline shapes,
// escaped keys, numbers other than plain integers, trailing data, and any
// parse error (the full path then repairs or reports it). As in the full
// path, the first occurrence of a repeated key is the one that counts.
// What it does not check is the JSON of values the record does not read:
// damage inside such a value (a bad number deep in `_links`) goes unnoticed,
// as in lines of unselected types (Normalizer's --strict mode checks all).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "swerl/gharchive/normalize.h"

namespace swerl::gharchive {

// Not thread-safe (owns an On-Demand parser). Movable, not copyable.
class FastNormalizer {
 public:
  // Whether this CPU runs the fast path's code (Haswell's instruction set:
  // AVX2, BMI, PCLMUL, LZCNT). REQUIRES: true, before constructing one.
  // (Defined in normalize.cc, which is built for any x86-64.)
  static bool Supported();

  explicit FastNormalizer(TypeSet types);
  ~FastNormalizer();
  FastNormalizer(FastNormalizer&&) noexcept;
  FastNormalizer& operator=(FastNormalizer&&) noexcept;

  // REQUIRES: io::kChunkPadding readable bytes after line.data() +
  // line.size(); `line` is not empty. True: one record was appended to
  // *out, and *span says where. False: nothing was appended.
  bool TryNormalize(std::string_view line, std::string* out, RecordSpan* span);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "OWNER/NAME" from "https://api.github.com/repos/OWNER/NAME"; empty when the
// url has another shape. Both paths derive a PR branch's repository so.
std::string_view OwnerNameFromApiUrl(std::string_view url);

}  // namespace swerl::gharchive

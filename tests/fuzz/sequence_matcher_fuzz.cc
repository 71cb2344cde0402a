// Fuzzes SequenceMatcher and the normalized diff. Input: a flag byte, then
// two texts separated by the first 0x00 byte (repaired to UTF-8).
// Invariants: matching blocks are in range, equal, ordered, not adjacent,
// and end with the sentinel; ratio is in [0, 1] and equals 2M/T;
// ratio(a, a) == 1; the diff of a text with itself is empty, and a diff
// is empty exactly when the line lists are equal.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/utf8.h"
#include "swerl/reward/py_text.h"
#include "swerl/reward/sequence_matcher.h"
#include "swerl/reward/unified_diff.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swerl::reward;
  if (size < 1 || size > 8192) return 0;  // quadratic by design; keep runs fast
  const bool autojunk = data[0] & 1;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t cut = std::min(rest.find('\0'), rest.size());
  std::string a_text, b_text;
  swerl::AppendRepairedUtf8(&a_text, rest.substr(0, cut));
  swerl::AppendRepairedUtf8(&b_text, cut < rest.size() ? rest.substr(cut + 1) : "");

  std::vector<uint32_t> a, b;
  AppendCodePoints(a_text, &a);
  AppendCodePoints(b_text, &b);
  const IndexedSequence ib(b, autojunk);
  const std::vector<MatchingBlock> blocks = MatchingBlocks(a, ib);
  Check(!blocks.empty() && blocks.back() == MatchingBlock{a.size(), b.size(), 0});
  size_t matched = 0, ai = 0, bj = 0;
  for (size_t k = 0; k + 1 < blocks.size(); ++k) {
    const MatchingBlock& m = blocks[k];
    Check(m.size > 0 && m.a >= ai && m.b >= bj && m.a + m.size <= a.size() &&
          m.b + m.size <= b.size());
    Check(k == 0 || !(m.a == ai && m.b == bj));
    for (size_t t = 0; t < m.size; ++t) Check(a[m.a + t] == b[m.b + t]);
    ai = m.a + m.size;
    bj = m.b + m.size;
    matched += m.size;
  }
  const double r = Ratio(a, ib);
  Check(r >= 0.0 && r <= 1.0);
  if (!a.empty() || !b.empty()) {
    Check(r == 2.0 * static_cast<double>(matched) / static_cast<double>(a.size() + b.size()));
  }
  Check(Ratio(a, IndexedSequence(a, autojunk)) == 1.0);

  Check(NormalizedDiff(a_text, a_text).empty());
  std::vector<std::string_view> la, lb;
  SplitLines(a_text, &la);
  SplitLines(b_text, &lb);
  Check(NormalizedDiff(a_text, b_text).empty() == (la == lb));
  return 0;
}

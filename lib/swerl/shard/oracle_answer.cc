#include "swerl/shard/oracle_answer.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "swerl/core/lines.h"

namespace swerl::shard {
namespace {

std::string Join(const std::vector<std::string_view>& lines, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) out += lines[i];
  return out;
}

// Whether "\n" + needle occurs in "\n" + hay only at byte `at` of hay
// (overlapping occurrences count: the reward replaces the leftmost).
bool OnlyAt(std::string_view hay, std::string_view needle, size_t at) {
  std::string h(1, '\n'), n(1, '\n');
  h += hay;
  n += needle;
  return h.find(n) == at && h.find(n, at + 1) == std::string::npos;
}

// The block for one file.
std::string Block(const std::string& path, std::string_view before, std::string_view after) {
  const std::vector<std::string_view> a = LinesWithEnds(before), b = LinesWithEnds(after);
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  // The changed lines are a[prefix, a.size() - suffix); widen by context
  // until SEARCH is non-empty and unique.
  size_t lo = prefix, hi_a = a.size() - suffix, hi_b = b.size() - suffix;
  std::string search, replace;
  for (size_t context = 0;; ++context) {
    const size_t up = std::min(context, lo), down = std::min(context, a.size() - hi_a);
    const size_t begin = lo - up;
    search = Join(a, begin, hi_a + down);
    replace = Join(b, begin, hi_b + down);
    // A run whose lines end with '\n' on both sides leaves it out: the line
    // break after the block's SEARCH stands for it. Otherwise (a file end
    // without one, or nothing left) the bytes stay exact.
    // An empty SEARCH would match after every line break: keep it whole.
    if (search.size() > 1 && !replace.empty() && search.back() == '\n' && replace.back() == '\n') {
      search.pop_back();
      replace.pop_back();
    }
    const bool whole = begin == 0 && hi_a + down == a.size();
    size_t at = 0;  // where the run starts in `before`
    for (size_t i = 0; i < begin; ++i) at += a[i].size();
    if (whole || (!search.empty() && OnlyAt(before, search, at))) break;
  }
  std::string block = "```\n### ";
  for (std::string_view part :
       {std::string_view(path), std::string_view("\n<<<<<<< SEARCH\n"), std::string_view(search),
        std::string_view("\n=======\n"), std::string_view(replace),
        std::string_view("\n>>>>>>> REPLACE\n```")}) {
    block += part;
  }
  return block;
}

}  // namespace

std::string OracleAnswer(const SeedFiles& context, const SeedFiles& oracle) {
  std::string blocks;
  for (const auto& [path, after] : oracle) {
    std::string_view before;
    for (const auto& [p, text] : context) {
      if (p == path) before = text;
    }
    if (before == after) continue;
    if (!blocks.empty()) blocks += "\n\n";
    blocks += Block(path, before, after);
  }
  return "<think>\nThe oracle change.\n</think>\n<solution>\n" + blocks + "\n</solution>";
}

}  // namespace swerl::shard

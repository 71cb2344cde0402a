#include "swerl/reward/unified_diff.h"

#include <unordered_map>
#include <vector>

#include "swerl/reward/py_text.h"
#include "swerl/reward/sequence_matcher.h"

namespace swerl::reward {
namespace {

// difflib's _format_range_unified: "start+1" for one line, "start,0" for
// none, else "start+1,length".
void AppendRange(std::string* out, size_t start, size_t stop) {
  const size_t length = stop - start;
  if (length == 1) {
    *out += std::to_string(start + 1);
    return;
  }
  *out += std::to_string(length == 0 ? start : start + 1);
  out->push_back(',');
  *out += std::to_string(length);
}

void AppendLines(std::string* out, char prefix, const std::vector<std::string_view>& lines,
                 size_t from, size_t to) {
  for (size_t k = from; k < to; ++k) {
    out->push_back('\n');
    out->push_back(prefix);
    out->append(lines[k]);
  }
}

}  // namespace

std::string NormalizedDiff(std::string_view old_text, std::string_view new_text, size_t context) {
  return *BoundedNormalizedDiff(old_text, new_text, /*max_work=*/0, context);
}

Result<std::string> BoundedNormalizedDiff(std::string_view old_text, std::string_view new_text,
                                          uint64_t max_work, size_t context, uint64_t* work) {
  if (work) *work = 0;
  std::vector<std::string_view> a, b;
  SplitLines(old_text, &a);
  SplitLines(new_text, &b);
  if (a == b) return "";  // no opcodes but one "equal": no hunk
  // Equal lines get equal ids; nothing else about a line matters.
  std::unordered_map<std::string_view, uint32_t> ids;
  ids.reserve(a.size() + b.size());
  auto intern = [&](const std::vector<std::string_view>& lines) {
    std::vector<uint32_t> out;
    out.reserve(lines.size());
    for (std::string_view line : lines) {
      out.push_back(ids.try_emplace(line, static_cast<uint32_t>(ids.size())).first->second);
    }
    return out;
  };
  const std::vector<uint32_t> a_ids = intern(a);
  const std::vector<uint32_t> b_ids = intern(b);
  const IndexedSequence indexed(b_ids, /*autojunk=*/true);
  if (max_work || work) {
    const uint64_t steps = MatchWork(a_ids, indexed);
    if (work) *work = steps;
    if (max_work && steps > max_work) {
      return Error(Code::kInvalidInput, "diffing the lines needs about " + std::to_string(steps) +
                                            " steps, over the size guard (" +
                                            std::to_string(max_work) + ")");
    }
  }
  const auto groups = GroupedOpcodes(Opcodes(MatchingBlocks(a_ids, indexed)), context);

  std::string out;
  for (const std::vector<Opcode>& group : groups) {
    if (!out.empty()) out.push_back('\n');
    out += "@@ -";
    AppendRange(&out, group.front().i1, group.back().i2);
    out += " +";
    AppendRange(&out, group.front().j1, group.back().j2);
    out += " @@";
    for (const Opcode& op : group) {
      if (op.tag == OpTag::kEqual) {
        AppendLines(&out, ' ', a, op.i1, op.i2);
        continue;
      }
      if (op.tag != OpTag::kInsert) AppendLines(&out, '-', a, op.i1, op.i2);
      if (op.tag != OpTag::kDelete) AppendLines(&out, '+', b, op.j1, op.j2);
    }
  }
  return out;
}

}  // namespace swerl::reward

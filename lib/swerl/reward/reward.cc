#include "swerl/reward/reward.h"

#include <algorithm>

#include "swerl/core/utf8.h"
#include "swerl/reward/py_text.h"
#include "swerl/reward/sequence_matcher.h"
#include "swerl/reward/unified_diff.h"

namespace swerl::reward {

struct Seed::OracleFile {
  std::string path;
  std::string diff;
  IndexedSequence index;  // the diff's code points, without autojunk
  // The size guard's estimate of the oracle's own line diff (MatchWork of
  // its old lines against its new ones), paid when the Seed was built.
  uint64_t line_work = 0;
};

namespace {

// Python decodes with errors="replace"; valid text passes through.
std::string Repaired(std::string text) {
  if (IsValidUtf8(text)) return text;
  std::string out;
  AppendRepairedUtf8(&out, text);
  return out;
}

FileMap Repaired(FileMap files) {
  FileMap out;
  for (auto& [path, text] : files) out.emplace(Repaired(path), Repaired(std::move(text)));
  return out;
}

Score Failure(std::string why) {
  Score s;
  s.error = std::move(why);
  return s;
}

}  // namespace

// Bytes of an oracle answer's block around its SEARCH and REPLACE texts and
// path (the fences, "### ", the markers and newlines: 61), rounded up; and
// of the answer around its blocks, with room for a thought of a few kB.
constexpr uint64_t kBlockOverhead = 64;
constexpr uint64_t kAnswerOverhead = 4096;

Seed::Seed(FileMap context, FileMap oracle) : context_(Repaired(std::move(context))) {
  for (const auto& [path, text] : Repaired(std::move(oracle))) {
    const auto old = context_.find(path);
    const std::string_view old_text = old == context_.end() ? "" : std::string_view(old->second);
    if (old_text != text) {
      // The oracle answer's block for this file: SEARCH is a run of the old
      // text's lines, REPLACE of the new text's; applying it searches the
      // old text once.
      oracle_needs_.max_output_bytes +=
          old_text.size() + text.size() + path.size() + kBlockOverhead;
      oracle_needs_.max_scan_bytes += old_text.size() + 1;
    }
    oracle_needs_.max_file_bytes = std::max(oracle_needs_.max_file_bytes, text.size());
    uint64_t line_work = 0;
    std::string diff = *BoundedNormalizedDiff(old_text, text, /*max_work=*/0, 3, &line_work);
    if (diff.empty()) continue;
    std::vector<uint32_t> cps;
    AppendCodePoints(diff, &cps);
    auto file = std::make_unique<OracleFile>(
        OracleFile{path, std::move(diff), IndexedSequence(cps, /*autojunk=*/false)});
    file->line_work = line_work;
    oracle_.push_back(std::move(file));
  }
  oracle_needs_.max_output_bytes += kAnswerOverhead;
}

RewardLimits Seed::Raised(const RewardLimits& limits) const {
  auto raise = [](auto limit, auto need) -> decltype(limit) {
    return limit == 0 ? 0 : std::max<decltype(limit)>(limit, need);  // 0 stays "no limit"
  };
  RewardLimits out = limits;
  out.max_output_bytes = raise(limits.max_output_bytes, oracle_needs_.max_output_bytes);
  out.max_file_bytes = raise(limits.max_file_bytes, oracle_needs_.max_file_bytes);
  out.max_scan_bytes = raise(limits.max_scan_bytes, oracle_needs_.max_scan_bytes);
  return out;
}

const Seed::OracleFile* Seed::FindOracle(std::string_view path) const {
  const auto it = std::lower_bound(
      oracle_.begin(), oracle_.end(), path,
      [](const std::unique_ptr<OracleFile>& f, std::string_view p) { return f->path < p; });
  return it != oracle_.end() && (*it)->path == path ? it->get() : nullptr;
}

Seed::~Seed() = default;
Seed::Seed(Seed&&) noexcept = default;
Seed& Seed::operator=(Seed&&) noexcept = default;

std::vector<std::pair<std::string, std::string>> Seed::OracleDiffs() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : oracle_) out.emplace_back(f->path, f->diff);
  return out;
}

Score Seed::ScoreOutput(std::string_view output, const RewardLimits& requested) const {
  const RewardLimits limits = Raised(requested);
  if (limits.max_output_bytes && output.size() > limits.max_output_bytes) {
    return Failure("output of " + std::to_string(output.size()) +
                   " bytes exceeds the size guard (" + std::to_string(limits.max_output_bytes) +
                   " bytes)");
  }
  std::string repaired;
  if (!IsValidUtf8(output)) {
    AppendRepairedUtf8(&repaired, output);
    output = repaired;
  }
  auto parts = ExtractThoughtAndAnswer(output);
  if (!parts) return Failure(parts.error().message());
  auto edits = ParseEdits(parts->answer);
  if (!edits) return Failure(edits.error().message());
  auto contents = ApplyEdits(context_, *edits, limits.max_file_bytes, limits.max_scan_bytes);
  if (!contents) return Failure(contents.error().message());
  return Compare(*contents, limits);
}

Score Seed::ScorePrediction(const FileMap& predicted, const RewardLimits& limits) const {
  return Compare(Repaired(predicted), Raised(limits));
}

Score Seed::Compare(const FileMap& new_contents, const RewardLimits& limits) const {
  // Predicted diffs, non-empty only, sorted by path (FileMap order).
  std::vector<std::pair<std::string_view, std::string>> predicted;
  for (const auto& [path, text] : new_contents) {
    const auto old = context_.find(path);
    uint64_t max_work = limits.max_match_work;
    if (const OracleFile* o = FindOracle(path); o && max_work) {
      max_work = std::max(max_work, o->line_work);
    }
    auto diff = BoundedNormalizedDiff(old == context_.end() ? "" : old->second, text, max_work);
    if (!diff) return Failure(diff.error().message() + " for '" + path + "'");
    if (!diff->empty()) predicted.emplace_back(path, std::move(*diff));
  }
  // Walk both sorted lists: the union of paths, in sorted order.
  Score score;
  double sum = 0;
  std::vector<uint32_t> cps;
  auto p = predicted.begin();
  auto o = oracle_.begin();
  while (p != predicted.end() || o != oracle_.end()) {
    const bool take_p = p != predicted.end() && (o == oracle_.end() || p->first <= (*o)->path);
    const bool take_o = o != oracle_.end() && (p == predicted.end() || (*o)->path <= p->first);
    FileSimilarity file{std::string(take_p ? p->first : (*o)->path), 0.0};
    if (take_p && take_o && p->second == (*o)->diff) {
      // ratio() of a sequence with itself: every element matches, 2n / 2n.
      file.similarity = 1.0;
    } else if (take_p && take_o) {  // on one side only: 0.0
      const IndexedSequence& oracle_index = (*o)->index;
      cps.clear();
      AppendCodePoints(p->second, &cps);
      if (limits.max_match_work) {
        if (const uint64_t work = MatchWork(cps, oracle_index); work > limits.max_match_work) {
          return Failure("comparing the diffs of '" + file.path + "' needs about " +
                         std::to_string(work) + " steps, over the size guard (" +
                         std::to_string(limits.max_match_work) + ")");
        }
      }
      file.similarity = Ratio(cps, oracle_index);
    }
    if (take_p) ++p;
    if (take_o) ++o;
    sum += file.similarity;
    score.files.push_back(std::move(file));
  }
  // Python: sum(similarities) / len(similarities); 1.0 when nothing changed
  // on either side.
  score.reward = score.files.empty() ? 1.0 : sum / static_cast<double>(score.files.size());
  return score;
}

Score ComputeReward(const FileMap& context, const FileMap& oracle, std::string_view output,
                    const RewardLimits& limits) {
  return Seed(context, oracle).ScoreOutput(output, limits);
}

}  // namespace swerl::reward

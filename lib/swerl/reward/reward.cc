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

Seed::Seed(FileMap context, FileMap oracle) : context_(Repaired(std::move(context))) {
  for (const auto& [path, text] : Repaired(std::move(oracle))) {
    const auto old = context_.find(path);
    std::string diff = NormalizedDiff(old == context_.end() ? "" : old->second, text);
    if (diff.empty()) continue;
    std::vector<uint32_t> cps;
    AppendCodePoints(diff, &cps);
    oracle_.push_back(std::make_unique<OracleFile>(
        OracleFile{path, std::move(diff), IndexedSequence(cps, /*autojunk=*/false)}));
  }
}

Seed::~Seed() = default;
Seed::Seed(Seed&&) noexcept = default;
Seed& Seed::operator=(Seed&&) noexcept = default;

std::vector<std::pair<std::string, std::string>> Seed::OracleDiffs() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : oracle_) out.emplace_back(f->path, f->diff);
  return out;
}

Score Seed::ScoreOutput(std::string_view output, const RewardLimits& limits) const {
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
  return Compare(Repaired(predicted), limits);
}

Score Seed::Compare(const FileMap& new_contents, const RewardLimits& limits) const {
  // Predicted diffs, non-empty only, sorted by path (FileMap order).
  std::vector<std::pair<std::string_view, std::string>> predicted;
  for (const auto& [path, text] : new_contents) {
    const auto old = context_.find(path);
    auto diff = BoundedNormalizedDiff(old == context_.end() ? "" : old->second, text,
                                      limits.max_match_work);
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
    if (take_p && take_o) {  // on one side only: 0.0
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

#include "swerl/reward/group_scorer.h"

#include <tbb/parallel_for.h>

#include <memory>
#include <utility>

#include "swerl/json/json_writer.h"

namespace swerl::reward {

Result<GroupScores> InProcessScorer::ScoreGroups(std::span<const ScoreGroup> groups) {
  // Preparing a seed diffs the oracle (a few ms for large files): do it
  // once per group, groups in parallel.
  std::vector<std::unique_ptr<Seed>> seeds(groups.size());
  tbb::parallel_for(size_t{0}, groups.size(), [&](size_t g) {
    seeds[g] = std::make_unique<Seed>(groups[g].context, groups[g].oracle);
  });
  // One flat index over every (group, output) pair, so that a group with a
  // slow output does not hold up the pool while other groups wait.
  GroupScores scores(groups.size());
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  for (size_t g = 0; g < groups.size(); ++g) {
    scores[g].resize(groups[g].outputs.size());
    for (size_t k = 0; k < groups[g].outputs.size(); ++k) {
      pairs.emplace_back(static_cast<uint32_t>(g), static_cast<uint32_t>(k));
    }
  }
  tbb::parallel_for(
      size_t{0}, pairs.size(),
      [&](size_t p) {
        const auto [g, k] = pairs[p];
        scores[g][k] = seeds[g]->ScoreOutput(groups[g].outputs[k], limits_);
      },
      tbb::simple_partitioner());  // one output per task: costs vary by orders of magnitude
  return scores;
}

void AppendGroupRequest(const ScoreGroup& group, std::string* out) {
  json::JsonWriter w(out);
  auto files = [&w](const FileMap& map) {
    w.BeginObject();
    for (const auto& [path, text] : map) {
      w.Key(path);
      w.String(text);
    }
    w.EndObject();
  };
  w.BeginObject();
  w.Key("id");
  w.String(group.id);
  w.Key("context");
  files(group.context);
  w.Key("oracle");
  files(group.oracle);
  w.Key("outputs");
  w.BeginArray();
  for (const std::string& text : group.outputs) w.String(text);
  w.EndArray();
  w.EndObject();
  out->push_back('\n');
}

}  // namespace swerl::reward

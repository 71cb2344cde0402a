#include "swerl/curate/dataset_rows.h"

#include "swerl/json/json_writer.h"
#include "swerl/shard/sampling.h"

namespace swerl::curate {

std::string RewardGroundTruth(const shard::Seed& seed) {
  std::string out;
  json::JsonWriter w(&out);
  w.BeginObject();
  for (const auto* files : {&seed.context, &seed.oracle}) {
    w.Key(files == &seed.context ? "context" : "oracle");
    w.BeginObject();
    for (const auto& [path, text] : *files) {
      w.Key(path);
      w.String(text);
    }
    w.EndObject();
  }
  w.EndObject();
  return out;
}

std::string DataSource(std::string_view pattern, const shard::Seed& seed) {
  static constexpr std::string_view kRepo = "{repo}";
  std::string out;
  for (size_t at = 0;;) {
    const size_t hit = pattern.find(kRepo, at);
    out.append(pattern.substr(at, hit - at));
    if (hit == std::string_view::npos) break;
    out += seed.repo;
    at = hit + kRepo.size();
  }
  return out;
}

std::string_view SplitOf(const shard::Seed& seed, double eval_fraction) {
  return shard::IsEvalSeed(seed.instance_id, eval_fraction) ? "eval" : "train";
}

}  // namespace swerl::curate

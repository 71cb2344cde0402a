// What the rows of the datasets other trainers read hold (`swerl export
// --format hf|verl`; schemas/export_hf.md, schemas/export_verl.md), apart
// from how they are stored (dataset_writer.h writes them as Parquet).
#pragma once

#include <string>
#include <string_view>

#include "swerl/shard/seed.h"

namespace swerl::curate {

// verl's `ability` of every row.
inline constexpr std::string_view kVerlAbility = "swe";
// verl's `reward_model.style`: scored by a rule (the SWE-RL reward), not a model.
inline constexpr std::string_view kVerlRewardStyle = "rule";
// SWE-bench's FAIL_TO_PASS and PASS_TO_PASS hold JSON lists as text; swerl
// runs no tests, so both are the empty list.
inline constexpr std::string_view kNoTests = "[]";

// The ground truth the reward needs, as one JSON object:
// {"context": {path: text, ...}, "oracle": {path: text, ...}}, the members
// of the same names of a `swerl reward` request (schemas/records/reward.md)
// in the seed's (path) order. Text that is not UTF-8 is repaired as in the
// seed's NDJSON record (json_writer.h).
std::string RewardGroundTruth(const shard::Seed& seed);

// A seed's verl `data_source`: `pattern` with each "{repo}" replaced by the
// seed's owner/name ("swerl" stays "swerl"; "swerl/{repo}" names the
// repository, so verl reports validation scores per repository).
std::string DataSource(std::string_view pattern, const shard::Seed& seed);

// "eval" when the trainer holds the seed out at `eval_fraction`
// (shard::IsEvalSeed), else "train".
std::string_view SplitOf(const shard::Seed& seed, double eval_fraction);

}  // namespace swerl::curate

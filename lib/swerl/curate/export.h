// The last curation step (`swerl export`): a store's seeds, with their
// prompts rendered (SPEC §4) and their oracle answers checked against the
// reward, handed to a sink (the shard writer, or NDJSON).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/curate/seed_source.h"
#include "swerl/db/sqlite.h"
#include "swerl/shard/seed.h"

namespace swerl::curate {

// The prompt of `seed`, rendered from its problem statement and context.
std::string RenderedPrompt(const shard::Seed& seed);

// The oracle self-check: "" when the seed's oracle answer (oracle_answer.h)
// scores exactly 1.0 against its own context and oracle, else why not
// ("no oracle": no changed code file has contents; "scores X: ...").
std::string CheckSeed(const shard::Seed& seed);

// The record checks of `swerl check` beyond the oracle self-check: every
// path a seed carries (context, oracle, changed files and their old paths,
// relevant files) passes shard::ValidateSeedPath; no path occurs twice in
// the context, the oracle or the changed files (paths are in canonical form,
// so that is "no duplicate after normalisation"); instance_id is
// InstanceId(repo, pull_number); base_commit is a lowercase git object id. Returns one
// line per problem, naming the field and path; empty when all hold.
std::vector<std::string> CheckSeedRecord(const shard::Seed& seed);

struct ExportResult {
  uint64_t instances = 0;  // seeds read from the store
  uint64_t exported = 0;   // handed to the sink
  // Seeds not exported, by reason: "no_oracle", "inexpressible",
  // "no_swebench_patch" (query.swebench_patches: a python preimage is not
  // stored).
  std::map<std::string, uint64_t> dropped;
};

// Reads the seeds `query` selects, renders each prompt, runs CheckSeed and
// hands those that pass to `sink`, in (repo_id, number) order. Errors: the
// source's (seed_source.h) and the sink's.
Result<ExportResult> ExportSeeds(db::Db* db, const SeedQuery& query,
                                 const std::function<Status(const shard::Seed&)>& sink);

}  // namespace swerl::curate

// Seeds from the store: builds a shard::Seed for every assembled instance
// from instances, instance_files, blobs, prs, issue_links, issues and
// relevant_files (schemas/store.md). What `swerl export` and
// `swerl filter --db` read.
#pragma once

#include <functional>
#include <string>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"
#include "swerl/shard/seed.h"
#include "swerl/store/repo_shard.h"

namespace swerl::curate {

struct SeedQuery {
  // An SQL condition on the view prs (columns repo_id, repo, number, ...),
  // inserted verbatim; "" selects all.
  std::string where;
  // Only the instances of this shard's repositories (store/repo_shard.h).
  store::RepoShard shard;
  // Only instances whose filter_decisions row says kept.
  bool kept_only = false;
  // Fill context and oracle from blobs (false: leave them empty; faster
  // when only metadata and patches are needed).
  bool contents = true;
  // The relevant files of this source ("bm25" or "llm") go into context;
  // "" takes llm when the instance has it, else bm25.
  std::string relevant_source;
  // patch and test_patch in SWE-bench's form (git/swebench_patch.h) instead
  // of the store's code/test split; an instance whose python preimage is not
  // stored fails with kUnsupported.
  bool swebench_patches = false;
};

// Calls fn with each assembled instance's seed, in (repo_id, number) order;
// stops at fn's first error and returns it. prompt is left "" (see
// prompt/). An instance that cannot be expressed (see swebench_patches) is
// passed to `skipped` with the reason, when given, instead of failing the
// pass. Errors: kInvalidInput (bad where), kCorrupt (a blob the
// instance names is missing or does not decompress), database failures.
Status ForEachSeed(db::Db* db, const SeedQuery& query,
                   const std::function<Status(shard::Seed&)>& fn,
                   const std::function<void(const shard::Seed&, const Error&)>& skipped = {});

}  // namespace swerl::curate

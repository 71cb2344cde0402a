// `swerl license`: each repository's licence, from its LICENSE/COPYING files
// at the merge base of its latest assembled instance (license.h), stored in
// repo_licenses (schemas/store.md) for seeds to carry.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"

namespace swerl::curate {

struct LicenseRunCounts {
  uint64_t repositories = 0;             // with an assembled instance
  uint64_t missing = 0;                  // no mirror or commit: not decided
  std::map<std::string, uint64_t> spdx;  // decided: SPDX id, "unknown" or "none" -> repositories
};

// Decides and stores (INSERT OR REPLACE) the licence of every repository
// with an assembled instance whose mirror under repos_dir holds that
// instance's merge base. Errors: database failures.
Result<LicenseRunCounts> IdentifyRepoLicenses(db::Db* db, const std::filesystem::path& repos_dir,
                                              const std::string& decided_at);

}  // namespace swerl::curate

// `swerl link`: finds the issue references of every pull request in the
// store (lib/swerl/link/issue_refs.h) and records them in issue_links,
// resolved to repository ids through repo_names where the repository is
// known. Recomputed per pull request, so reruns are idempotent.
#pragma once

#include <cstdint>

#include "swerl/core/result.h"
#include "swerl/db/sqlite.h"
#include "swerl/link/issue_refs.h"

namespace swerl::store {

struct LinkCounts {
  uint64_t pull_requests = 0;  // scanned
  uint64_t references = 0;     // rows written
  uint64_t closing = 0;        // of which after a closing keyword
  uint64_t resolved = 0;       // of which with a known target repository id
};

// Scans the title, body and commit messages (instance_commits, written by
// swerl assemble; none before it ran) of every pull request (kSwerl: each
// part on its own, sources 'title', 'body', 'commit'; kSweBench: SWE-bench's
// joined text, source 'text') and replaces its issue_links rows, all in one
// transaction. A reference found in several places keeps one row: closing
// if any occurrence closes, with the source of the first closing one (else
// of the first one) in the order title, body, commits oldest first.
Result<LinkCounts> LinkPullRequests(db::Db* db, link::RefRule rule);

}  // namespace swerl::store

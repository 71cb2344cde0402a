// Leaked fixes in problem statements: what gives the answer away before a
// model sees it. StripLeaks removes references to the fixing pull request
// and its commits from a statement (recording each removal); LeakScore
// measures how much of the patch the statement already contains, for the
// filter's leaked_fix rule (data/filters/README.md, "Leaked fixes").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/shard/seed.h"

namespace swerl::curate {

// What identifies the fix: the pull request and its commits.
struct FixIdentity {
  std::string repo;  // owner/name of the pull request
  int64_t pull_number = 0;
  std::vector<std::string> commits;  // full lowercase SHAs: the PR's commits, its head, its merge
};

// Removes from `statement`, in this order:
//  - "fix_trailer": a whole line that names the fix (any reference below)
//    together with a word saying it fixed, closed or resolved something
//    ("Fixed in #42.", "Closed via abc1234", "This is resolved by
//    https://github.com/o/n/pull/42") — added after the fix, it is the answer;
//  - "pr_link": a URL of the pull request (github.com/OWNER/NAME/pull/N and
//    anything under it), case-insensitive owner and name;
//  - "commit_link": a github.com/OWNER/NAME/commit/SHA URL whose SHA is a
//    prefix (>= 7 hex digits) of one of the fix's commits;
//  - "pr_ref": "#N", "OWNER/NAME#N", "GH-N", "PR N", "PR #N", "pull request
//    #N" for the pull request's own number (other numbers stay);
//  - "commit_sha": a hex word of 7 to 40 digits that is a prefix of one of
//    the fix's commits.
// Each removal is recorded with its kind and the text removed, in text
// order. A reference inside a line is cut out with the spaces before it;
// removing a line removes its newline. References to other pull requests,
// issues and commits stay.
struct StripResult {
  std::string text;
  std::vector<shard::SeedStrip> stripped;
};
StripResult StripLeaks(std::string_view statement, const FixIdentity& fix);

// The share of the patch's added-line shingles (5-token, minhash.h's
// kStatement normalisation over the text of its '+' lines) that occur in the
// statement: 1.0 when the statement quotes every added line. 0 when the
// added lines hold fewer than `min_shingles` shingles (too small to tell a
// leak from an issue that names the one-line fix it wants).
double LeakScore(std::string_view statement, std::string_view patch, uint32_t min_shingles);

}  // namespace swerl::curate

// SWE-bench-compatible patches (SPEC §3.7): the form in which SWE-bench Lite
// and Verified ship `patch` and `test_patch`, rebuilt from swerl's stored
// `git diff -M --full-index` patch of an instance.
//
// Three differences from the stored patch, and nothing else:
//   1. the `index <old>..<new> <mode>` header lines are removed;
//   2. hunks of `*.py` files (by the preimage path, as git looks up the
//      diff attribute) carry git's built-in python function context,
//      ^[ \t]*((class|(async[ \t]+)?def)[ \t].*)$ , found in the preimage
//      exactly as git's xdiff does (nearest match above the hunk; cut to 80
//      bytes, then trailing blanks trimmed); other files keep git's default;
//   3. each file goes where SWE-bench's original split put it: the
//      `diff --git` line, lower-cased and split on ' ', '_', '/' and '.',
//      holding the word test, tests or testing -> test_patch; otherwise the
//      file goes to patch only when the line ends in ".py", and is dropped
//      when it does not (changelogs, docs, data files).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::git {

// The preimage of one file section of a patch, in section order.
struct PatchPreimage {
  std::string path;                // the old path ("" when added)
  std::optional<std::string> text;  // its contents; nullopt when not stored
};

struct SwebenchPatch {
  std::string patch;
  std::string test_patch;
  std::vector<std::string> dropped;  // the `diff --git` lines of dropped files
};

// The git hunk-header function context of old-file line `line` (1-based:
// git searches from the line before a hunk's first preimage line upwards)
// under the python pattern; "" when no line above matches.
std::string PythonFuncContext(std::string_view text, long line);

// Rewrites `patch` (one `diff --git` section per entry of `preimages`).
// Errors (kInvalidInput): the section count differs from preimages.size();
// a hunk header does not parse; a `*.py` preimage with hunks is not stored.
Result<SwebenchPatch> ToSwebenchPatch(std::string_view patch,
                                      const std::vector<PatchPreimage>& preimages);

}  // namespace swerl::git

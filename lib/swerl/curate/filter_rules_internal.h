// Internals of filter_rules.cc exposed for tests: the unified-diff parser
// behind the hunk rules and the dedup hash, and the per-hunk noise test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/curate/filter_rules.h"

namespace swerl::curate::internal {

struct DiffHunk {
  std::string_view header;              // "@@ -a,b +c,d @@ context", no '\n'
  std::vector<std::string_view> lines;  // with their prefix (' ', '+', '-', '\\'), no '\n'
  int64_t added = 0;
  int64_t deleted = 0;
};

// One file's section of a patch.
struct DiffFile {
  std::string old_path;  // without "a/"; "" when added (/dev/null)
  std::string new_path;  // without "b/"; "" when deleted
  bool binary = false;   // "Binary files ... differ" or "GIT binary patch"
  std::vector<std::string_view> header_lines;  // from "diff --git" to the first hunk
  std::vector<DiffHunk> hunks;
  // The new path, or the old one for a deletion.
  const std::string& path() const { return new_path.empty() ? old_path : new_path; }
};

// Splits a unified diff (git's format, or plain "--- / +++" sections) into
// files and hunks. Never fails: text before the first section is ignored, a
// hunk cut short ends where its lines stop, a hunk header whose ranges do
// not parse takes the prefixed lines that follow. Paths are unquoted (git's
// C-style quoting). The views point into `patch`, which must outlive them.
std::vector<DiffFile> ParseUnifiedDiff(std::string_view patch);

// SHA-256 hex of patch and test_patch with `index ` header lines removed
// and each hunk header's ranges dropped ("@@ -3,7 +3,8 @@ def f" becomes
// "@@ def f"), so copies of one change made at other line numbers or from
// other blobs (forks, cherry-picks) hash alike.
std::string NormalizedPatchHash(std::string_view patch, std::string_view test_patch);

enum class NoiseKind : uint8_t { kNone, kGenerated, kDocs, kVersion, kWhitespace };
std::string_view NoiseKindName(NoiseKind kind);  // "generated", "docs", "version", "whitespace"

// Why hunk `hunk` of `file` is noise under `rules` (first that applies, in
// the order of NoiseKind), or kNone. `vendored_by_content`: the seed's
// files[] marks the file skip "vendored".
NoiseKind ClassifyHunk(const FilterRules& rules, const DiffFile& file, const DiffHunk& hunk,
                       bool vendored_by_content);

// Whether a changed line pair differs only in version numbers: both equal
// once every version token ("1.2", "v2.0.1", "3.4.5rc1", "1.2.3-beta.1":
// digits, at least one ".digits", then letters, digits and . - + joined) is
// replaced by a placeholder, and both hold one.
bool VersionOnlyChange(std::string_view removed, std::string_view added);

// Whether `text` matches `keyword` under the bugfix_keywords rule (text
// lowercased by the caller).
bool KeywordMatches(std::string_view lower_text, std::string_view keyword);

}  // namespace swerl::curate::internal

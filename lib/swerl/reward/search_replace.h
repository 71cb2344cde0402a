// The SWE-RL output format (SPEC §4, §5 steps 1-3): the <think>/<solution>
// tags, the SEARCH/REPLACE blocks inside the solution, and applying them to
// the original files. Each failure is a format error: the reward is -1.0
// and the Error (kInvalidInput) says why.
//
// The model output is untrusted data. Paths are map keys only: nothing here
// touches the filesystem. Inputs must be valid UTF-8 (see reward.h); all
// matching is done on UTF-8 bytes, which gives the same captures as Python's
// code-point regex because every boundary is an ASCII character.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::reward {

// path -> file text.
using FileMap = std::map<std::string, std::string, std::less<>>;

struct ThoughtAndAnswer {
  std::string_view thought;  // stripped, never empty
  std::string_view answer;   // stripped
};

// Step 1. Each of <think>, </think>, <solution>, </solution> must occur
// exactly once (non-overlapping count). thought = the text after <think> up
// to the first </think> after it (or the end); answer likewise for
// <solution>; both str.strip()ped. Tag order is not checked. Errors: a tag
// count other than 1, or an empty thought. The views point into `output`.
Result<ThoughtAndAnswer> ExtractThoughtAndAnswer(std::string_view output);

struct Edit {
  std::string_view search;
  std::string_view replace;
};
struct FileEdits {
  std::string_view path;
  std::vector<Edit> edits;  // in order of appearance, duplicates kept
};

// Step 2. Every non-overlapping leftmost match, in order, of the Python regex
//   ```.*?\n### (.*)\n<<<<<<< SEARCH\n([\s\S]*?)\n=======\n([\s\S]*?)\n>>>>>>> REPLACE\n```
// ('.' = anything but LF), grouped by path in first-appearance order. The
// path is the rest of its line, untrimmed. Matched by hand, in time linear
// in the answer's length (the backtracking choices of this pattern collapse
// to "next occurrence of a literal"). Error: no block at all.
Result<std::vector<FileEdits>> ParseEdits(std::string_view answer);

// Step 3. Per path: content = "\n" + context[path] ("" when absent); each
// edit, in order, must have search != replace and "\n" + search present in
// content, and replaces all non-overlapping occurrences (left to right) of
// "\n" + search with "\n" + replace; the result drops the leading "\n".
// Errors: identical search and replace, a search not found; and the size
// guard (0 = no limit): a result longer than max_file_bytes (an empty
// SEARCH inserts REPLACE after every line), or more than max_scan_bytes of
// file text searched in all (thousands of edits of one large file).
Result<FileMap> ApplyEdits(const FileMap& context, const std::vector<FileEdits>& edits,
                           size_t max_file_bytes = 0, uint64_t max_scan_bytes = 0);

}  // namespace swerl::reward

// The file sections of a git patch (`git diff` output).
#pragma once

#include <string_view>
#include <vector>

namespace swerl::git {

// One view per "diff --git " header line, from it up to the next one (or
// the end), in order; text before the first header belongs to the first
// section. Empty for "".
std::vector<std::string_view> PatchSections(std::string_view patch);

}  // namespace swerl::git

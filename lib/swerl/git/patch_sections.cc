#include "swerl/git/patch_sections.h"

namespace swerl::git {

std::vector<std::string_view> PatchSections(std::string_view patch) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < patch.size()) {
    size_t next = patch.find("\ndiff --git ", start);
    next = next == std::string_view::npos ? patch.size() : next + 1;
    out.push_back(patch.substr(start, next - start));
    start = next;
  }
  return out;
}

}  // namespace swerl::git

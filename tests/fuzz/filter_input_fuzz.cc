// Fuzzes the parsers of `swerl filter` and `swerl relevant` that read text
// from outside: the rules file (TOML), the unified-diff parser of the hunk
// rules, and the model-answer path parser. Invariants: no crash; every path
// taken from a model answer is a safe relative path.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "swerl/curate/filter_rules.h"
#include "swerl/curate/filter_rules_internal.h"
#include "swerl/curate/relevant.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swerl::curate;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ParseFilterRules(text, "fuzz.toml");
  (void)internal::ParseUnifiedDiff(text);
  (void)internal::NormalizedPatchHash(text, text);
  for (const std::string& path : ParseModelPaths(text)) {
    Check(!path.empty() && path[0] != '/' && path.find('\0') == std::string::npos);
    Check(path != ".." && path.find("../") != 0 && path.find("/../") == std::string::npos &&
          (path.size() < 3 || path.compare(path.size() - 3, 3, "/..") != 0));
  }
  return 0;
}

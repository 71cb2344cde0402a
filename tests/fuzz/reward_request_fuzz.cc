// Fuzzes RequestScorer (the `swerl reward` line parser) on arbitrary bytes
// as one line. Invariants: no crash; on success exactly one line of output
// ending in '\n', with no other newline; on error nothing is appended.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "swerl/reward/request.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swerl::reward;
  static RequestScorer* scorer = [] {
    RewardLimits limits;
    limits.max_match_work = 50'000'000;
    return new RequestScorer(limits);
  }();
  std::string line(reinterpret_cast<const char*>(data), size);
  line.append(kRequestPadding, '\0');
  std::string out = "keep";
  auto counts = scorer->Score(std::string_view(line.data(), size), &out);
  if (!counts) {
    // The invalid request's result line, and only it.
    Check(out.rfind("keep{\"id\":", 0) == 0 && out.back() == '\n' &&
          out.find('\n') == out.size() - 1 && out.find("\"reward\":null") != std::string::npos);
    return 0;
  }
  Check(out.size() > 4 && out.back() == '\n' && out.find('\n') == out.size() - 1);
  Check(counts->failed <= counts->scores);
  return 0;
}

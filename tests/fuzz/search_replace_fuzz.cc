// Fuzzes the model-output side of the reward: tag extraction, the
// SEARCH/REPLACE block parser and edit application, and the whole reward
// against a small fixed seed. Input: arbitrary bytes as the model output.
// Invariants: no crash; every parsed path, SEARCH and REPLACE lies inside
// the answer; the reward is -1.0 with a reason, or in [0, 1] with one file
// entry per path of the union, in sorted order, each similarity in [0, 1].
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "swerl/core/utf8.h"
#include "swerl/reward/reward.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

bool Inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swerl::reward;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::string output;
  swerl::AppendRepairedUtf8(&output, raw);

  if (auto parts = ExtractThoughtAndAnswer(output)) {
    Check(!parts->thought.empty());
    if (auto edits = ParseEdits(parts->answer)) {
      Check(!edits->empty());
      for (const FileEdits& f : *edits) {
        Check(Inside(f.path, parts->answer) && f.path.find('\n') == std::string_view::npos);
        for (const Edit& e : f.edits)
          Check(Inside(e.search, parts->answer) && Inside(e.replace, parts->answer));
      }
    }
  }

  static const Seed* seed = new Seed({{"a.py", "x = 1\ny = x+1\nprint(y)\n"}, {"b.py", ""}},
                                     {{"a.py", "x = 1\ny = x + 1\nprint(y)\n"}});
  RewardLimits limits;
  limits.max_file_bytes = 1 << 20;
  const Score s = seed->ScoreOutput(output, limits);
  if (s.reward == -1.0) {
    Check(!s.error.empty() && s.files.empty());
  } else {
    Check(s.error.empty() && s.reward >= 0.0 && s.reward <= 1.0);
    for (size_t k = 0; k < s.files.size(); ++k) {
      Check(s.files[k].similarity >= 0.0 && s.files[k].similarity <= 1.0);
      if (k) Check(s.files[k - 1].path < s.files[k].path);
    }
  }
  return 0;
}

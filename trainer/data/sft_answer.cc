#include "trainer/data/sft_answer.h"

#include "swerl/shard/oracle_answer.h"

namespace swerl::train {

std::string SftAnswer(const shard::Seed& seed) {
  std::string answer = shard::OracleAnswer(seed.context, seed.oracle);
  // OracleAnswer's thought is a placeholder; name the edited files instead.
  const std::string solution = answer.substr(answer.find("</think>"));
  std::string files;
  for (const auto& [path, after] : seed.oracle) {
    std::string_view before;
    for (const auto& [p, text] : seed.context) {
      if (p == path) before = text;
    }
    if (before == after) continue;
    files += (files.empty() ? "" : ", ") + path;
  }
  return "<think>\nThe issue is fixed by editing " + (files.empty() ? "no file" : files) + ".\n" +
         solution;
}

}  // namespace swerl::train

#include "swerl/curate/export.h"

#include "swerl/prompt/prompt.h"
#include "swerl/reward/reward.h"
#include "swerl/shard/oracle_answer.h"

namespace swerl::curate {

std::string RenderedPrompt(const shard::Seed& seed) {
  return prompt::RenderRepairPrompt(seed.problem_statement, seed.context);
}

std::string CheckSeed(const shard::Seed& seed) {
  reward::FileMap context(seed.context.begin(), seed.context.end());
  reward::FileMap oracle(seed.oracle.begin(), seed.oracle.end());
  const reward::Seed scorer(std::move(context), std::move(oracle));
  if (scorer.OracleDiffs().empty()) return "no oracle";
  const reward::Score score = scorer.ScoreOutput(shard::OracleAnswer(seed.context, seed.oracle));
  if (score.reward == 1.0) return "";
  std::string why = "scores " + std::to_string(score.reward);
  if (!score.error.empty()) why += ": " + score.error;
  for (const reward::FileSimilarity& f : score.files) {
    if (f.similarity != 1.0) why += "; " + f.path + " " + std::to_string(f.similarity);
  }
  return why;
}

Result<ExportResult> ExportSeeds(db::Db* db, const SeedQuery& query,
                                 const std::function<Status(const shard::Seed&)>& sink) {
  ExportResult result;
  SWERL_RETURN_IF_ERROR(ForEachSeed(
      db, query,
      [&](shard::Seed& seed) -> Status {
        ++result.instances;
        const std::string why = CheckSeed(seed);
        if (!why.empty()) {
          ++result.dropped[why == "no oracle" ? "no_oracle" : "inexpressible"];
          return OkStatus();
        }
        seed.prompt = RenderedPrompt(seed);
        SWERL_RETURN_IF_ERROR(sink(seed));
        ++result.exported;
        return OkStatus();
      },
      [&](const shard::Seed&, const Error&) {
        ++result.instances;
        ++result.dropped["no_swebench_patch"];
      }));
  return result;
}

}  // namespace swerl::curate

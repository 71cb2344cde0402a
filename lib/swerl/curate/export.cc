#include "swerl/curate/export.h"

#include <algorithm>

#include "swerl/curate/controls.h"
#include "swerl/prompt/prompt.h"
#include "swerl/reward/reward.h"
#include "swerl/shard/oracle_answer.h"
#include "swerl/shard/shard.h"

namespace swerl::curate {

std::string RenderedPrompt(const shard::Seed& seed) {
  return prompt::RenderRepairPrompt(seed.problem_statement, seed.context);
}

std::vector<std::string> CheckSeedRecord(const shard::Seed& seed) {
  std::vector<std::string> problems;
  auto check_path = [&](std::string_view field, std::string_view path) {
    if (Status st = shard::ValidateSeedPath(path); !st) {
      problems.push_back(std::string(field) + " '" + std::string(path) +
                         "': " + st.error().message());
    }
  };
  auto check_unique = [&](std::string_view field, std::vector<std::string_view> paths) {
    std::sort(paths.begin(), paths.end());
    for (size_t k = 1; k < paths.size(); ++k) {
      if (paths[k] == paths[k - 1] && (k < 2 || paths[k] != paths[k - 2])) {
        problems.push_back(std::string(field) + " '" + std::string(paths[k]) +
                           "' occurs more than once");
      }
    }
  };
  for (const auto* files : {&seed.context, &seed.oracle}) {
    const std::string_view field = files == &seed.context ? "context file" : "oracle file";
    std::vector<std::string_view> paths;
    for (const auto& [path, text] : *files) {
      check_path(field, path);
      paths.push_back(path);
    }
    check_unique(field, std::move(paths));
  }
  std::vector<std::string_view> changed;
  for (const shard::SeedFile& f : seed.files) {
    check_path("changed file", f.path);
    if (!f.old_path.empty()) check_path("changed file's old path", f.old_path);
    changed.push_back(f.path);
  }
  check_unique("changed file", std::move(changed));
  for (const std::string& path : seed.relevant_files) check_path("relevant file", path);
  if (seed.instance_id != shard::InstanceId(seed.repo, seed.pull_number)) {
    problems.push_back("instance_id '" + seed.instance_id + "' is not the one of " + seed.repo +
                       "#" + std::to_string(seed.pull_number));
  }
  // SHA-1 or SHA-256 object ids, lowercase.
  const bool hex = (seed.base_commit.size() == 40 || seed.base_commit.size() == 64) &&
                   seed.base_commit.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!hex) problems.push_back("base_commit '" + seed.base_commit + "' is not a commit id");
  return problems;
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
        seed.controls.clear();
        for (const ControlScore& c : ScoreControls(seed).scores) {
          if (c.score) seed.controls.emplace_back(c.name, *c.score);
        }
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

// The SWE-RL reward (SPEC §5), bit-exact with R's
// calculate_search_replace_reward: a model output is parsed into
// SEARCH/REPLACE edits, applied to the original files, and each changed
// file's normalized diff is compared with the oracle's diff of that file by
// difflib's ratio; the reward is the mean over the union of changed paths,
// or -1.0 on any format error.
//
// A Seed prepares the oracle side once (its diffs, indexed for matching),
// so scoring the many rollouts of one GRPO group does that work once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/reward/search_replace.h"

namespace swerl::reward {

// The size guard (the one deliberate deviation from the reference, which
// has none): inputs past a limit score -1.0 with an error saying which
// limit, instead of taking minutes or exhausting memory. 0 disables a
// limit; Unlimited() disables all (use it when comparing with the
// reference). The defaults are far above what real rollouts produce.
//
// The guard never refuses what the seed's own oracle needs: a Seed raises
// each limit to what its oracle change written as an answer takes
// (shard/oracle_answer.h: the answer's size, its largest file, the text
// its edits search, and per changed file the line diff the Seed already
// computed), and a file whose diff equals the oracle's scores 1.0 without
// matching (ratio() of a sequence with itself). So an output equal to the
// oracle answer always scores 1.0, and one no larger than it is scored
// unless comparing a file's diff that differs from the oracle's would take
// more than max_match_work (that comparison is quadratic, and the oracle
// itself never needs it).
struct RewardLimits {
  // Model outputs longer than this are not parsed.
  size_t max_output_bytes = 8u << 20;
  // A file after the edits may not exceed this (an empty SEARCH inserts its
  // REPLACE after every line).
  size_t max_file_bytes = 64u << 20;
  // Bytes of file text searched while applying all edits of one output.
  uint64_t max_scan_bytes = 4'000'000'000;
  // Work estimate (MatchWork in sequence_matcher.h) of one matching: the
  // line diff of a predicted file against its original, and the code-point
  // comparison of a predicted diff with the oracle's. About 1e9 steps per
  // second on one core.
  uint64_t max_match_work = 4'000'000'000;

  static RewardLimits Unlimited() { return {0, 0, 0, 0}; }
};

struct FileSimilarity {
  std::string path;
  double similarity = 0;
};

struct Score {
  double reward = -1.0;
  std::string error;  // empty unless reward is -1.0 (format error or guard)
  // Every path of the union, in sorted (code point) order; empty on error.
  std::vector<FileSimilarity> files;
};

// Immutable after construction: score from any number of threads at once.
class Seed {
 public:
  // context: path -> original text (the files shown to the model, modified
  // ones included); oracle: path -> text after the real change. Texts that
  // are not valid UTF-8 are repaired as Python's decode(errors="replace").
  Seed(FileMap context, FileMap oracle);
  ~Seed();
  Seed(Seed&&) noexcept;
  Seed& operator=(Seed&&) noexcept;

  // The reward of a model output (the text after the prompt).
  Score ScoreOutput(std::string_view output, const RewardLimits& limits = {}) const;

  // The general form: the reward of predicted new contents of files (no
  // SEARCH/REPLACE parsing); never a format error.
  Score ScorePrediction(const FileMap& predicted, const RewardLimits& limits = {}) const;

  const FileMap& context() const { return context_; }
  // path -> the oracle's normalized diff, for changed paths only.
  std::vector<std::pair<std::string, std::string>> OracleDiffs() const;

 private:
  struct OracleFile;
  Score Compare(const FileMap& new_contents, const RewardLimits& limits) const;
  // `limits` with each enabled limit raised to what the oracle needs.
  RewardLimits Raised(const RewardLimits& limits) const;
  const OracleFile* FindOracle(std::string_view path) const;

  FileMap context_;
  std::vector<std::unique_ptr<OracleFile>> oracle_;  // sorted by path, non-empty diffs
  // What the oracle answer needs of the guard's whole-output limits (its
  // max_match_work needs are per file, in OracleFile).
  RewardLimits oracle_needs_{0, 0, 0, 0};
};

// One-shot convenience: Seed(context, oracle).ScoreOutput(output, limits).
Score ComputeReward(const FileMap& context, const FileMap& oracle, std::string_view output,
                    const RewardLimits& limits = {});

}  // namespace swerl::reward

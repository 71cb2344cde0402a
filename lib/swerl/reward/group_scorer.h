// GroupScorer: scores one GRPO step's groups. A group is one seed's files
// and the G outputs sampled for it; each output gets a reward::Score
// (reward, format-error reason, per-file similarity). Two implementations:
// InProcessScorer (reward::Seed, the SWE-RL reward, outputs scored in
// parallel) and CommandScorer (command_scorer.h: a child process speaking
// `swerl reward`'s line protocol, for rewards users bring).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/reward/reward.h"

namespace swerl::reward {

// One group of a step. A value type: the caller usually moves the seed's
// files in (copying them costs far less than sampling the outputs).
struct ScoreGroup {
  // Names the group in the request line and in errors; a command scorer's
  // answer must echo it. Unique within one call (e.g. "<step>:<seed_id>").
  std::string id;
  FileMap context;                   // path -> original text of every file shown to the model
  FileMap oracle;                    // path -> text after the real change
  std::vector<std::string> outputs;  // the G decoded completions
};

// scores[g][k] is the score of groups[g].outputs[k].
using GroupScores = std::vector<std::vector<Score>>;

// Thread-safety: see each implementation.
class GroupScorer {
 public:
  virtual ~GroupScorer() = default;

  // Scores every output of every group. Either all outputs get a score or
  // the call fails: a scorer never makes up a reward for an output it
  // could not score. Errors: the implementation's (a command scorer's child
  // that hangs, dies or answers wrongly: kExternal, kCorrupt).
  virtual Result<GroupScores> ScoreGroups(std::span<const ScoreGroup> groups) = 0;

  // For messages and the run's config table: "in-process SWE-RL reward" or
  // "command 'CMD'".
  virtual std::string Describe() const = 0;
};

// The SWE-RL reward in this process: one reward::Seed per group (the
// oracle's diffs prepared once), then every (group, output) pair scored in
// parallel with oneTBB. Never fails. Thread-safe (stateless apart from the
// limits).
class InProcessScorer final : public GroupScorer {
 public:
  explicit InProcessScorer(RewardLimits limits = {}) : limits_(limits) {}

  Result<GroupScores> ScoreGroups(std::span<const ScoreGroup> groups) override;
  std::string Describe() const override { return "in-process SWE-RL reward"; }

 private:
  RewardLimits limits_;
};

// Appends the request line (with '\n') for `group` to *out, in the shape
// `swerl reward` reads (schemas/records/reward.md): {"id": ID, "context":
// {...}, "oracle": {...}, "outputs": [...]}, ID a JSON string. Invalid
// UTF-8 is repaired (U+FFFD), as `swerl reward` would repair it.
void AppendGroupRequest(const ScoreGroup& group, std::string* out);

}  // namespace swerl::reward

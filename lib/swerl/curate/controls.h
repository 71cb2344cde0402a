// Degenerate-reward controls: answers that must score clearly lower than a
// seed's oracle answer (which scores exactly 1.0). A seed whose reward a
// trivial or misplaced answer can earn teaches the policy nothing, or the
// wrong thing. Used by `swerl check` (reports), `swerl filter` (rule
// degenerate_reward) and `swerl export` (scores recorded in each seed's
// record, field "controls"). Thresholds: data/filters/README.md,
// "Degenerate rewards".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "swerl/shard/seed.h"

namespace swerl::curate {

// The highest score a control may reach; a seed where one scores more
// fails. 0.5: halfway between the reward of doing nothing (0) and the
// oracle (1.0). The no-op control gets its own, kMaxNoopScore: the SWE-RL
// reward compares diffs with their context lines, so a whitespace edit at
// the fix site shares most of the oracle diff and scores 0.58-0.92 on the
// demo's ordinary seeds; 0.95 flags the seeds where the reward can hardly
// tell doing nothing from the fix (a one-character change among long
// lines).
inline constexpr double kMaxControlScore = 0.5;
inline constexpr double kMaxNoopScore = 0.95;

// The controls, in this order:
//  "empty":      an empty <solution>;
//  "noop":       a blank line inserted before the first changed line of the
//                first changed file (an edit that does nothing, at the
//                right place, sharing the oracle diff's context lines);
//  "other_file": a blank line inserted into a context file the change does
//                not touch (n/a when the context holds none);
//  "wrong_file": the oracle's block for the first changed file that exists
//                in the context, alone, aimed at another context file (n/a
//                when there is no such file or no other one). Alone: with
//                the other files' blocks kept, a change of n files would
//                score about (n-1)/n and flag good seeds.
struct ControlScore {
  std::string name;
  std::optional<double> score;  // nullopt: not applicable to this seed
};

struct ControlReport {
  std::vector<ControlScore> scores;  // the four controls, in order
  // "" when every applicable control scores at most the threshold; else
  // which did not ("noop scores 0.83 > 0.50").
  std::string failure;
};

// Scores the controls of `seed` (context and oracle needed) with the SWE-RL
// reward. A seed without an oracle change gets no scores (all n/a) and no
// failure: export's own check drops it.
ControlReport ScoreControls(const shard::Seed& seed, double max_score = kMaxControlScore,
                            double max_noop_score = kMaxNoopScore);

// The control answers themselves (tests, and to show what was scored);
// "" for a control that does not apply.
std::string ControlAnswer(const shard::Seed& seed, std::string_view name);

}  // namespace swerl::curate

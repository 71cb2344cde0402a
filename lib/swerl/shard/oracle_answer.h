// The oracle answer of a seed: the real change written as the model should
// write it (SPEC §4's output format), one SEARCH/REPLACE block per changed
// file. Scored by the reward against the seed's own oracle it must give 1.0;
// `swerl export` drops seeds where it does not and `swerl check` verifies
// shards with it.
#pragma once

#include <string>

#include "swerl/shard/seed.h"

namespace swerl::shard {

// "<think>...</think>\n<solution>\n" + blocks + "\n</solution>". Per oracle
// path whose text differs from its context text ("" when absent): one block
// whose SEARCH is the smallest run of whole lines around the first to the
// last changed line that occurs once in the file (as the reward matches it:
// after a line start), and whose REPLACE is those lines after the change.
// A run reaching a file's end keeps that end exactly (a missing final
// newline, or a whole deleted file). Not every change can be written so (a
// file containing a line "=======", a path with a newline): the reward then
// scores it below 1.0.
std::string OracleAnswer(const SeedFiles& context, const SeedFiles& oracle);

}  // namespace swerl::shard

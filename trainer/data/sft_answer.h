// The answer SFT trains on (the paper's SFT baseline): the seed's oracle
// change as SEARCH/REPLACE blocks in the SWE-RL output format
// (shard/oracle_answer.h), after a short thought naming the files it edits
// (the seeds carry no human reasoning to imitate). It scores 1.0 with the
// reward against the seed's own files, as `swerl export` checked.
#pragma once

#include <string>

#include "swerl/shard/seed.h"

namespace swerl::train {

std::string SftAnswer(const shard::Seed& seed);

}  // namespace swerl::train

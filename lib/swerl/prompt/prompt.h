// The SWE-RL prompt (SPEC §4): the system text and the user message that
// shows the issue and the files, as the paper's reference code renders them
// (data/prompts/, CC BY-NC 4.0). No chat wrapper: the trainer applies the
// model's chat format around these.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swerl::prompt {

// THINKING_SYSTEM: asks for <think>...</think><solution>...</solution>.
std::string_view ThinkingSystem();

// AGENTLESS_REPAIR with {problem_statement} and {content} filled in: every
// file rendered "### <path>\n<contents>", joined by "\n\n", in the order
// given (callers pass path order, so the order does not reveal which files
// the change touched). Substitution is literal, as Python's str.format with
// those two fields.
std::string RenderRepairPrompt(std::string_view problem_statement,
                               const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace swerl::prompt

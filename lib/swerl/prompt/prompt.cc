#include "swerl/prompt/prompt.h"

#include "swerl/prompt/prompt_texts.h"

namespace swerl::prompt {

std::string_view ThinkingSystem() { return kThinkingSystem; }

std::string RenderRepairPrompt(std::string_view problem_statement,
                               const std::vector<std::pair<std::string, std::string>>& files) {
  std::string content;
  for (const auto& [path, text] : files) {
    if (!content.empty()) content += "\n\n";
    content += "### ";
    content += path;
    content += '\n';
    content += text;
  }
  // The template holds each field once, and no other braces.
  const std::string_view tmpl = kAgentlessRepair;
  constexpr std::string_view kIssue = "{problem_statement}", kContent = "{content}";
  const size_t issue = tmpl.find(kIssue);
  const size_t files_at = tmpl.find(kContent);
  std::string out;
  out.reserve(tmpl.size() + problem_statement.size() + content.size());
  out.append(tmpl.substr(0, issue));
  out.append(problem_statement);
  out.append(tmpl.substr(issue + kIssue.size(), files_at - issue - kIssue.size()));
  out.append(content);
  out.append(tmpl.substr(files_at + kContent.size()));
  return out;
}

}  // namespace swerl::prompt

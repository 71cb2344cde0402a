// Issue references in pull-request text, for `swerl link`: which issues a
// pull request says it resolves ("Fixes #12") and which it only mentions.
// Two rules: kSwerl (GitHub's closing keywords, done carefully) and kSweBench
// (an exact emulation of SWE-bench's extract_resolved_issues, quirks
// included). The grammar and the differences are in schemas/links.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::link {

// Largest issue number accepted (2^31 - 1, GitHub's numbers are int32).
inline constexpr int64_t kMaxIssueNumber = 2147483647;

struct IssueRef {
  // The repository of the issue as written; both empty for the pull
  // request's own repository (a reference that names it is normalized).
  std::string owner;
  std::string name;
  int64_t number = 0;    // 1..kMaxIssueNumber
  bool closing = false;  // written after a closing keyword: the PR resolves it
  std::string keyword;   // that keyword as written ("Fixes"); empty for mentions
  // Byte offset in the text of the reference itself: its '#', owner, URL or
  // "GH-" (kSwerl); the '#' (kSweBench).
  size_t offset = 0;

  bool operator==(const IssueRef&) const = default;
};

enum class RefRule : uint8_t {
  // GitHub's documented closing keywords and references (schemas/links.md):
  // `#N`, `owner/repo#N`, `GH-N`, issue and pull URLs; a keyword closes only
  // the reference right after it; nothing inside HTML comments or code
  // counts. Every reference is returned, closing or not, one per
  // (repository, number), sorted by offset.
  kSwerl,
  // SWE-bench's rule: re.findall(r"(\w+)\s+\#(\d+)") on the text without
  // <!-- --> comments, fed to dict() (a repeated word keeps only its last
  // number), keeping the words that lowercase to a closing keyword. Only
  // closing, same-repository references, in dict order, duplicates kept.
  kSweBench,
};

// "swerl" or "swebench". Error kInvalidInput for anything else.
Result<RefRule> ParseRefRule(std::string_view name);
std::string_view RefRuleName(RefRule rule);

// Returns the issue references in `text` (a PR title, body or commit
// message; for kSweBench the whole SweBenchText()). pr_repo is the pull
// request's repository as "owner/name"; references to it (any case) come
// back with empty owner and name. kSweBench ignores pr_repo.
//
// Runs in time linear in text.size(). REQUIRES: text is UTF-8; an invalid
// byte is read as U+FFFD (which matters to kSweBench's Unicode classes only).
std::vector<IssueRef> FindIssueRefs(std::string_view text, std::string_view pr_repo,
                                    RefRule rule = RefRule::kSwerl);

// The text SWE-bench searches: title + "\n" + body + "\n" + the commit
// messages joined by "\n" (a missing title or body is ""). Offsets of
// kSweBench references are into this string.
std::string SweBenchText(std::string_view title, std::string_view body,
                         const std::vector<std::string_view>& commit_messages);

}  // namespace swerl::link

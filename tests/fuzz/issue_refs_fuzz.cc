// Fuzzes the issue-reference parser (lib/swerl/link/issue_refs.h) with both
// rules. Input: arbitrary bytes as PR text (kSweBench reads invalid UTF-8 as
// U+FFFD). Invariants: no crash; every offset lies in the text, at the
// reference's first byte; numbers in 1..kMaxIssueNumber; closing exactly
// when a keyword is given, and that keyword is one of the nine; kSwerl
// refs sorted by offset, one per (repository, number), the PR's own
// repository never named; kSweBench refs closing, same-repository, at a '#'.
// Metamorphic: "\n" + text gives the same refs one byte later; text wrapped
// in an HTML comment gives none.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "swerl/link/issue_refs.h"

namespace {

using swerl::link::FindIssueRefs;
using swerl::link::IssueRef;
using swerl::link::kMaxIssueNumber;
using swerl::link::RefRule;

constexpr std::string_view kRepo = "acme/widget";

void Check(bool ok) {
  if (!ok) std::abort();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsKeyword(std::string_view kw) {
  static const std::set<std::string, std::less<>> kKeywords = {
      "close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved"};
  return kKeywords.count(Lower(kw)) == 1;
}

void CheckCommon(std::string_view text, const IssueRef& r) {
  Check(r.offset < text.size());
  Check(r.number >= 1 && r.number <= kMaxIssueNumber);
  Check(r.closing == !r.keyword.empty());
  if (r.closing) Check(IsKeyword(r.keyword));
  Check(r.owner.empty() == r.name.empty());
}

void CheckSwerl(std::string_view text, const std::vector<IssueRef>& refs) {
  std::set<std::tuple<std::string, std::string, int64_t>> seen;
  for (size_t k = 0; k < refs.size(); ++k) {
    const IssueRef& r = refs[k];
    CheckCommon(text, r);
    if (k) Check(refs[k - 1].offset < r.offset);
    Check(seen.emplace(Lower(r.owner), Lower(r.name), r.number).second);
    Check(!(Lower(r.owner) == "acme" && Lower(r.name) == "widget"));
    const char c = text[r.offset];
    Check(c == '#' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
    if (c == '#') {  // #N: the digits after it are the number
      int64_t v = 0;
      for (size_t i = r.offset + 1; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        v = v * 10 + (text[i] - '0');
      }
      Check(v == r.number);
    }
  }
}

void CheckSweBench(std::string_view text, const std::vector<IssueRef>& refs) {
  for (const IssueRef& r : refs) {
    CheckCommon(text, r);
    Check(r.closing && r.owner.empty() && text[r.offset] == '#');
  }
}

std::vector<IssueRef> Shifted(std::vector<IssueRef> refs) {
  for (IssueRef& r : refs) ++r.offset;
  return refs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string newline_first(1, '\n');
  newline_first.append(text);
  const bool has_comment_end = text.find("-->") != std::string_view::npos;
  std::string commented("<!--");
  commented.append(text).append("-->");

  for (RefRule rule : {RefRule::kSwerl, RefRule::kSweBench}) {
    const std::vector<IssueRef> refs = FindIssueRefs(text, kRepo, rule);
    if (rule == RefRule::kSwerl) {
      CheckSwerl(text, refs);
    } else {
      CheckSweBench(text, refs);
    }
    Check(FindIssueRefs(newline_first, kRepo, rule) == Shifted(refs));
    if (!has_comment_end) Check(FindIssueRefs(commented, kRepo, rule).empty());
  }
  return 0;
}

#include "swerl/git/swebench_patch.h"

#include <cctype>
#include <cstdlib>

#include "swerl/core/lines.h"
#include "swerl/git/patch_sections.h"

namespace swerl::git {
namespace {

constexpr size_t kFuncContextBytes = 80;  // xdiff's func_line buffer

bool Blank(char c) { return c == ' ' || c == '\t'; }
// git's sane_ctype isspace: SP, HT, LF, CR.
bool GitSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The capture group of the python funcname pattern in `line` (no LF), or
// nullopt when the line does not match.
std::optional<std::string_view> MatchPython(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && Blank(line[i])) ++i;
  const std::string_view rest = line.substr(i);
  auto keyword_then_blank = [&](std::string_view s, std::string_view kw) {
    return s.size() > kw.size() && s.substr(0, kw.size()) == kw && Blank(s[kw.size()]);
  };
  if (keyword_then_blank(rest, "class") || keyword_then_blank(rest, "def")) return rest;
  if (keyword_then_blank(rest, "async")) {
    size_t j = 5;
    while (j < rest.size() && Blank(rest[j])) ++j;
    if (keyword_then_blank(rest.substr(j), "def")) return rest;
  }
  return std::nullopt;
}

enum class Side { kPatch, kTest, kDropped };

// SWE-bench's split before commit d200be5 (SPEC §3.7).
Side SplitSide(std::string_view diff_line) {
  std::string lower(diff_line);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t start = 0;
  for (size_t i = 0; i <= lower.size(); ++i) {
    if (i == lower.size() || lower[i] == ' ' || lower[i] == '_' || lower[i] == '/' ||
        lower[i] == '.') {
      const std::string_view word = std::string_view(lower).substr(start, i - start);
      if (word == "test" || word == "tests" || word == "testing") return Side::kTest;
      start = i + 1;
    }
  }
  return lower.ends_with(".py") ? Side::kPatch : Side::kDropped;
}

bool IsPython(std::string_view path) { return path.ends_with(".py"); }

}  // namespace

std::string PythonFuncContext(std::string_view text, long line) {
  const std::vector<std::string_view> lines = LinesWithEnds(text);
  // 0-based, from the line before the hunk's first preimage line upwards.
  for (long l = std::min<long>(line, static_cast<long>(lines.size())) - 1; l >= 0; --l) {
    std::string_view s = WithoutLf(lines[static_cast<size_t>(l)]);
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);  // ff_regexp drops CR LF
    const auto match = MatchPython(s);
    if (!match) continue;
    std::string_view ctx = match->substr(0, std::min(match->size(), kFuncContextBytes));
    while (!ctx.empty() && GitSpace(ctx.back())) ctx.remove_suffix(1);
    return std::string(ctx);
  }
  return "";
}

Result<SwebenchPatch> ToSwebenchPatch(std::string_view patch,
                                      const std::vector<PatchPreimage>& preimages) {
  const std::vector<std::string_view> sections = PatchSections(patch);
  if (sections.size() != preimages.size()) {
    return Error(Code::kInvalidInput, "the patch has " + std::to_string(sections.size()) +
                                          " file sections but " + std::to_string(preimages.size()) +
                                          " files were given");
  }
  SwebenchPatch out;
  for (size_t k = 0; k < sections.size(); ++k) {
    const std::string_view section = sections[k];
    const PatchPreimage& pre = preimages[k];
    const size_t first_eol = section.find('\n');
    const std::string_view diff_line = section.substr(0, first_eol);
    const Side side = SplitSide(diff_line);
    if (side == Side::kDropped) {
      out.dropped.emplace_back(diff_line);
      continue;
    }
    const bool python = IsPython(pre.path);
    std::string rewritten;
    bool in_header = true;
    for (const std::string_view line_lf : LinesWithEnds(section)) {
      const std::string_view line = WithoutLf(line_lf);
      if (in_header && (line.starts_with("@@ ") || line.starts_with("--- "))) in_header = false;
      if (in_header && line.starts_with("index ")) continue;
      if (python && line.starts_with("@@ -")) {
        const size_t close = line.find(" @@", 3);
        if (close == std::string_view::npos) {
          return Error(Code::kInvalidInput,
                       "bad hunk header in the section of " + pre.path + ": " + std::string(line));
        }
        char* end = nullptr;
        const std::string numbers(line.substr(4, close - 4));
        const long start = std::strtol(numbers.c_str(), &end, 10);
        long count = 1;
        if (*end == ',') count = std::strtol(end + 1, &end, 10);
        if (end == numbers.c_str() || start < 0 || count < 0) {
          return Error(Code::kInvalidInput,
                       "bad hunk header in the section of " + pre.path + ": " + std::string(line));
        }
        std::string ctx;
        if (start > 0) {
          if (!pre.text) {
            return Error(Code::kInvalidInput, "the contents of " + pre.path +
                                                  " are not stored, so its python hunk "
                                                  "headers cannot be rebuilt");
          }
          // xdiff: s1 is the hunk's 0-based first preimage line; with no
          // preimage lines the header shows s1 itself, else s1 + 1.
          ctx = PythonFuncContext(*pre.text, count > 0 ? start - 1 : start);
        }
        rewritten.append(line.substr(0, close + 3));
        if (!ctx.empty()) rewritten.append(" ").append(ctx);
        rewritten.push_back('\n');
        continue;
      }
      rewritten.append(line_lf);
    }
    (side == Side::kTest ? out.test_patch : out.patch) += rewritten;
  }
  return out;
}

}  // namespace swerl::git

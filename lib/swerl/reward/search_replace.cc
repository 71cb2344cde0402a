#include "swerl/reward/search_replace.h"

#include <cstring>
#include <unordered_map>

#include "swerl/reward/py_text.h"

namespace swerl::reward {
namespace {

constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";
constexpr std::string_view kSolutionOpen = "<solution>";
constexpr std::string_view kSolutionClose = "</solution>";

constexpr std::string_view kFence = "```";
constexpr std::string_view kPathMarker = "### ";
constexpr std::string_view kSearchLine = "<<<<<<< SEARCH\n";
constexpr std::string_view kDivider = "\n=======\n";
constexpr std::string_view kReplaceEnd = "\n>>>>>>> REPLACE\n```";

// Position of `needle` in `hay` at or after `from`, or npos. glibc's memmem
// is linear in the worst case (two-way algorithm).
size_t Find(std::string_view hay, std::string_view needle, size_t from) {
  if (from > hay.size()) return std::string_view::npos;
  const void* p = ::memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size());
  return p ? static_cast<size_t>(static_cast<const char*>(p) - hay.data()) : std::string_view::npos;
}

// str.count: non-overlapping occurrences.
size_t Count(std::string_view hay, std::string_view needle) {
  size_t n = 0;
  for (size_t pos = Find(hay, needle, 0); pos != std::string_view::npos;
       pos = Find(hay, needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

// Python's s.split(open)[1].split(close)[0], given exactly one `open`.
std::string_view Between(std::string_view s, std::string_view open, std::string_view close) {
  std::string_view rest = s.substr(s.find(open) + open.size());
  return rest.substr(0, rest.find(close));  // npos: the whole rest
}

}  // namespace

Result<ThoughtAndAnswer> ExtractThoughtAndAnswer(std::string_view output) {
  for (std::string_view tag : {kThinkOpen, kThinkClose, kSolutionOpen, kSolutionClose}) {
    if (const size_t n = Count(output, tag); n != 1) {
      return Error(Code::kInvalidInput,
                   std::string(tag) + " occurs " + std::to_string(n) + " times, expected once");
    }
  }
  ThoughtAndAnswer r;
  r.thought = Strip(Between(output, kThinkOpen, kThinkClose));
  r.answer = Strip(Between(output, kSolutionOpen, kSolutionClose));
  if (r.thought.empty()) return Error(Code::kInvalidInput, "the thought is empty");
  return r;
}

Result<std::vector<FileEdits>> ParseEdits(std::string_view answer) {
  std::vector<FileEdits> files;
  std::unordered_map<std::string_view, size_t> file_index;  // path -> index in files
  constexpr size_t npos = std::string_view::npos;
  size_t pos = 0;
  size_t first_lf = npos;  // the first LF at or after some earlier s + 3
  for (size_t s = Find(answer, kFence, pos); s != npos; s = Find(answer, kFence, pos)) {
    pos = s + 1;  // on failure, the regex retries one character later
    // ```.*?\n : '.' stops at LF, so the lazy run can only end at the first
    // LF after the fence (remembered: candidates on one line share it).
    if (first_lf == npos || first_lf < s + kFence.size()) {
      first_lf = Find(answer, "\n", s + kFence.size());
      if (first_lf == npos) break;  // no later fence has a line end either
    }
    // ### (.*)\n : greedy '.' takes the rest of the line.
    const size_t path_begin = first_lf + 1 + kPathMarker.size();
    if (answer.substr(first_lf + 1, kPathMarker.size()) != kPathMarker) continue;
    const size_t path_end = Find(answer, "\n", path_begin);
    if (path_end == npos) break;
    if (answer.substr(path_end + 1, kSearchLine.size()) != kSearchLine) continue;
    // ([\s\S]*?)\n=======\n([\s\S]*?)\n>>>>>>> REPLACE\n``` : the lazy
    // groups try the shortest bodies first, and a later divider only moves
    // the REPLACE search further right, so the match (if any) takes the
    // first divider and the first end marker after it. Without one, no
    // later fence can match either (its body starts no earlier).
    const size_t search_begin = path_end + 1 + kSearchLine.size();
    const size_t divider = Find(answer, kDivider, search_begin);
    if (divider == npos) break;
    const size_t replace_begin = divider + kDivider.size();
    const size_t end = Find(answer, kReplaceEnd, replace_begin);
    if (end == npos) break;

    const std::string_view path = answer.substr(path_begin, path_end - path_begin);
    const Edit edit{answer.substr(search_begin, divider - search_begin),
                    answer.substr(replace_begin, end - replace_begin)};
    const auto [it, added] = file_index.try_emplace(path, files.size());
    if (added) files.push_back(FileEdits{path, {}});
    files[it->second].edits.push_back(edit);
    pos = end + kReplaceEnd.size();
  }
  if (files.empty()) return Error(Code::kInvalidInput, "no SEARCH/REPLACE block found");
  return files;
}

Result<FileMap> ApplyEdits(const FileMap& context, const std::vector<FileEdits>& edits,
                           size_t max_file_bytes, uint64_t max_scan_bytes) {
  FileMap result;
  uint64_t scanned = 0;
  std::string content, next, search, replace;
  for (const FileEdits& file : edits) {
    content.assign(1, '\n');
    if (const auto it = context.find(file.path); it != context.end()) content += it->second;
    for (const Edit& edit : file.edits) {
      if (edit.search == edit.replace) {
        return Error(Code::kInvalidInput, "SEARCH and REPLACE are identical in an edit of '" +
                                              std::string(file.path) + "'");
      }
      scanned += content.size();
      if (max_scan_bytes && scanned > max_scan_bytes) {
        return Error(Code::kInvalidInput, "applying the edits scans more than the size guard (" +
                                              std::to_string(max_scan_bytes) + " bytes)");
      }
      search.assign(1, '\n');
      search += edit.search;
      replace.assign(1, '\n');
      replace += edit.replace;
      size_t hit = Find(content, search, 0);
      if (hit == std::string::npos) {
        return Error(Code::kInvalidInput,
                     "SEARCH block not found in '" + std::string(file.path) + "'");
      }
      next.clear();
      size_t done = 0;
      for (; hit != std::string::npos; hit = Find(content, search, done)) {
        next.append(content, done, hit - done);
        next += replace;
        done = hit + search.size();
        if (max_file_bytes && next.size() > max_file_bytes + 1) {
          return Error(Code::kInvalidInput, "edits make '" + std::string(file.path) +
                                                "' larger than the size guard (" +
                                                std::to_string(max_file_bytes) + " bytes)");
        }
      }
      next.append(content, done);
      content.swap(next);
    }
    result.insert_or_assign(std::string(file.path), content.substr(1));
  }
  return result;
}

}  // namespace swerl::reward

// Splitting text into lines that keep their line feed, the form patches and
// SEARCH/REPLACE blocks are compared and joined in.
#pragma once

#include <string_view>
#include <vector>

namespace swerl {

// The lines of `text`, each with its '\n' (the last may lack it); empty for
// "". The views point into `text`.
std::vector<std::string_view> LinesWithEnds(std::string_view text);

// `line` without its trailing '\n', if any.
inline std::string_view WithoutLf(std::string_view line) {
  return line.ends_with('\n') ? line.substr(0, line.size() - 1) : line;
}

}  // namespace swerl

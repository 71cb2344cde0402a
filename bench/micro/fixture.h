// The real GH Archive fixture, loaded once, for micro-benchmarks.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace swerl::bench {

inline const std::string& FixtureText() {
  static const std::string text = [] {
    std::ifstream in(SWERL_FIXTURE, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  return text;
}

}  // namespace swerl::bench

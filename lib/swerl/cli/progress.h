// Progress: a delayed, rate-limited progress line on stderr (git style):
// shown only when enabled, first after ~1 s, redrawn at most 4 times a second.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace swerl::cli {

enum class ProgressMode { kAuto, kOn, kOff };

// Resolves kAuto: on when stderr is a terminal and the log is not quiet.
bool ProgressEnabled(ProgressMode mode);

// Not thread-safe: call Tick from one thread (or guard it).
class Progress {
 public:
  // render() returns the text of the line; called only when a redraw is due.
  Progress(bool enabled, std::function<std::string()> render);
  ~Progress();  // clears the line

  void Tick();
  void Done();  // clears the line now

 private:
  bool enabled_;
  std::function<std::string()> render_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  bool shown_ = false;
};

}  // namespace swerl::cli

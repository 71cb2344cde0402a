// Diagnostics on stderr for the tools: "swerl events: warning: ..." lines,
// quiet/verbose levels, and coordination with a progress line (a message
// first clears it). Thread-safe: lines from worker threads never interleave.
#pragma once

#include <string>
#include <string_view>

namespace swerl::cli {

enum class Level { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

class Log {
 public:
  // The process-wide log. Configure it once in main before threads start.
  static Log& Get();

  void set_prefix(std::string prefix) { prefix_ = std::move(prefix); }
  void set_level(Level level) { level_ = level; }
  Level level() const { return level_; }
  bool enabled(Level level) const { return level <= level_; }

  void Error(std::string_view msg) { Write(Level::kError, msg); }
  void Warning(std::string_view msg) { Write(Level::kWarning, msg); }
  void Info(std::string_view msg) { Write(Level::kInfo, msg); }
  // A line without a level word (summaries); shown unless -q.
  void Summary(std::string_view msg);

  // Writes `text` as it is (no prefix, whatever the level), clearing a
  // progress line first: the JSON summary of --json (summary.h).
  void Raw(std::string_view text);

  // Draws `line` as the progress line (\r, no newline); "" clears it.
  void Progress(std::string_view line);

 private:
  void Write(Level level, std::string_view msg);
  void EmitLocked(std::string_view text);

  std::string prefix_ = "swerl";
  Level level_ = Level::kWarning;
  size_t progress_width_ = 0;
};

// Formats 1234567 as "1,234,567".
std::string WithCommas(uint64_t n);
// Formats a byte count as "12.3 MB" (decimal units).
std::string HumanBytes(double bytes);

}  // namespace swerl::cli

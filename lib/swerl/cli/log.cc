#include "swerl/cli/log.h"

#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace swerl::cli {
namespace {
std::mutex g_mu;
}

Log& Log::Get() {
  static Log log;
  return log;
}

void Log::EmitLocked(std::string_view text) {
  if (progress_width_) {
    std::string blank(progress_width_ + 2, ' ');
    blank.front() = blank.back() = '\r';
    (void)!::write(2, blank.data(), blank.size());
    progress_width_ = 0;
  }
  (void)!::write(2, text.data(), text.size());
}

void Log::Write(Level level, std::string_view msg) {
  if (!enabled(level)) return;
  static constexpr const char* kWords[] = {"error", "warning", "info", "debug"};
  std::string line = prefix_ + ": " + kWords[static_cast<int>(level)] + ": ";
  line.append(msg).push_back('\n');
  std::lock_guard<std::mutex> lock(g_mu);
  EmitLocked(line);
}

void Log::Summary(std::string_view msg) {
  if (!enabled(Level::kWarning)) return;
  std::string line = prefix_ + ": ";
  line.append(msg).push_back('\n');
  std::lock_guard<std::mutex> lock(g_mu);
  EmitLocked(line);
}

void Log::Raw(std::string_view text) {
  std::lock_guard<std::mutex> lock(g_mu);
  EmitLocked(text);
}

void Log::Progress(std::string_view line) {
  std::lock_guard<std::mutex> lock(g_mu);
  std::string text = "\r" + prefix_ + ": ";
  text.append(line);
  const size_t width = text.size() - 1;
  if (width < progress_width_) text.append(progress_width_ - width, ' ');
  if (line.empty()) {
    EmitLocked("");
    return;
  }
  (void)!::write(2, text.data(), text.size());
  progress_width_ = width;
}

std::string WithCommas(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string HumanBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 5) {
    bytes /= 1000;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit ? "%.1f %s" : "%.0f %s", bytes, kUnits[unit]);
  return buf;
}

}  // namespace swerl::cli

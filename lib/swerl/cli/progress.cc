#include "swerl/cli/progress.h"

#include <unistd.h>

#include "swerl/cli/log.h"

namespace swerl::cli {

bool ProgressEnabled(ProgressMode mode) {
  if (mode == ProgressMode::kOn) return true;
  if (mode == ProgressMode::kOff) return false;
  return ::isatty(2) && Log::Get().enabled(Level::kWarning);
}

Progress::Progress(bool enabled, std::function<std::string()> render)
    : enabled_(enabled),
      render_(std::move(render)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() { Done(); }

void Progress::Tick() {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ < std::chrono::seconds(1)) return;
  if (shown_ && now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  shown_ = true;
  Log::Get().Progress(render_());
}

void Progress::Done() {
  if (shown_) Log::Get().Progress("");
  shown_ = false;
}

}  // namespace swerl::cli

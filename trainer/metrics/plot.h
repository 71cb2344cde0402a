// Plots a run's curves (`swerl-train plot`): reward (mean and max), KL,
// entropy and completion length (mean and max) against the step, four
// panels in one PNG, drawn by gnuplot (Debian's gnuplot-nox; the pngcairo
// terminal, or png where cairo is missing) from a generated script.
#pragma once

#include <string>
#include <vector>

#include "swerl/core/result.h"
#include "trainer/metrics/metrics_log.h"

namespace swerl::train::metrics {

struct PlotOptions {
  // The gnuplot program: a path, or a name looked up in PATH.
  std::string gnuplot = "gnuplot";
  int width = 1400;  // pixels
  int height = 1000;
  std::string title;  // "" = "swerl-train run <RUN> (N steps)"
};

// The gnuplot script that draws `rows` into `png_path`. Series without any
// finite value are left out; a panel with none says "no data".
std::string PlotScript(const std::vector<MetricsRow>& rows, const std::string& title,
                       const std::string& png_path, const PlotOptions& options);

// Resolves options.gnuplot to an executable path. Errors: kNotFound with a
// hint to install gnuplot-nox.
Result<std::string> FindGnuplot(const std::string& program);

// Reads RUN/metrics.jsonl and writes the PNG at `png_path` (under a
// temporary name first, renamed once gnuplot succeeded). Returns the number
// of steps drawn. Errors: kNotFound (RUN, its metrics.jsonl or gnuplot
// missing), kInvalidInput (no step logged yet), kCorrupt (a damaged line,
// with its number), kExternal (gnuplot failed; its messages included), kIo.
Result<size_t> PlotRun(const std::string& run_dir, const std::string& png_path,
                       const PlotOptions& options);

}  // namespace swerl::train::metrics

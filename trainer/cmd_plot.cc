// swerl-train plot: draws a run's curves from RUN/metrics.jsonl into a PNG
// with gnuplot (trainer/metrics/plot.h).
#include "command.h"
#include "trainer/metrics/plot.h"

namespace swerl::train {
namespace {

struct PlotCliOptions {
  std::string run_dir;
  std::string out;  // "" = RUN/metrics.png
  metrics::PlotOptions plot;
};

int RunPlot(const PlotCliOptions& opt, const Context& ctx) {
  ApplyCommonFlags(ctx, "plot");
  auto& log = cli::Log::Get();
  const std::string out = opt.out.empty() ? opt.run_dir + "/metrics.png" : opt.out;
  // The same-file guard (README "Files"): the PNG must not replace the run's
  // metrics, the run directory or the gnuplot program.
  if (!cli::DistinctFiles({{"run", opt.run_dir},
                           {"run", opt.run_dir + "/metrics.jsonl"},
                           {"--gnuplot", opt.plot.gnuplot}},
                          {{"--out", out}})) {
    return cli::kExitError;
  }
  auto steps = metrics::PlotRun(opt.run_dir, out, opt.plot);
  if (!steps) {
    log.Error(steps.error().message());
    return cli::kExitError;
  }
  log.Summary("wrote '" + out + "' (" + std::to_string(*steps) +
              (*steps == 1 ? " step)" : " steps)"));
  if (ctx.json) {
    cli::JsonSummary().Add("out", out).Add("steps", static_cast<int64_t>(*steps)).Emit();
  }
  return cli::kExitOk;
}

}  // namespace

void RegisterPlot(CLI::App& root, Context& ctx) {
  auto opt = std::make_shared<PlotCliOptions>();
  CLI::App* cmd = root.add_subcommand(
      "plot",
      "Draw a run's reward (mean, max), KL, entropy and completion length (mean, max) against "
      "the step from RUN/metrics.jsonl into a PNG (needs gnuplot: Debian's gnuplot-nox)");
  cmd->add_option("run", opt->run_dir, "The run directory (swerl-train grpo --out)")->required();
  cmd->add_option("-o,--out", opt->out, "The PNG to write (default: RUN/metrics.png)");
  cmd->add_option("--gnuplot", opt->plot.gnuplot,
                  "The gnuplot program (a path, or looked up in PATH)")
      ->capture_default_str();
  cmd->add_option("--width", opt->plot.width, "Image width in pixels")
      ->capture_default_str()
      ->check(cli::InRange(200, 10000));
  cmd->add_option("--height", opt->plot.height, "Image height in pixels")
      ->capture_default_str()
      ->check(cli::InRange(200, 10000));
  cmd->add_option("--title", opt->plot.title, "Title (default: the run directory and its steps)");
  AddCommonFlags(cmd, ctx);
  cmd->callback([opt, &ctx] { ctx.run = [opt, &ctx] { return RunPlot(*opt, ctx); }; });
}

}  // namespace swerl::train

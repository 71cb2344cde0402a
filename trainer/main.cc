// swerl-train: the GRPO trainer's binary. It links LibTorch; the data tools
// (`swerl`) do not. One subcommand per job (see trainer/README.md).
#include <csignal>

#include "command.h"
#include "swerl/cli/run_app.h"

namespace swerl::train {

void AddCommonFlags(CLI::App* cmd, Context& ctx) { cli::AddCommonFlags(cmd, &ctx); }

void ApplyCommonFlags(const Context& ctx, const std::string& command) {
  cli::ApplyLogFlags("swerl-train " + command, ctx.quiet, ctx.verbose);
}

}  // namespace swerl::train

int main(int argc, char** argv) {
  using namespace swerl;
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"swerl-train - tokenizer, models, sampling and GRPO training in LibTorch"};
  app.set_version_flag("--version", "swerl-train " SWERL_VERSION);
  app.footer(cli::kExitCodesHelp);
  train::Context ctx;
  train::RegisterTokenize(app, ctx);
  train::RegisterInit(app, ctx);
  train::RegisterGenerate(app, ctx);
  train::RegisterPlot(app, ctx);
  app.require_subcommand(1);
  return cli::RunApp(app, "swerl-train", argc, argv, ctx.run);
}

// swerl-train: the GRPO trainer's binary. It links LibTorch; the data tools
// (`swerl`) do not. One subcommand per job (see trainer/README.md).
#include <csignal>
#include <exception>
#include <new>

#include "command.h"

namespace swerl::train {

void AddCommonFlags(CLI::App* cmd, Context& ctx) {
  cmd->add_flag("-q,--quiet", ctx.quiet, "Print errors only");
  cmd->add_flag("-v,--verbose", ctx.verbose, "More diagnostics (repeat for debug)");
  cmd->footer(cli::kExitCodesHelp);
}

void ApplyCommonFlags(const Context& ctx, const std::string& command) {
  auto& log = cli::Log::Get();
  log.set_prefix("swerl-train " + command);
  if (ctx.quiet) {
    log.set_level(cli::Level::kError);
  } else if (ctx.verbose >= 2) {
    log.set_level(cli::Level::kDebug);
  } else if (ctx.verbose == 1) {
    log.set_level(cli::Level::kInfo);
  }
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
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? cli::kExitOk : cli::kExitError;
  }
  try {
    return ctx.run ? ctx.run() : cli::kExitError;
  } catch (const std::bad_alloc&) {
    cli::Log::Get().Error("out of memory");
    return cli::kExitError;
  } catch (const std::exception& e) {
    cli::Log::Get().Error(e.what());
    return cli::kExitError;
  }
}

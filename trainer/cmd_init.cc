// swerl-train init (being written; replaced by its real implementation).
#include "command.h"

namespace swerl::train {

void RegisterInit(CLI::App& root, Context& ctx) {
  auto* cmd = root.add_subcommand("init", "(not implemented yet)");
  AddCommonFlags(cmd, ctx);
  cmd->callback([&ctx] {
    ctx.run = [] {
      cli::Log::Get().Error("not implemented yet");
      return cli::kExitError;
    };
  });
}

}  // namespace swerl::train

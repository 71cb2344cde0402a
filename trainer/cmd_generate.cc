// swerl-train generate (being written; replaced by its real implementation).
#include "command.h"

namespace swerl::train {

void RegisterGenerate(CLI::App& root, Context& ctx) {
  auto* cmd = root.add_subcommand("generate", "(not implemented yet)");
  AddCommonFlags(cmd, ctx);
  cmd->callback([&ctx] {
    ctx.run = [] {
      cli::Log::Get().Error("not implemented yet");
      return cli::kExitError;
    };
  });
}

}  // namespace swerl::train

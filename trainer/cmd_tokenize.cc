// swerl-train tokenize (being written; replaced by its real implementation).
#include "command.h"

namespace swerl::train {

void RegisterTokenize(CLI::App& root, Context& ctx) {
  auto* cmd = root.add_subcommand("tokenize", "(not implemented yet)");
  AddCommonFlags(cmd, ctx);
  cmd->callback([&ctx] {
    ctx.run = [] {
      cli::Log::Get().Error("not implemented yet");
      return cli::kExitError;
    };
  });
}

}  // namespace swerl::train

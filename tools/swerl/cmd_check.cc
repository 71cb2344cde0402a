// swerl check --seeds shard.db: the oracle self-check of a shard. Every seed's
// oracle answer (the real change written as SEARCH/REPLACE blocks) must score
// exactly 1.0 with the reward, and its prompt must be the one its problem
// statement and context render.
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "swerl/curate/export.h"
#include "swerl/shard/shard.h"

namespace swerl::tools {
namespace {

struct CheckFlags {
  std::string seeds;
};

int RunCheck(const CheckFlags& flags, Context& ctx) {
  ApplyCommonFlags(ctx, "check");
  auto& log = cli::Log::Get();
  // Read-only: a shard in a read-only directory checks as well.
  auto reader = shard::ShardReader::Open(flags.seeds);
  if (!reader) {
    log.Error(cli::WantsKind(std::move(reader).error(), "--seeds", db::kShardKind).message());
    return cli::kExitError;
  }
  uint64_t checked = 0;
  std::vector<std::string> failures;
  Status st = reader->ForEach([&](shard::Seed& seed) -> Status {
    ++checked;
    std::string why = curate::CheckSeed(seed);
    if (why.empty() && curate::RenderedPrompt(seed) != seed.prompt) {
      why = "its prompt is not the one its files render";
    }
    if (!why.empty()) failures.push_back(seed.instance_id + ": " + why);
    return OkStatus();
  });
  if (!st) {
    log.Error(st.error().message());
    return cli::kExitError;
  }
  for (const std::string& f : failures) log.Error(f);
  log.Summary(cli::WithCommas(checked) + " seeds, " + cli::WithCommas(checked - failures.size()) +
              " with an oracle answer scoring 1.0, " + cli::WithCommas(failures.size()) +
              " failing");
  return failures.empty() ? cli::kExitOk : cli::kExitNo;
}

}  // namespace

void RegisterCheck(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* cmd = root.add_subcommand(
      "check",
      "Verify a shard: every seed's oracle answer must score exactly 1.0 with the "
      "reward, and its prompt must match its files");
  cmd->add_option("--seeds", flags->seeds, "The shard (from swerl export --out)")->required();
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "Exit status: 0 when every seed passes; 1 when some fail (each is listed with its score "
      "and the files that differ); 2 on usage or I/O errors, or a shard that does not read.");
  cmd->callback([flags, &ctx] { ctx.run = [flags, &ctx] { return RunCheck(*flags, ctx); }; });
}

}  // namespace swerl::tools

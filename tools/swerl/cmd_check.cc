// swerl check --seeds shard.db: the integrity and oracle self-check of a
// shard. Every blob must hash (sha256) to its id; every seed's record must
// read, its paths must stay inside the repository (shard::ValidateSeedPath)
// and occur once, its ids must agree; its oracle answer (the real change
// written as SEARCH/REPLACE blocks) must score exactly 1.0 with the reward,
// and its prompt must be the one its problem statement and context render.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "swerl/curate/controls.h"
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
  const auto start = std::chrono::steady_clock::now();
  const auto fail = [&](const Error& e) {
    log.Error(e.message());
    return cli::kExitError;
  };
  // Read-only: a shard in a read-only directory checks as well.
  auto reader = shard::ShardReader::Open(flags.seeds);
  if (!reader) return fail(cli::WantsKind(std::move(reader).error(), "--seeds", db::kShardKind));

  // Blobs first: a blob edited under its old id still gives a seed whose
  // oracle answer scores 1.0 against itself, so only its hash tells.
  uint64_t blobs = 0;
  auto bad_blobs = reader->VerifyBlobs(&blobs);
  if (!bad_blobs) return fail(bad_blobs.error());
  for (const auto& b : *bad_blobs) {
    std::string users;
    for (const std::string& u : b.users) users += (users.empty() ? "" : ", ") + u;
    log.Error("blob " + b.blob_id + " " + b.why +
              (users.empty() ? " (used by no seed)" : "; used by " + users));
  }

  auto refs = reader->List();
  if (!refs) return fail(refs.error());
  uint64_t failing = 0;
  for (const shard::SeedRef& ref : *refs) {
    auto seed = reader->Read(ref.seed_id);
    if (!seed) {
      // A record that does not parse, a path the reader refuses, a blob
      // that is missing or does not decompress: damage in this seed.
      if (seed.error().code() != Code::kCorrupt && seed.error().code() != Code::kNotFound) {
        return fail(seed.error());
      }
      ++failing;
      log.Error(seed.error().message());
      continue;
    }
    std::vector<std::string> problems = curate::CheckSeedRecord(*seed);
    if (seed->instance_id != ref.instance_id) {
      problems.push_back("its record says instance_id '" + seed->instance_id + "'");
    }
    if (problems.empty()) {
      if (std::string why = curate::CheckSeed(*seed); !why.empty()) {
        problems.push_back("oracle answer " + why);
      } else if (curate::RenderedPrompt(*seed) != seed->prompt) {
        problems.push_back("its prompt is not the one its files render");
      } else if (const curate::ControlReport controls = curate::ScoreControls(*seed);
                 !controls.failure.empty()) {
        // A wrong answer earns the reward (data/filters/README.md,
        // "Degenerate rewards").
        problems.push_back("degenerate reward: " + controls.failure);
      }
    }
    if (problems.empty()) continue;
    ++failing;
    for (const std::string& p : problems) {
      log.Error("seed '" + ref.instance_id + "' (id " + std::to_string(ref.seed_id) + "): " + p);
    }
  }
  const uint64_t seeds = refs->size();
  log.Summary(cli::WithCommas(seeds) + " seeds, " + cli::WithCommas(seeds - failing) +
              " with an oracle answer scoring 1.0, " + cli::WithCommas(failing) + " failing; " +
              cli::WithCommas(blobs) + " blobs, " + cli::WithCommas(bad_blobs->size()) +
              " not matching their id");
  if (ctx.json) {
    cli::JsonSummary()
        .Add("seeds", seeds)
        .Add("failing", failing)
        .Add("blobs", blobs)
        .Add("bad_blobs", static_cast<uint64_t>(bad_blobs->size()))
        .Add("seconds",
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count())
        .Emit();
  }
  return failing == 0 && bad_blobs->empty() ? cli::kExitOk : cli::kExitNo;
}

}  // namespace

void RegisterCheck(CLI::App& root, Context& ctx) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* cmd = root.add_subcommand(
      "check",
      "Verify a shard: every blob hashes to its id; every seed's record reads, its paths stay "
      "inside the repository and occur once; its oracle answer scores exactly 1.0 with the "
      "reward, control answers (empty, another file, the oracle on the wrong file) score at "
      "most 0.5 and a no-op edit at the fix site at most 0.95, and its prompt matches its "
      "files");
  cmd->add_option("--seeds", flags->seeds, "The shard (from swerl export --out)")->required();
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "Exit status: 0 when every blob and seed passes; 1 when some fail (each bad blob is "
      "listed with the seeds and files that use it, each failing seed with its instance id and "
      "why); 2 on usage or I/O errors, or a file that is not a shard (docs/CLI.md).");
  cmd->callback([flags, &ctx] { ctx.run = [flags, &ctx] { return RunCheck(*flags, ctx); }; });
}

}  // namespace swerl::tools

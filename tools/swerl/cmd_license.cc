// swerl license: each repository's licence (SPDX id) from its LICENSE/COPYING
// files at the merge base of its latest assembled instance, matched against
// the licence texts shipped in data/licenses/, into repo_licenses; seeds
// carry it and `swerl filter` keeps an allowlist.
#include <ctime>

#include "command.h"
#include "swerl/core/utc_time.h"
#include "swerl/curate/repo_license.h"
#include "swerl/git/git_handles.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

struct LicenseOptions {
  std::string db;
  std::string repos;
};

int RunLicense(const LicenseOptions& opt, const Context& ctx) {
  ApplyCommonFlags(ctx, "license");
  auto& log = cli::Log::Get();
  if (!cli::DistinctFiles({{"--repos", opt.repos}}, {{"--db", opt.db}})) return cli::kExitError;
  git::GitGlobal git;
  if (!git.status()) {
    log.Error(git.status().error().message());
    return cli::kExitError;
  }
  auto db = OpenStoreOrLog(opt.db, db::Db::Mode::kReadWrite);
  if (!db) return cli::kExitError;
  auto counts = curate::IdentifyRepoLicenses(&*db, opt.repos, FormatUtc(std::time(nullptr)));
  if (!counts) {
    log.Error(counts.error().message());
    return cli::kExitError;
  }
  std::string per;
  for (const auto& [spdx, n] : counts->spdx) {
    per += (per.empty() ? "" : ", ") + spdx + " " + cli::WithCommas(n);
  }
  if (counts->spdx.count("unknown")) {
    log.Warning(cli::WithCommas(counts->spdx.at("unknown")) +
                " repositories have a licence file that matches no shipped licence "
                "(repo_licenses.spdx = 'unknown'; closest and similarity recorded)");
  }
  log.Summary(cli::WithCommas(counts->repositories) +
              " repositories: " + (per.empty() ? std::string("none decided") : per) +
              (counts->missing
                   ? "; " + cli::WithCommas(counts->missing) + " without mirror or commit"
                   : std::string()));
  if (ctx.json) {
    cli::JsonSummary summary;
    summary.Add("repositories", counts->repositories).Add("missing", counts->missing);
    for (const auto& [spdx, n] : counts->spdx) summary.Add(spdx, n);
    summary.Emit();
  }
  return cli::kExitOk;
}

}  // namespace

void RegisterLicense(CLI::App& root, Context& ctx) {
  auto opt = std::make_shared<LicenseOptions>();
  CLI::App* cmd = root.add_subcommand(
      "license",
      "Identify each repository's licence (SPDX id) from its LICENSE/COPYING files at the merge "
      "base of its latest assembled instance, by text similarity to the licences shipped in "
      "data/licenses/; recorded in repo_licenses, carried by seeds, allowlisted by swerl filter");
  cmd->add_option("--db", opt->db, "The store")->required();
  cmd->add_option("--repos", opt->repos, "The mirrors of swerl clone")->required();
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "A licence file matching no shipped licence at Dice similarity 0.90 is recorded as "
      "'unknown' (with the closest and its similarity) and warned about; a repository without one "
      "as 'none'. Exit status: 0 on success (also with unknown licences); 2 on usage, database "
      "or I/O errors.");
  cmd->callback([opt, &ctx] { ctx.run = [opt, &ctx] { return RunLicense(*opt, ctx); }; });
}

}  // namespace swerl::tools

// swerl link: issue references of pull requests -> issue_links
// (schemas/links.md).
#include <unistd.h>

#include "command.h"
#include "swerl/store/links.h"
#include "swerl/store/store.h"

namespace swerl::tools {
namespace {

struct LinkOptions {
  std::string db;
  std::string rule = "swerl";
};

int RunLink(const LinkOptions& opt, const Context& ctx) {
  ApplyCommonFlags(ctx, "link");
  auto& log = cli::Log::Get();
  auto rule = link::ParseRefRule(opt.rule);
  if (!rule) {
    log.Error(rule.error().message());
    return cli::kExitError;
  }
  if (!cli::DistinctFiles({}, {{"--db", opt.db}})) return cli::kExitError;
  auto db = OpenStoreOrLog(opt.db, db::Db::Mode::kReadWrite);
  if (!db) return cli::kExitError;
  auto counts = store::LinkPullRequests(&*db, *rule);
  if (!counts) {
    log.Error(counts.error().message());
    return cli::kExitError;
  }
  log.Summary(cli::WithCommas(counts->pull_requests) +
              " pull requests: " + cli::WithCommas(counts->references) + " issue references (" +
              cli::WithCommas(counts->closing) + " closing, " + cli::WithCommas(counts->resolved) +
              " to a known repository), rule " + opt.rule);
  if (ctx.json) {
    cli::JsonSummary()
        .Add("pull_requests", static_cast<uint64_t>(counts->pull_requests))
        .Add("references", static_cast<uint64_t>(counts->references))
        .Add("closing", static_cast<uint64_t>(counts->closing))
        .Add("resolved", static_cast<uint64_t>(counts->resolved))
        .Add("rule", opt.rule)
        .Emit();
  }
  return cli::kExitOk;
}

}  // namespace

void RegisterLink(CLI::App& root, Context& ctx) {
  auto opt = std::make_shared<LinkOptions>();
  CLI::App* cmd = root.add_subcommand(
      "link", "Find the issues each pull request references or closes (schemas/links.md)");
  cmd->add_option("--db", opt->db, "The store")->required();
  cmd->add_option("--rule", opt->rule,
                  "swerl (GitHub's closing keywords, owner/repo#N, URLs) or swebench (SWE-bench's "
                  "extract_resolved_issues, for comparison)")
      ->check(CLI::IsMember({"swerl", "swebench"}))
      ->capture_default_str();
  AddCommonFlags(cmd, ctx);
  cmd->callback([opt, &ctx] { ctx.run = [opt, &ctx] { return RunLink(*opt, ctx); }; });
}

}  // namespace swerl::tools

// swerl-train: the GRPO trainer's binary. It links LibTorch; the data tools
// (`swerl`) do not. One subcommand per job (see trainer/README.md).
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "command.h"
#include "swerl/cli/config_file.h"
#include "swerl/cli/run_app.h"
#include "swerl/io/same_file.h"

namespace swerl::train {

void AddCommonFlags(CLI::App* cmd, Context& ctx) { cli::AddCommonFlags(cmd, &ctx); }

void ApplyCommonFlags(const Context& ctx, const std::string& command) {
  cli::ApplyLogFlags("swerl-train " + command, ctx.quiet, ctx.verbose);
}

void AddConfigOption(CLI::App* cmd) {
  // Never parsed: main() replaces --config FILE by the file's settings.
  static std::string unused;
  cmd->add_option("--config", unused,
                  "TOML file of settings (long option names as keys, at the top level or under "
                  "[" +
                      cmd->get_name() + "]); options on the command line win");
}

std::string ResolvedConfig(const CLI::App* cmd) {
  // CLI11's config_to_str writes flags as false unless given, whatever
  // their default; flags whose default is true carry default_str("true").
  auto value = [](const std::string& v) {
    if (v == "true" || v == "false") return v;
    char* end = nullptr;
    std::strtod(v.c_str(), &end);
    if (!v.empty() && end == v.c_str() + v.size()) return v;
    std::string quoted = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    return quoted + "\"";
  };
  std::string out;
  for (const CLI::Option* opt : cmd->get_options()) {
    if (opt->get_lnames().empty()) continue;
    const std::string name = opt->get_lnames().front();
    if (name == "config" || name == "resume" || name == "progress" || name == "no-progress" ||
        name == "quiet" || name == "verbose" || name == "help") {
      continue;
    }
    const bool flag = opt->get_expected_max() == 0;
    std::vector<std::string> values =
        opt->count() > 0 ? opt->results() : std::vector<std::string>{};
    if (values.empty()) {
      const std::string def = opt->get_default_str();
      if (flag) {
        values = {def.empty() ? "false" : def};
      } else if (!def.empty()) {
        values = {def};
      } else {
        continue;  // no value and no default: absent means the default
      }
    }
    if (flag) values = {values.back()};
    if (values.size() == 1 && opt->get_expected_max() <= 1) {
      out += name + "=" + value(values[0]) + "\n";
    } else {
      out += name + "=[";
      for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + value(values[i]);
      out += "]\n";
    }
  }
  return out;
}

namespace {

// The training commands' --config FILE (and --resume RUN's RUN/config.toml)
// become options before CLI11 parses (cli/config_file.h).
Result<std::vector<std::string>> ExpandArgs(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return args;
  const std::string command = args[0];
  if (command != "grpo" && command != "sft") return args;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  // The values of --config, --resume and --out as CLI11 will read them.
  auto value = [&](std::string_view flag) {
    std::string found;
    for (size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == flag && i + 1 < rest.size()) found = rest[i + 1];
      if (rest[i].starts_with(std::string(flag) + "=")) found = rest[i].substr(flag.size() + 1);
    }
    return found;
  };
  const std::string config = value("--config"), resume = value("--resume");
  const bool has_config = std::any_of(rest.begin(), rest.end(), [](const std::string& a) {
    return a == "--config" || a.starts_with("--config=");
  });
  // The run directory is written: it must not be the settings file.
  SWERL_RETURN_IF_ERROR(
      io::CheckDistinctFiles({{"--config", config}}, {{"--out", value("--out")}, {"--resume", resume}}));
  if (!has_config && !resume.empty()) {
    const std::string saved = resume + "/config.toml";
    if (std::filesystem::exists(saved)) {
      rest.insert(rest.begin(), {"--config", saved});
    }
  }
  SWERL_ASSIGN_OR_RETURN(std::vector<std::string> expanded, cli::ExpandConfigFile(rest, command));
  std::vector<std::string> out{command};
  out.insert(out.end(), expanded.begin(), expanded.end());
  return out;
}

}  // namespace

}  // namespace swerl::train

int main(int argc, char** argv) {
  using namespace swerl;
  std::signal(SIGPIPE, SIG_IGN);
  // A file over the size limit (ulimit -f) fails its write with EFBIG, which
  // the checkpoint writer reports, rather than killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"swerl-train - tokenizer, models, sampling and GRPO training in LibTorch"};
  app.set_version_flag("--version", "swerl-train " SWERL_VERSION);
  app.footer(cli::kExitCodesHelp);
  train::Context ctx;
  train::RegisterTokenize(app, ctx);
  train::RegisterInit(app, ctx);
  train::RegisterGenerate(app, ctx);
  train::RegisterPlot(app, ctx);
  train::RegisterGrpo(app, ctx);
  train::RegisterSft(app, ctx);
  train::RegisterEval(app, ctx);
  app.require_subcommand(1);
  auto args = train::ExpandArgs(argc, argv);
  if (!args) {
    std::fprintf(stderr, "swerl-train: error: %s\n", args.error().message().c_str());
    return cli::kExitError;
  }
  std::vector<char*> expanded{argv[0]};
  for (std::string& a : *args) expanded.push_back(a.data());
  expanded.push_back(nullptr);
  return cli::RunApp(app, "swerl-train", static_cast<int>(expanded.size() - 1), expanded.data(),
                     ctx.run);
}

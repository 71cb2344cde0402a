#include "swerl/cli/run_app.h"

#include <algorithm>
#include <vector>

namespace swerl::cli {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

bool ReportUnknownCommand(CLI::App& app, const std::string& tool, int argc, char** argv) {
  // The tool's own options (--help, --version) take no value, so the first
  // word that is not an option is the command.
  for (int k = 1; k < argc; ++k) {
    const std::string word = argv[k];
    if (word.empty() || word[0] == '-') continue;
    std::string best;
    size_t best_distance = 3;  // suggest only close names
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      if (sub->check_name(word)) return false;
      const size_t d = EditDistance(word, sub->get_name());
      if (d < best_distance) {
        best_distance = d;
        best = sub->get_name();
      }
    }
    Log& log = Log::Get();
    log.set_prefix(tool);
    log.Error("unknown command '" + word + "'" +
              (best.empty() ? "" : " (did you mean '" + best + "'?)") + "; see '" + tool +
              " --help' for the commands");
    return true;
  }
  return false;
}

int ReportParseError(CLI::App& app, const std::string& tool, const CLI::ParseError& e) {
  Log& log = Log::Get();
  const std::vector<CLI::App*> chosen = app.get_subcommands();
  const std::string where = chosen.empty() ? tool : tool + " " + chosen.back()->get_name();
  log.set_prefix(where);
  // A misspelt flag explains more than what is then missing ("--db is
  // required" after "--d b"): name the arguments nothing took first.
  std::string unknown;
  for (const std::string& arg : app.remaining(/*recurse=*/true)) {
    if (arg.size() > 1 && arg[0] == '-') unknown += (unknown.empty() ? "'" : ", '") + arg + "'";
  }
  if (!unknown.empty()) {
    log.Error("unknown option " + unknown + "; see '" + where + " --help'");
    return kExitError;
  }
  log.Error(std::string(e.what()) + "; see '" + where + " --help'");
  return kExitError;
}

}  // namespace swerl::cli

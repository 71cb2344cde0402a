#include "swerl/cli/config_file.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <set>

namespace swerl::cli {
namespace {

// The option names the command line sets itself ("--name" or "--name=v").
std::set<std::string> GivenOptions(const std::vector<std::string>& args) {
  std::set<std::string> given;
  for (const std::string& a : args) {
    if (!a.starts_with("--") || a.size() == 2) continue;
    given.insert(
        a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2));
  }
  return given;
}

}  // namespace

Result<std::vector<std::string>> ExpandConfigFile(const std::vector<std::string>& args,
                                                  const std::string& command) {
  std::string path;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string file;
    if (args[i] == "--config") {
      if (i + 1 == args.size()) return Error(Code::kInvalidInput, "--config needs a file");
      file = args[++i];
    } else if (args[i].starts_with("--config=")) {
      file = args[i].substr(9);
    } else {
      rest.push_back(args[i]);
      continue;
    }
    if (!path.empty()) return Error(Code::kInvalidInput, "--config given twice");
    path = file;
  }
  if (path.empty()) return args;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error(Code::kNotFound, "config file '" + path + "' does not exist");
  }
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(path);
  } catch (const std::exception& e) {
    return Error(Code::kInvalidInput, "config file '" + path + "': " + e.what());
  }
  const std::set<std::string> given = GivenOptions(rest);
  std::vector<std::string> out;
  for (const CLI::ConfigItem& item : items) {
    // CLI11 marks table starts and ends with the names "++" and "--".
    if (item.name == "++" || item.name == "--") continue;
    if (!item.parents.empty() && !(item.parents.size() == 1 && item.parents[0] == command)) {
      return Error(Code::kInvalidInput, "config file '" + path + "': table [" +
                                            CLI::detail::join(item.parents, ".") + "] is not [" +
                                            command + "]");
    }
    if (item.name == "config") {
      return Error(Code::kInvalidInput, "config file '" + path + "' sets config itself");
    }
    if (given.count(item.name)) continue;  // the command line wins
    if (item.inputs.size() == 1) {
      out.push_back("--" + item.name + "=" + item.inputs[0]);
    } else {
      out.push_back("--" + item.name);
      out.insert(out.end(), item.inputs.begin(), item.inputs.end());
    }
  }
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

}  // namespace swerl::cli

// The same-file guard over every subcommand of `swerl` and `swerl-train`
// and every path-valued flag (issue 16, README "Files"). The table
// below names the role of every TEXT flag each subcommand's --help lists;
// a flag that --help shows and the table lacks fails the walker test, so a
// new path flag cannot arrive without a guard case. For each output (a
// written --db, --out, --explain, standard output...) and each other path
// of the same command, the test runs the command with both naming one
// existing file and requires exit 2, a message naming both, and the file
// unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "testing/testing.h"

#ifndef SWERL_TRAIN_BINARY
#define SWERL_TRAIN_BINARY ""
#endif

namespace swerl {
namespace {

using testing::ReadFile;
using testing::RunOptions;
using testing::TempDir;
using testing::WriteFile;

enum class Role { kInput, kOutput, kNotAPath };

// Names without a leading '-' are positionals; "inputs" (the input files)
// is "input" in messages. Standard output is "stdout" here (not a flag).
constexpr const char* kInputs = "inputs";
constexpr const char* kStdout = "stdout";

struct Command {
  std::string binary;  // "swerl" or "swerl-train"
  std::string name;
  std::vector<std::string> base;  // arguments given in every run
  std::map<std::string, Role> flags;
  // Combinations the command refuses for their own reason (not tested).
  std::vector<std::pair<std::string, std::string>> apart;
  // Flags of which the command needs one (its inputs: a store or a
  // shard): when the pair names none, the first names a path of its own.
  std::vector<std::string> one_of = {};
};

constexpr Role kIn = Role::kInput, kOut = Role::kOutput, kNo = Role::kNotAPath;

// gtest names the failing row by this.
void PrintTo(const Command& c, std::ostream* os) { *os << c.binary << " " << c.name; }

const std::vector<Command>& Table() {
  static const std::vector<Command> table = {
      {"swerl",
       "fetch",
       {"--from", "2024-01-01T00", "--to", "2024-01-01T00"},
       {{"--from", kNo}, {"--to", kNo}, {"--dir", kOut}, {"--base-url", kNo}},
       {}},
      {"swerl", "events", {}, {{kInputs, kIn}, {"--types", kNo}, {kStdout, kOut}}, {}},
      {"swerl", "reward", {}, {{kInputs, kIn}, {kStdout, kOut}}, {}},
      {"swerl", "ingest", {}, {{kInputs, kIn}, {"--db", kOut}}, {}},
      {"swerl", "stats", {}, {{"--db", kIn}, {kStdout, kOut}}, {}},
      {"swerl", "link", {}, {{"--db", kOut}}, {}},
      {"swerl",
       "enrich",
       {},
       {{"--db", kOut}, {"--api-url", kNo}, {"--token-env", kNo}, {"--where", kNo}},
       {}},
      {"swerl",
       "clone",
       {},
       {{"--db", kOut}, {"--repos", kOut}, {"--url-template", kNo}, {"--where", kNo}},
       {}},
      {"swerl", "assemble", {}, {{"--db", kOut}, {"--repos", kIn}, {"--where", kNo}}, {}},
      {"swerl",
       "relevant",
       {},
       {{"--db", kOut},
        {"--repos", kIn},
        {"--where", kNo},
        {"--llm-url", kNo},
        {"--llm-model", kNo},
        {"--llm-key-env", kNo}},
       {}},
      {"swerl",
       "filter",
       {},
       {{kInputs, kIn},
        {"--rules", kIn},
        {"--explain", kOut},
        {"--db", kOut},
        {"--where", kNo},
        {"--created-after", kNo},
        {"--created-before", kNo},
        {kStdout, kOut}},
       // --db reads the store instead of inputs and writes no stdout.
       {{"--db", kInputs}, {"--db", kStdout}}},
      {"swerl",
       "export",
       {"--ndjson"},
       {{"--db", kIn},
        {"--seeds", kIn},
        {"--out", kOut},
        {"--where", kNo},
        {"--data-source", kNo},
        {"--hours", kIn},
        {"--manifest", kOut},
        {kStdout, kOut}},
       // --manifest needs --out and --db, which this table's runs cannot
       // give as well as the pair: ExportCliTest.ManifestNamingAnotherPathIsRefused.
       {{"--manifest", "--db"},
        {"--manifest", "--seeds"},
        {"--manifest", "--out"},
        {"--manifest", "--hours"},
        {"--manifest", kStdout}},
       {"--db", "--seeds"}},
      {"swerl", "check", {}, {{"--seeds", kIn}}, {}},
      {"swerl", "merge", {}, {{kInputs, kIn}, {"--db", kOut}}, {}},
      {"swerl",
       "rebuild",
       {},
       {{"manifest", kIn},
        {"--workdir", kOut},
        {"--gharchive-url", kNo},
        {"--api-url", kNo},
        {"--git-url-template", kNo}},
       {}},
      {"swerl", "license", {}, {{"--db", kOut}, {"--repos", kIn}}, {}},
      {"swerl-train", "tokenize", {}, {{"--tokenizer", kIn}, {kInputs, kIn}, {kStdout, kOut}}, {}},
      {"swerl-train", "init", {"--arch", "llama"}, {{"--tokenizer", kIn}, {"--out", kOut}}, {}},
      {"swerl-train",
       "generate",
       {},
       {{kInputs, kIn},
        {"--model", kIn},
        {"--tokenizer", kIn},
        {"--stop", kNo},
        {"--device", kNo},
        {"--dtype", kNo},
        {kStdout, kOut}},
       {}},
      {"swerl-train",
       "plot",
       {},
       {{"run", kIn}, {"--out", kOut}, {"--gnuplot", kIn}, {"--title", kNo}},
       {}},
      {"swerl-train",
       "grpo",
       {},
       {{"--seeds", kIn},
        {"--model", kIn},
        {"--tokenizer", kIn},
        {"--config", kIn},
        {"--out", kOut},
        {"--resume", kOut},
        {"--device", kNo},
        {"--dtype", kNo},
        {"--reward-cmd", kNo}},
       {}},
      {"swerl-train",
       "sft",
       {},
       {{"--seeds", kIn},
        {"--model", kIn},
        {"--tokenizer", kIn},
        {"--config", kIn},
        {"--out", kOut},
        {"--resume", kOut},
        {"--device", kNo},
        {"--dtype", kNo}},
       {}},
      {"swerl-train",
       "eval",
       {},
       {{"--seeds", kIn},
        {"--model", kIn},
        {"--tokenizer", kIn},
        {"--out", kOut},
        {kStdout, kOut},
        {"--reward-cmd", kNo},
        {"--device", kNo},
        {"--dtype", kNo}},
       {}},
  };
  return table;
}

std::string BinaryPath(const std::string& binary) {
  return binary == "swerl" ? SWERL_BINARY : SWERL_TRAIN_BINARY;
}

// The options of `binary sub --help` whose value is free text (TEXT, not a
// TEXT:{a,b} choice): every flag that could name a path. `required` gets
// those marked REQUIRED.
std::set<std::string> TextFlags(const std::string& binary, const std::string& sub,
                                std::set<std::string>* required = nullptr) {
  const auto help = testing::Run({BinaryPath(binary), sub, "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  // "  --db TEXT REQUIRED ...", "  -k,--top-k INT", "  inputs TEXT ...".
  static const std::regex line(R"(^\s+(?:-\w,)?(--[a-z0-9-]+|[a-z][a-z0-9_]*) (TEXT(\S*))(.*)$)");
  std::set<std::string> flags;
  std::istringstream in(help.out);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (!std::regex_match(l, m, line)) continue;
    if (m[3].str().starts_with(":{")) continue;  // a choice among words
    flags.insert(m[1].str());
    if (required && m[4].str().find("REQUIRED") != std::string::npos) required->insert(m[1]);
  }
  return flags;
}

std::vector<std::string> Subcommands(const std::string& binary) {
  const auto help = testing::Run({BinaryPath(binary), "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  std::vector<std::string> subs;
  std::istringstream in(help.out);
  bool listing = false;
  for (std::string l; std::getline(in, l);) {
    if (l == "Subcommands:") {
      listing = true;
      continue;
    }
    if (listing && l.empty()) break;
    std::smatch m;
    static const std::regex sub(R"(^  ([a-z][a-z0-9-]*)\s.*)");
    if (listing && std::regex_match(l, m, sub)) subs.push_back(m[1]);
  }
  return subs;
}

bool Available(const std::string& binary) { return !BinaryPath(binary).empty(); }

// The table lists every subcommand and every free-text flag --help shows,
// and nothing --help does not show.
TEST(SameFileTable, CoversEverySubcommandAndEveryTextFlag) {
  for (const std::string binary : {"swerl", "swerl-train"}) {
    if (!Available(binary)) continue;  // a build without LibTorch
    std::set<std::string> listed;
    for (const Command& c : Table()) {
      if (c.binary == binary) listed.insert(c.name);
    }
    for (const std::string& sub : Subcommands(binary)) {
      EXPECT_TRUE(listed.count(sub))
          << binary << " " << sub << " is missing from the same-file table: add its path flags";
    }
    for (const Command& c : Table()) {
      if (c.binary != binary) continue;
      const std::set<std::string> shown = TextFlags(binary, c.name);
      for (const std::string& flag : shown) {
        EXPECT_TRUE(c.flags.count(flag))
            << binary << " " << c.name << " " << flag
            << " takes free text: say in the table whether it is a path read, a path written, "
               "or no path";
      }
      for (const auto& [flag, role] : c.flags) {
        if (flag != kStdout) {
          EXPECT_TRUE(shown.count(flag)) << binary << " " << c.name << " has no " << flag;
        }
      }
    }
  }
}

class SameFileGuard : public ::testing::TestWithParam<Command> {};

// How a message names the path given as `flag` = `path`.
std::string Named(const std::string& flag, const std::string& path) {
  if (flag == kStdout) return "standard output";
  if (flag == kInputs) return "input '" + path + "'";
  return flag + " '" + path + "'";
}

TEST_P(SameFileGuard, EveryOutputThatNamesAnotherPathOfTheRunIsRefused) {
  const Command& c = GetParam();
  if (!Available(c.binary)) GTEST_SKIP() << c.binary << " is not built";
  TempDir dir;
  const std::string precious = dir.Join("precious");
  const std::string contents = "a file the run must not touch\n";
  std::set<std::string> required;
  TextFlags(c.binary, c.name, &required);
  int pairs = 0;
  for (const auto& [out, out_role] : c.flags) {
    if (out_role != kOut) continue;
    for (const auto& [other, other_role] : c.flags) {
      if (other == out || other_role == kNo) continue;
      if (other_role == kOut && other < out) continue;  // each pair of outputs once
      bool apart = false;
      for (const auto& [a, b] : c.apart) {
        apart |= (a == out && b == other) || (a == other && b == out);
      }
      if (apart) continue;
      ++pairs;
      WriteFile(precious, contents);
      std::vector<std::string> argv = {BinaryPath(c.binary), c.name, "-q"};
      argv.insert(argv.end(), c.base.begin(), c.base.end());
      RunOptions options;
      std::vector<std::string> positionals;
      for (const std::string& flag : {out, other}) {
        if (flag == kStdout) {
          options.stdout_append = precious;
        } else if (!flag.starts_with("-")) {
          positionals.push_back(precious);
        } else {
          argv.insert(argv.end(), {flag, precious});
        }
      }
      // Required flags outside the pair name paths of their own.
      if (!c.one_of.empty() &&
          std::none_of(c.one_of.begin(), c.one_of.end(),
                       [&](const std::string& f) { return f == out || f == other; })) {
        argv.insert(argv.end(), {c.one_of[0], dir.Join("elsewhere" + c.one_of[0])});
      }
      for (const std::string& flag : required) {
        if (flag == out || flag == other) continue;
        if (std::find(c.base.begin(), c.base.end(), flag) != c.base.end()) continue;
        if (flag.starts_with("-")) {
          argv.insert(argv.end(), {flag, dir.Join("elsewhere" + flag)});
        } else {
          positionals.push_back(dir.Join("elsewhere-" + flag));
        }
      }
      argv.insert(argv.end(), positionals.begin(), positionals.end());
      std::string shown;
      for (const std::string& a : argv) shown += a + " ";
      const auto r = testing::Run(argv, options);
      EXPECT_EQ(r.exit_code, 2) << shown << "\n" << r.err;
      const std::string first = Named(out, precious), second = Named(other, precious);
      EXPECT_TRUE(r.err.find("same file") != std::string::npos &&
                  r.err.find(first) != std::string::npos && r.err.find(second) != std::string::npos)
          << shown << "(stdout: " << (options.stdout_append.empty() ? "pipe" : "the file")
          << ")\nexpected a refusal naming " << first << " and " << second << ", got: " << r.err;
      EXPECT_EQ(ReadFile(precious), contents) << shown;
    }
  }
  const auto paths =
      std::count_if(c.flags.begin(), c.flags.end(), [](const auto& f) { return f.second != kNo; });
  const bool has_output =
      std::any_of(c.flags.begin(), c.flags.end(), [](const auto& f) { return f.second == kOut; });
  if (has_output && paths > 1) {
    EXPECT_GT(pairs, 0) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(AllSubcommands, SameFileGuard, ::testing::ValuesIn(Table()),
                         [](const ::testing::TestParamInfo<Command>& info) {
                           std::string name = info.param.binary + "_" + info.param.name;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace swerl

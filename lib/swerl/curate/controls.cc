#include "swerl/curate/controls.h"

#include <algorithm>
#include <cstdio>

#include "swerl/reward/reward.h"
#include "swerl/shard/oracle_answer.h"

namespace swerl::curate {
namespace {

constexpr const char* kThink = "<think>\nA control answer.\n</think>\n<solution>\n";

const std::string* Find(const shard::SeedFiles& files, std::string_view path) {
  for (const auto& [p, text] : files) {
    if (p == path) return &text;
  }
  return nullptr;
}

// The lines of `text`, each with its '\n' (the last may lack one).
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return lines;
}

// A block inserting a blank line before a line of `text` that occurs once
// (the reward matches SEARCH once), trying line `near` first and then
// outwards; "" when no line is unique.
std::string BlankLineBlock(std::string_view path, std::string_view text, size_t near) {
  const std::vector<std::string_view> lines = Lines(text);
  if (lines.empty()) return "";
  near = std::min(near, lines.size() - 1);
  for (size_t dist = 0; dist < lines.size(); ++dist) {
    for (int sign : {-1, 1}) {
      if (dist == 0 && sign == 1) continue;
      const long k = static_cast<long>(near) + sign * static_cast<long>(dist);
      if (k < 0 || k >= static_cast<long>(lines.size())) continue;
      std::string_view line = lines[static_cast<size_t>(k)];
      if (line.empty() || line.back() != '\n') continue;
      line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      // Once in the file, as a whole line.
      size_t count = 0;
      for (std::string_view other : lines)
        count += other.substr(0, line.size()) == line && other.size() == line.size() + 1;
      if (count != 1) continue;
      return "```\n### " + std::string(path) + "\n<<<<<<< SEARCH\n" + std::string(line) +
             "\n=======\n\n" + std::string(line) + "\n>>>>>>> REPLACE\n```";
    }
  }
  return "";
}

// The first changed oracle path that has context text, and the index of
// its first changed line.
bool FirstChange(const shard::Seed& seed, std::string* path, size_t* line) {
  for (const auto& [p, after] : seed.oracle) {
    const std::string* before = Find(seed.context, p);
    if (!before || *before == after) continue;
    const std::vector<std::string_view> a = Lines(*before), b = Lines(after);
    size_t k = 0;
    while (k < a.size() && k < b.size() && a[k] == b[k]) ++k;
    *path = p;
    *line = k;
    return true;
  }
  return false;
}

}  // namespace

std::string ControlAnswer(const shard::Seed& seed, std::string_view name) {
  if (name == "empty") return std::string(kThink) + "</solution>";
  if (name == "noop") {
    std::string path;
    size_t line = 0;
    if (!FirstChange(seed, &path, &line)) return "";
    const std::string block = BlankLineBlock(path, *Find(seed.context, path), line);
    return block.empty() ? "" : kThink + block + "\n</solution>";
  }
  if (name == "other_file") {
    for (const auto& [p, text] : seed.context) {
      if (Find(seed.oracle, p)) continue;
      const std::string block = BlankLineBlock(p, text, 0);
      if (!block.empty()) return kThink + block + "\n</solution>";
    }
    return "";
  }
  if (name == "wrong_file") {
    // The oracle's edit of one file alone: the first changed file the
    // context holds (a new file's block has an empty SEARCH, which would
    // insert its text after every line of any file), then aimed elsewhere.
    for (const auto& [path, after] : seed.oracle) {
      const std::string* before = Find(seed.context, path);
      if (!before || before->empty() || *before == after) continue;
      const std::string block = shard::OracleAnswer({{path, *before}}, {{path, after}});
      const std::string header = "\n### " + path + "\n";
      const size_t at = block.find(header);
      if (at == std::string::npos) return "";
      for (const auto& [p, text] : seed.context) {
        if (p == path) continue;
        return block.substr(0, at) + "\n### " + p + "\n" + block.substr(at + header.size());
      }
      return "";
    }
    return "";
  }
  return "";
}

ControlReport ScoreControls(const shard::Seed& seed, double max_score, double max_noop_score) {
  static constexpr const char* kNames[] = {"empty", "noop", "other_file", "wrong_file"};
  std::string answers[4];
  for (int k = 0; k < 4; ++k) answers[k] = ControlAnswer(seed, kNames[k]);
  // The scorer gets the oracle's files and the ones the answers edit ("### "
  // names a block's file): the reward compares the diffs of edited and
  // oracle files only, so copying the rest of the context (most of a
  // seed's bytes) would change nothing.
  auto needed = [&](const std::string& path) {
    if (Find(seed.oracle, path)) return true;
    const std::string header = "\n### " + path + "\n";
    for (const std::string& a : answers) {
      if (a.find(header) != std::string::npos) return true;
    }
    return false;
  };
  reward::FileMap context;
  for (const auto& [path, text] : seed.context) {
    if (needed(path)) context.emplace(path, text);
  }
  reward::FileMap oracle(seed.oracle.begin(), seed.oracle.end());
  const reward::Seed scorer(std::move(context), std::move(oracle));
  ControlReport report;
  if (scorer.OracleDiffs().empty()) {
    // No oracle change: nothing to compare with (export drops the seed).
    for (const char* name : kNames) report.scores.push_back({name, std::nullopt});
    return report;
  }
  for (int k = 0; k < 4; ++k) {
    const char* name = kNames[k];
    ControlScore c{name, std::nullopt};
    const std::string& answer = answers[k];
    if (!answer.empty()) c.score = scorer.ScoreOutput(answer).reward;
    const double limit = std::string_view(name) == "noop" ? max_noop_score : max_score;
    if (c.score && *c.score > limit && report.failure.empty()) {
      char text[96];
      std::snprintf(text, sizeof text, "%s scores %.2f > %.2f", name, *c.score, limit);
      report.failure = text;
    }
    report.scores.push_back(std::move(c));
  }
  return report;
}

}  // namespace swerl::curate

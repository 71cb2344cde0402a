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
    const std::string oracle = shard::OracleAnswer(seed.context, seed.oracle);
    const size_t at = oracle.find("\n### ");
    if (at == std::string::npos) return "";
    const size_t end = oracle.find('\n', at + 5);
    const std::string path = oracle.substr(at + 5, end - at - 5);
    for (const auto& [p, text] : seed.context) {
      if (p == path) continue;
      return oracle.substr(0, at + 5) + p + oracle.substr(end);
    }
    return "";
  }
  return "";
}

ControlReport ScoreControls(const shard::Seed& seed, double max_score, double max_noop_score) {
  reward::FileMap context(seed.context.begin(), seed.context.end());
  reward::FileMap oracle(seed.oracle.begin(), seed.oracle.end());
  const reward::Seed scorer(std::move(context), std::move(oracle));
  ControlReport report;
  if (scorer.OracleDiffs().empty()) {
    // No oracle change: nothing to compare with (export drops the seed).
    for (const char* name : {"empty", "noop", "other_file", "wrong_file"}) {
      report.scores.push_back({name, std::nullopt});
    }
    return report;
  }
  for (const char* name : {"empty", "noop", "other_file", "wrong_file"}) {
    ControlScore c{name, std::nullopt};
    const std::string answer = ControlAnswer(seed, name);
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

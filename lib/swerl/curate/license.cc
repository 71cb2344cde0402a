#include "swerl/curate/license.h"

#include <algorithm>
#include <iterator>

#include "swerl/core/check.h"

// data/licenses/licenses.txt, linked into .rodata (see benchmarks.cc for
// why .incbin and how the build tracks it).
__asm__(
    ".section .rodata\n"
    ".balign 16\n"
    ".global swerl_licenses_txt\n"
    "swerl_licenses_txt:\n"
    ".incbin \"" SWERL_LICENSES_FILE
    "\"\n"
    ".global swerl_licenses_txt_end\n"
    "swerl_licenses_txt_end:\n"
    ".previous\n");
extern "C" const char swerl_licenses_txt[];
extern "C" const char swerl_licenses_txt_end[];

namespace swerl::curate {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool IsWord(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool CopyrightLine(std::string_view lower) {
  const size_t first = lower.find_first_not_of(" \t*#/-");
  if (first == std::string_view::npos) return false;
  lower = lower.substr(first);
  return lower.starts_with("copyright") || lower.starts_with("(c)") ||
         lower.starts_with("\xc2\xa9") || lower.starts_with("all rights reserved");
}

}  // namespace

Result<std::vector<LicenseText>> ParseLicenseList(std::string_view text, std::string_view source) {
  std::vector<LicenseText> out;
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    const std::string_view line = text.substr(pos, end - pos);
    pos = end;
    ++line_no;
    if (line.starts_with("%%license ")) {
      const std::string_view rest = line.substr(10);
      const size_t space = rest.find(' ');
      if (space == 0 || space == std::string_view::npos) {
        return Error(Code::kInvalidInput, std::string(source) + ":" + std::to_string(line_no) +
                                              ": expected '%%license SPDX-ID PATH BLOB'");
      }
      out.push_back({std::string(rest.substr(0, space)), ""});
      continue;
    }
    if (out.empty()) {
      return Error(Code::kInvalidInput, std::string(source) + ":" + std::to_string(line_no) +
                                            ": text before a '%%license' line");
    }
    out.back().text.append(line);
  }
  return out;
}

const std::vector<LicenseText>& ShippedLicenses() {
  static const std::vector<LicenseText> list = [] {
    auto parsed = ParseLicenseList(
        std::string_view(swerl_licenses_txt,
                         static_cast<size_t>(swerl_licenses_txt_end - swerl_licenses_txt)),
        "data/licenses/licenses.txt");
    SWERL_CHECK(parsed.has_value());
    return std::move(parsed).value();
  }();
  return list;
}

std::vector<std::string> LicenseWords(std::string_view text) {
  std::vector<std::string> words;
  size_t pos = 0;
  bool first_line = true;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string line(text.substr(pos, end - pos));
    pos = end + 1;
    for (char& c : line) c = Lower(c);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (CopyrightLine(line)) continue;
    // The title: a first line naming the licence ("MIT License", "Apache
    // License").
    if (first_line) {
      first_line = false;
      if (line.size() < 80 && line.find("licen") != std::string::npos &&
          line.find('.') == std::string::npos) {
        continue;
      }
    }
    // Template fields and URLs.
    std::string cleaned;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (c == '[' || c == '<' || c == '{') {
        const char close = c == '[' ? ']' : c == '<' ? '>' : '}';
        const size_t j = line.find(close, i);
        if (j != std::string::npos && j - i < 60) {
          i = j;
          cleaned.push_back(' ');
          continue;
        }
      }
      if (line.compare(i, 7, "http://") == 0 || line.compare(i, 8, "https://") == 0) {
        while (i < line.size() && line[i] != ' ' && line[i] != ')' && line[i] != '>') ++i;
        cleaned.push_back(' ');
        continue;
      }
      cleaned.push_back(c);
    }
    for (size_t i = 0; i < cleaned.size();) {
      if (!IsWord(cleaned[i])) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < cleaned.size() && IsWord(cleaned[j])) ++j;
      words.emplace_back(cleaned.substr(i, j - i));
      i = j;
    }
  }
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

LicenseMatch IdentifyLicense(std::string_view text) {
  static const std::vector<std::vector<std::string>> shipped = [] {
    std::vector<std::vector<std::string>> out;
    for (const LicenseText& l : ShippedLicenses()) out.push_back(LicenseWords(l.text));
    return out;
  }();
  const std::vector<std::string> words = LicenseWords(text);
  LicenseMatch best;
  if (words.empty()) return best;
  const auto& licenses = ShippedLicenses();
  for (size_t k = 0; k < licenses.size(); ++k) {
    std::vector<std::string> both;
    std::set_intersection(words.begin(), words.end(), shipped[k].begin(), shipped[k].end(),
                          std::back_inserter(both));
    const double dice = 2.0 * static_cast<double>(both.size()) /
                        static_cast<double>(words.size() + shipped[k].size());
    if (dice > best.similarity) {
      best.similarity = dice;
      best.closest = licenses[k].spdx;
    }
  }
  if (best.similarity >= kLicenseThreshold) best.spdx = best.closest;
  return best;
}

bool IsLicenseFileName(std::string_view path) {
  if (path.find('/') != std::string_view::npos) return false;
  std::string lower(path);
  for (char& c : lower) c = Lower(c);
  for (std::string_view stem : {"license", "licence", "copying", "unlicense"}) {
    if (!lower.starts_with(stem)) continue;
    const std::string_view rest = std::string_view(lower).substr(stem.size());
    return rest.empty() || rest[0] == '.' || rest[0] == '-' || rest[0] == '_';
  }
  return false;
}

std::vector<std::string> DefaultLicenseAllowlist() {
  return {"0BSD",         "Apache-2.0",
          "BSD-2-Clause", "BSD-2-Clause-Patent",
          "BSD-3-Clause", "BSD-3-Clause-Clear",
          "BSL-1.0",      "BlueOak-1.0.0",
          "CC0-1.0",      "ISC",
          "MIT",          "MIT-0",
          "NCSA",         "PostgreSQL",
          "UPL-1.0",      "Unlicense",
          "Zlib"};
}

}  // namespace swerl::curate

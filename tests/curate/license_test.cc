// Licence identification (lib/swerl/curate/license.h) on real licence files
// (tests/data/licenses/, from installed Python packages and Debian's
// common-licenses; README.md there), the shipped list against itself, a
// mutation test (copyright holders, years and re-wrapping do not matter),
// licence file names, and the filter's license rule.
#include "swerl/curate/license.h"

#include <gtest/gtest.h>

#include <random>

#include "swerl/curate/filter_rules.h"
#include "testing/testing.h"

namespace swerl::curate {
namespace {

std::string Fixture(const std::string& name) {
  return testing::ReadFile(testing::DataPath("licenses/" + name));
}

TEST(LicenseTest, RealLicenseFiles) {
  const std::pair<const char*, const char*> cases[] = {
      {"typer-LICENSE", "MIT"},
      {"absl-py-LICENSE", "Apache-2.0"},
      {"jinja2-LICENSE.txt", "BSD-3-Clause"},
      {"idna-LICENSE.md", "BSD-3-Clause"},
      {"pygments-LICENSE", "BSD-2-Clause"},
      {"nvidia-nccl-License.txt", ""},  // BSD-3-Clause plus NVIDIA terms: 0.87, reported unknown
      {"debian-common-licenses-GPL-3", "GPL-3.0"},
      {"debian-common-licenses-LGPL-2.1", "LGPL-2.1"},
  };
  for (const auto& [file, spdx] : cases) {
    const LicenseMatch m = IdentifyLicense(Fixture(file));
    std::cout << "[ measure  ] " << file << ": " << (m.spdx.empty() ? "unknown" : m.spdx)
              << " (closest " << m.closest << ", " << m.similarity << ")\n";
    EXPECT_EQ(m.spdx, spdx) << file << ": closest " << m.closest << " " << m.similarity;
  }
  // NVIDIA's SDK licence agreement is no open-source licence.
  const LicenseMatch sdk = IdentifyLicense(Fixture("nvidia-cudnn-License.txt"));
  std::cout << "[ measure  ] nvidia-cudnn-License.txt: closest " << sdk.closest << ", "
            << sdk.similarity << "\n";
  EXPECT_EQ(sdk.spdx, "");
  EXPECT_FALSE(sdk.closest.empty());
  EXPECT_EQ(IdentifyLicense("").spdx, "");
}

// Every shipped text identifies as itself (the list has no two licences
// closer than the threshold to one another, or the first would win).
TEST(LicenseTest, ShippedListIdentifiesItself) {
  const auto& all = ShippedLicenses();
  ASSERT_EQ(all.size(), 47u);
  size_t self = 0;
  for (const LicenseText& l : all) {
    const LicenseMatch m = IdentifyLicense(l.text);
    self += m.spdx == l.spdx;
    EXPECT_EQ(m.spdx, l.spdx) << "closest " << m.closest << " " << m.similarity;
  }
  EXPECT_EQ(self, all.size());
}

// Mutation: a filled-in template (holder and year), re-wrapped at another
// width, with a title line, still identifies; dropping half the words
// does not.
TEST(LicenseTest, FilledInTemplatesStillMatch) {
  std::mt19937 rng(5);
  for (const LicenseText& l : ShippedLicenses()) {
    std::string filled = l.text;
    for (const char* field : {"[year]", "[fullname]", "<year>", "<copyright holders>"}) {
      for (size_t at; (at = filled.find(field)) != std::string::npos;) {
        filled.replace(at, std::string_view(field).size(), "2019 Jane Q. Hacker");
      }
    }
    // Re-wrap: every newline inside a paragraph becomes a space.
    std::string wrapped;
    for (size_t i = 0; i < filled.size(); ++i) {
      const bool para = filled[i] == '\n' && ((i + 1 < filled.size() && filled[i + 1] == '\n') ||
                                              (i > 0 && filled[i - 1] == '\n'));
      wrapped.push_back(filled[i] == '\n' && !para && rng() % 2 ? ' ' : filled[i]);
    }
    EXPECT_EQ(IdentifyLicense("Some Project License\n\n" + wrapped).spdx, l.spdx);
    std::string half;
    for (size_t i = 0; i < wrapped.size() / 2; ++i) half.push_back(wrapped[i]);
    if (l.text.size() > 4000) EXPECT_EQ(IdentifyLicense(half).spdx, "") << l.spdx;
  }
}

TEST(LicenseTest, LicenseFileNames) {
  for (const char* yes : {"LICENSE", "LICENSE.md", "license.txt", "LICENCE", "COPYING",
                          "COPYING.LESSER", "LICENSE-MIT", "UNLICENSE"}) {
    EXPECT_TRUE(IsLicenseFileName(yes)) << yes;
  }
  for (const char* no : {"docs/LICENSE", "licenses.py", "README.md", "COPYRIGHT"}) {
    EXPECT_FALSE(IsLicenseFileName(no)) << no;
  }
}

TEST(LicenseTest, FilterKeepsTheAllowlist) {
  shard::Seed s;
  s.repo = "acme/widget";
  s.pull_number = 3;
  s.instance_id = "acme__widget-3";
  FilterRules rules;
  rules.drop_benchmark_instances = rules.drop_benchmark_near_duplicates = false;
  rules.drop_empty = rules.require_code_file = rules.drop_all_noise = false;
  rules.dedup = rules.near_dedup = false;
  Filter filter(rules);
  auto rule = [&](const std::string& license) {
    s.license = license;
    const FilterDecision d = filter.Evaluate(s);
    return d.kept ? std::string("kept") : std::string(FilterRuleName(d.rule)) + ": " + d.detail;
  };
  EXPECT_EQ(rule("MIT"), "kept");
  EXPECT_EQ(rule("Apache-2.0"), "kept");
  EXPECT_EQ(rule("GPL-3.0"), "license: GPL-3.0 is not in the licence allowlist");
  EXPECT_EQ(rule("unknown"), "license: the licence file matches no known licence (repo_licenses)");
  EXPECT_EQ(rule("none"), "kept");  // allow_none by default
  EXPECT_EQ(rule(""), "kept");      // not identified
  auto parsed =
      ParseFilterRules("[license]\nallow = [\"GPL-3.0\"]\nallow_none = false\n", "r.toml");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  parsed->drop_benchmark_instances = parsed->drop_benchmark_near_duplicates = false;
  parsed->drop_empty = parsed->require_code_file = parsed->drop_all_noise = false;
  parsed->dedup = parsed->near_dedup = false;
  Filter gpl(*parsed);
  s.license = "GPL-3.0";
  EXPECT_TRUE(gpl.Evaluate(s).kept);
  s.license = "none";
  EXPECT_EQ(gpl.Evaluate(s).detail, "no licence file");
}

}  // namespace
}  // namespace swerl::curate

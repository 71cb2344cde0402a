// Licence identification: a repository's LICENSE/COPYING text matched
// against the licence texts shipped in data/licenses/licenses.txt (the
// choosealicense.com list licensee uses; provenance in
// data/licenses/README.md) by the Sørensen-Dice coefficient of normalised
// word sets, as licensee's Dice matcher does. `swerl license` stores the
// result per repository; seeds carry it; the filter's `license` rule keeps
// an allowlist.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::curate {

struct LicenseText {
  std::string spdx;  // "MIT", "Apache-2.0", ...
  std::string text;
};

// Parses the licenses.txt format: per licence a line "%%license SPDX-ID
// SOURCE-PATH BLOB", then its text. Errors: kInvalidInput naming the line.
Result<std::vector<LicenseText>> ParseLicenseList(std::string_view text, std::string_view source);

// The compiled-in list (47 licences), parsed once.
const std::vector<LicenseText>& ShippedLicenses();

// The normalised words of a licence text, sorted and distinct: lowercased
// runs of letters and digits, after dropping copyright lines ("copyright",
// "(c)", "©"), the template fields of the shipped texts ("[year]",
// "[fullname]", "<year>", "<name of author>"...), URLs and the licence's
// title line. Exposed for tests.
std::vector<std::string> LicenseWords(std::string_view text);

// The minimum Dice similarity for a match: 0.90.
inline constexpr double kLicenseThreshold = 0.90;

struct LicenseMatch {
  std::string spdx;       // "" when nothing reaches the threshold
  std::string closest;    // the most similar shipped licence
  double similarity = 0;  // with `closest`
};

// The shipped licence most similar to `text`; spdx is set when its
// similarity is at least kLicenseThreshold.
LicenseMatch IdentifyLicense(std::string_view text);

// Whether `path` (a repository-root file name) is a licence file: LICENSE,
// LICENCE, COPYING, UNLICENSE (any case, any extension, with "-MIT"-style
// suffixes).
bool IsLicenseFileName(std::string_view path);

// The permissive licences of the default allowlist.
std::vector<std::string> DefaultLicenseAllowlist();

}  // namespace swerl::curate

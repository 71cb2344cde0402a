// Secrets and personal data in seeds: a rule set in the spirit of gitleaks
// (cloud keys, tokens, private keys, passwords in URLs) whose findings drop
// a seed (filter rule `secret`), and e-mail addresses, redacted from free
// text to a placeholder when a seed is built. A finding names its rule and
// position, never the secret. Rules: data/filters/README.md, "Secrets".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/shard/seed.h"

namespace swerl::curate {

struct SecretFinding {
  std::string rule;   // "aws_access_key_id", "github_token", ...
  std::string field;  // where: "patch", "problem_statement", "context:src/x.py", ...
  size_t offset = 0;  // byte offset of the match in that field
};

// The rule names, in the order they are tried.
const std::vector<std::string_view>& SecretRuleNames();

// The credentials in `text` (field names them), in text order, at most one
// finding per position.
std::vector<SecretFinding> FindSecrets(std::string_view text, std::string_view field);

// Every free text, patch and context file of `seed`: title, body, problem
// statement, the other issues' titles and bodies (the closing ones are the
// statement), patch, test_patch, context contents (the oracle adds only the
// patch's lines). Stops after `max_findings`.
std::vector<SecretFinding> FindSeedSecrets(const shard::Seed& seed, size_t max_findings = 16);

// The e-mail placeholder.
inline constexpr std::string_view kEmailPlaceholder = "<email>";

// `text` with every e-mail address (local@domain.tld) replaced by
// kEmailPlaceholder; *count (when given) is incremented per address. SSH
// remotes of the form git@host and the user:password@host of a URL are not
// addresses and stay.
std::string RedactEmails(std::string_view text, size_t* count = nullptr);

}  // namespace swerl::curate

// The rules of `swerl filter` (SPEC §3.1 rows 4, 6, 7; §3.3; §3.4): which
// seeds are dropped and why, their thresholds loaded from TOML presets
// (data/filters/*.toml, documented in data/filters/README.md), and the Filter
// that applies them in a fixed order with exact dedup and per-rule counts.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "swerl/core/result.h"
#include "swerl/curate/minhash.h"
#include "swerl/shard/seed.h"

namespace swerl::curate {

// A repository excluded by decontamination: matched by its GitHub id (when
// known, id > 0) or by any of its names, case-insensitively.
class BenchmarkIndex;

struct ExcludedRepo {
  int64_t id = 0;                  // 0: unknown, match by name only
  std::vector<std::string> names;  // lowercase "owner/name", current name first
  bool operator==(const ExcludedRepo&) const = default;
};

// Every threshold and list of the filter. The member defaults are the
// documented defaults (data/filters/README.md); data/filters/default.toml
// spells them all out. Every switch can be turned off (false, or 0 for a
// limit).
struct FilterRules {
  // What filter_decisions.rules records: the preset name or the file path.
  std::string name = "default";

  // 1. decontaminated: the repository is one of excluded_repos, or (with
  // forks) has the name of one under another owner ("alice/django"): GH
  // Archive does not say whose fork a repository is, and a fork or copy of
  // a benchmark repository carries the benchmark's code and history.
  bool decontaminate = true;
  std::vector<ExcludedRepo> excluded_repos;  // default: SwebenchRepos()
  bool decontaminate_forks = true;

  // 2. created_window: the PR, or a closing issue whose creation time the
  // record has, was created outside [created_after, created_before): a
  // model whose training data ends at created_after has not seen it (the
  // SWE-rebench / SWE-bench-Live discipline). "" = no bound; else
  // "YYYY-MM-DDTHH:MM:SSZ" (ParseFilterRules also takes "YYYY-MM-DD" as its
  // 00:00:00Z). With a bound set, a PR without created_at is dropped.
  std::string created_after;
  std::string created_before;

  // 3. benchmark_instance: the seed is a public benchmark instance (the
  // shipped lists, ShippedBenchmarks(): same repository by id or any known
  // name, same PR number). `benchmarks` names the lists used; empty = all.
  bool drop_benchmark_instances = true;
  std::vector<std::string> benchmarks;

  // 4. benchmark_near_duplicate: the problem statement or the patch is a
  // near duplicate of a benchmark instance's (minhash.h: estimated Jaccard
  // similarity of normalised 5-token shingles at least the threshold;
  // texts with fewer than min_shingles shingles are not compared). Catches
  // seeds that close a benchmark's issue (same statement) and copies of a
  // benchmark's fix in forks or renamed repositories.
  bool drop_benchmark_near_duplicates = true;
  double statement_similarity = 0.5;
  double patch_similarity = 0.5;
  int64_t min_shingles = 16;

  // 5. secret: a credential (secrets.h: AWS keys, GitHub/GitLab/Slack/npm/
  // OpenAI/Stripe/Google tokens, private keys, passwords in URLs) in the
  // texts, patches or files of the seed. The detail names the rule, the
  // field and the byte offset, never the secret.
  bool drop_secrets = true;

  // 6. license: the repository's licence (seed.license, from `swerl
  // license`) is not in license_allowlist (SPDX ids; default: permissive,
  // DefaultLicenseAllowlist()), or is "unknown" (a licence file matching no
  // shipped text), or is "none" (no licence file) unless allow_no_license.
  // A seed whose licence was not identified ("") is kept.
  bool check_license = true;
  std::vector<std::string> license_allowlist;
  bool allow_no_license = true;

  // 7. utf8_repaired: the record holds U+FFFD in place of non-UTF-8 bytes.
  bool drop_utf8_repaired = false;

  // 8. bot: a keyword is a substring (ASCII case-insensitive) of the PR's
  // title, body or author, or author_type is "Bot".
  bool drop_bots = true;
  std::vector<std::string> bot_keywords = {"[bot]", "dependabot", "renovate", "bump", "automerge"};
  bool drop_bot_author_type = true;

  // 9. empty: patch and test_patch hold no file section.
  bool drop_empty = true;

  // 10. too_large: more changed files or '+'/'-' lines than these (0 = no
  // limit), or (drop_huge_files) a changed file whose contents were too
  // large to store (files[].skip "huge": over assemble's --max-file-bytes,
  // 1 MiB by default).
  int64_t max_files = 50;
  int64_t max_changed_lines = 5000;
  bool drop_huge_files = true;

  // 11. noise: every hunk of the patch (code and tests) is noise; a change
  // with no hunk at all (binary, rename or mode changes only) counts as all
  // noise. A hunk is noise when its file is generated, locked or vendored
  // (store::VendoredPath of either path, files[].skip "vendored", or a name
  // in noise_file_names), a documentation file, a version bump, or when it
  // only changes whitespace; see data/filters/README.md.
  bool drop_all_noise = true;
  bool noise_generated = true;
  std::vector<std::string> noise_file_names;  // extra file names, exact, case-insensitive
  bool noise_docs = true;
  std::vector<std::string> doc_extensions = {".md", ".rst", ".txt", ".adoc", ".rdoc"};
  std::vector<std::string> doc_dirs = {"doc", "docs", "documentation"};
  // Names without extension, case-insensitive: "CHANGELOG.md" matches "changelog".
  std::vector<std::string> doc_names = {"changelog", "changes",      "history", "news",
                                        "authors",   "contributors", "license", "readme"};
  bool noise_version_bumps = true;
  // Files where any line may carry a version (else the line must say "version").
  std::vector<std::string> version_files = {
      "package.json", "setup.py",      "setup.cfg",        "pyproject.toml", "cargo.toml",
      "pom.xml",      "build.gradle",  "build.gradle.kts", "go.mod",         "requirements.txt",
      "version",      "version.txt",   "version.py",       "_version.py",    "__init__.py",
      "gemfile",      "composer.json", "chart.yaml"};
  bool noise_whitespace = true;

  // 12. no_code_file: no non-test changed file (a section of `patch`) has an
  // extension of code_extensions (lowercase, with the dot).
  bool require_code_file = true;
  std::vector<std::string> code_extensions;  // default: DefaultCodeExtensions()

  // 13. no_closing_issue: no linked issue closes, or the closing issues have
  // no text (problem_statement is empty).
  bool require_closing_issue = false;

  // 14. no_bugfix_signal: none of bugfix_keywords occurs in the problem
  // statement or the PR title. Keywords are lowercase and match whole words;
  // a leading or trailing '*' lifts that boundary ("crash*" matches
  // "crashes", "*error" matches "TypeError").
  bool require_bugfix_signal = false;
  std::vector<std::string> bugfix_keywords;  // default: DefaultBugfixKeywords()

  // 15. leaked_fix: the problem statement already holds most of the
  // patch: LeakScore (leak.h: the share of the added lines' 5-token
  // shingles found in the statement) at least max_leak_score; patches whose
  // added lines have fewer than min_shingles shingles are not scored.
  // (References to the fix itself are stripped when the seed is built.)
  bool drop_leaked_fix = true;
  double max_leak_score = 0.6;

  // 16. missing_contents: a non-test changed code file has no stored
  // contents (files[].skip is not "").
  bool require_contents = false;

  // 17. over_budget: the estimated prompt tokens (PromptTokens) exceed this
  // (0 = no limit).
  int64_t max_prompt_tokens = 16384;
  int64_t prompt_overhead_tokens = 1024;

  // 18. degenerate_reward: a control answer (controls.h: an empty
  // solution, a no-op edit, an edit of another context file, the oracle on
  // the wrong file) scores more than max_control_score (the no-op: more
  // than max_noop_score). Needs contents;
  // seeds without an oracle change are left to export.
  bool drop_degenerate_reward = true;
  double max_control_score = 0.5;
  double max_noop_score = 0.95;

  // 19. duplicate: the normalized patch (NormalizedPatchHash) equals that of
  // an instance kept earlier in this run.
  bool dedup = true;

  // 20. near_duplicate: the patch is a near duplicate (estimated Jaccard at
  // least near_dedup_similarity, at least min_shingles shingles) of a seed
  // kept in this run: backports, cherry-picks and forks repeating a fix
  // collapse to one seed, the earliest created (see Filter).
  bool near_dedup = true;
  double near_dedup_similarity = 0.7;

  FilterRules();
  bool operator==(const FilterRules&) const = default;
};

// The built-in lists behind the defaults.
std::vector<std::string> DefaultCodeExtensions();
std::vector<std::string> DefaultBugfixKeywords();
// The 12 SWE-bench repositories of SPEC §3.4 with their former names
// (data/swebench_repos.tsv, compiled in).
const std::vector<ExcludedRepo>& SwebenchRepos();

// Parses the repository list format of data/swebench_repos.tsv: '#' comment
// lines, then lines "ID<TAB>NAME[<TAB>FORMER NAME...]" with ID empty when
// unknown. `source` names the text in messages. Errors: kInvalidInput
// ("SOURCE:LINE: ...").
Result<std::vector<ExcludedRepo>> ParseRepoList(std::string_view tsv, std::string_view source);

// Parses rules from TOML (format: data/filters/README.md). Keys left out
// keep their defaults; unknown tables or keys and mistyped values are
// errors. `source` names the text in messages and becomes rules.name.
// Errors: kInvalidInput ("SOURCE:LINE: key 'size.max_files': ...").
Result<FilterRules> ParseFilterRules(std::string_view toml, std::string_view source);

// A created_after / created_before bound in canonical form: "" stays "",
// "YYYY-MM-DD" becomes "YYYY-MM-DDT00:00:00Z", "YYYY-MM-DDTHH:MM:SSZ" stays;
// nullopt for anything else.
std::optional<std::string> NormalizeCutoff(std::string_view text);

// Reads and parses the rules file at `path`. Errors: kNotFound, kIo, and
// those of ParseFilterRules naming `path`.
Result<FilterRules> LoadFilterRules(const std::string& path);

// The rules of a shipped preset ("default" or "seeds": data/filters/
// <name>.toml, compiled in so the binary works from any directory); name is
// set to the preset's name. Errors: kInvalidInput (no such preset).
Result<FilterRules> PresetFilterRules(std::string_view preset);

// The compiled-in text of a shipped file: "default.toml", "seeds.toml"
// (data/filters/) or "swebench_repos.tsv" (data/); "" for other names.
std::string_view ShippedFilterFile(std::string_view name);

// An estimate of the Llama-3 tokens of `text` (SPEC §4 tokenizes without
// special tokens): a run of ASCII letters counts one token per 6 letters
// begun, a run of digits one per 3 digits begun (Llama-3 splits numbers
// into 3-digit groups), a run of other ASCII punctuation one per 2
// characters begun, a run of spaces and tabs one token unless it is a
// single space (which joins the next word), a run of whitespace holding
// newlines one token, and a run of non-ASCII bytes one per 2 bytes begun.
// Calibrated against the real Llama-3 tokenizer on this repository's own
// files (tests/curate/token_estimate_test.cc): 1.12x the real count on C++,
// 1.17x on Python, 1.11x on shell, 1.10x on Markdown, no file below 0.89x,
// so it errs on the high side.
int64_t EstimateTokens(std::string_view text);

// The estimated tokens of seed's prompt (SPEC §4): `overhead` (template,
// system text, instructions, example) + the problem statement + for each
// context file "### PATH\n" + contents + 2 (fence and separators).
int64_t PromptTokens(const shard::Seed& seed, int64_t overhead);

// The rules in the order Filter applies them.
enum class FilterRule : uint8_t {
  kDecontaminated,
  kCreatedWindow,
  kBenchmarkInstance,
  kBenchmarkNearDuplicate,
  kSecret,
  kLicense,
  kUtf8Repaired,
  kBot,
  kEmpty,
  kTooLarge,
  kNoise,
  kNoCodeFile,
  kNoClosingIssue,
  kNoBugfixSignal,
  kLeakedFix,
  kMissingContents,
  kOverBudget,
  kDegenerateReward,
  kDuplicate,
  kNearDuplicate,
};
inline constexpr size_t kFilterRuleCount = 20;

// "decontaminated", "created_window", "benchmark_instance",
// "benchmark_near_duplicate", "secret", "license", "utf8_repaired", "bot", "empty", "too_large",
// "noise", "no_code_file", "no_closing_issue", "no_bugfix_signal", "leaked_fix",
// "missing_contents", "over_budget", "degenerate_reward", "duplicate",
// "near_duplicate".
std::string_view FilterRuleName(FilterRule rule);

struct FilterDecision {
  bool kept = true;
  FilterRule rule = FilterRule::kDecontaminated;  // meaningful when !kept
  std::string detail;                             // what the rule saw; "" when kept
};

// A seed kept earlier and dropped later as a near duplicate of an
// earlier-created seed (see Filter::set_retract).
struct Retraction {
  int64_t repo_id = 0;
  int64_t pull_number = 0;
  std::string instance_id;
  FilterDecision decision;  // near_duplicate, naming the seed that replaced it
};

// Applies rules to seeds one at a time, in the order of FilterRule; the
// first rule that applies drops the seed. Keeps the dedup state (the
// normalized patch hashes of the seeds kept so far, so the first of a set of
// copies in input order is kept; the patch signatures for near_duplicate)
// and the counts for the funnel. Not thread-safe.
//
// near_duplicate keeps the earliest created seed of a group: when a seed is
// a near duplicate of a kept one but was created before it, and retraction
// is on, the new seed is kept and the old one retracted (TakeRetractions;
// the counts move from kept to near_duplicate). Without retraction (a
// stream whose kept lines are already written) the first in input order is
// kept.
class Filter {
 public:
  explicit Filter(FilterRules rules);
  ~Filter();

  // Whether seeds kept earlier may be retracted (default false).
  void set_retract(bool on) { retract_ = on; }
  // The retractions made since the last call, in order.
  std::vector<Retraction> TakeRetractions() { return std::exchange(retractions_, {}); }

  // Decides `seed` and counts the decision.
  FilterDecision Evaluate(const shard::Seed& seed);

  // Whether a rule reads context/oracle contents (the budget does); when
  // not, seeds may come without them.
  bool needs_contents() const {
    return rules_.max_prompt_tokens > 0 || rules_.drop_degenerate_reward;
  }

  const FilterRules& rules() const { return rules_; }
  uint64_t seen() const { return seen_; }
  uint64_t kept() const { return kept_; }
  uint64_t dropped(FilterRule rule) const { return dropped_[static_cast<size_t>(rule)]; }
  // Per bot keyword (rules().bot_keywords order), the seeds dropped as bots
  // whose title, body or author contained it; then those with author_type
  // "Bot" as the last entry.
  const std::vector<uint64_t>& bot_keyword_hits() const { return bot_hits_; }

 private:
  bool IsExcluded(const shard::Seed& seed, std::string* detail) const;
  bool IsBot(const shard::Seed& seed, std::string* detail);
  bool OutsideWindow(const shard::Seed& seed, std::string* detail) const;
  bool NearDuplicate(const shard::Seed& seed, const MinHash& patch, std::string* detail);

  struct KeptPatch {
    std::string instance_id;
    std::string created_at;
    int64_t repo_id = 0;
    int64_t pull_number = 0;
    MinHash sig;
    uint32_t alive = 0;  // the index of the kept seed this one resolves to (itself when kept)
  };

  FilterRules rules_;
  std::shared_ptr<const BenchmarkIndex> benchmarks_;  // null when no benchmark rule is on
  LshIndex near_index_;
  std::vector<KeptPatch> near_kept_;
  std::vector<Retraction> retractions_;
  bool retract_ = false;
  std::unordered_map<int64_t, size_t> excluded_ids_;            // id -> excluded_repos index
  std::unordered_map<std::string, size_t> excluded_basenames_;  // "django" -> index
  std::unordered_map<std::string, size_t> excluded_names_;      // lowercase name -> index
  std::unordered_map<std::string, std::string> kept_patches_;   // hash -> instance_id
  uint64_t seen_ = 0;
  uint64_t kept_ = 0;
  std::array<uint64_t, kFilterRuleCount> dropped_{};
  std::vector<uint64_t> bot_hits_;
};

}  // namespace swerl::curate

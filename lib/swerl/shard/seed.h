// Seed: one assembled pull request as curation sees it, the record of
// `swerl export --ndjson` and of `swerl filter`'s input and output
// (schemas/records/seed.md). Field names follow SWE-bench where it has them
// (instance_id, repo, pull_number, base_commit, patch, test_patch,
// problem_statement, created_at).
//
// Bytes: patches and file contents are git's bytes. JSON carries only valid
// UTF-8, so a record written from non-UTF-8 text holds U+FFFD in its place
// (json_writer.h) and `utf8_repaired` says so; curation drops such seeds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::shard {

// A changed file of the pull request.
struct SeedFile {
  std::string path;      // the new path; the old one for a deletion
  std::string old_path;  // the path at the merge base; "" when added
  std::string status;    // added, deleted, modified, renamed, typechange
  bool is_test = false;
  bool binary = false;
  // Why its contents are not in context/oracle: "binary", "huge",
  // "vendored", "submodule" (instance_files.skip); "" when they are.
  std::string skip;
  int64_t added_lines = 0;    // '+' lines of its section of the patch
  int64_t deleted_lines = 0;  // '-' lines
};

// An issue the pull request references (issue_links), with its text when
// the store has it.
struct SeedIssue {
  std::string repo;  // owner/name
  int64_t number = 0;
  bool closing = false;  // after a closing keyword
  std::string title;
  std::string body;
  // UTC "YYYY-MM-DDTHH:MM:SSZ" when the store has the issue; "" otherwise.
  // Optional in records (older records lack it).
  std::string created_at;
};

// A piece of the problem statement removed because it gave the fix away
// (curate/leak.h).
struct SeedStrip {
  std::string kind;  // "fix_trailer", "pr_link", "commit_link", "pr_ref", "commit_sha"
  std::string text;  // what was removed
  bool operator==(const SeedStrip&) const = default;
};

// path -> contents, in path order.
using SeedFiles = std::vector<std::pair<std::string, std::string>>;

struct Seed {
  std::string instance_id;  // "owner__name-NUMBER"
  std::string repo;         // owner/name
  int64_t repo_id = 0;
  int64_t pull_number = 0;
  std::string base_commit;  // the merge base (SWE-RL's choice, SPEC §3.7)
  std::string pr_base_sha;  // the PR's base.sha (SWE-bench's base_commit)
  std::string head_commit;
  std::string created_at;  // the PR's, UTC "YYYY-MM-DDTHH:MM:SSZ"
  // The repository's licence (`swerl license`, repo_licenses): an SPDX id,
  // "unknown" (a licence file matching no shipped licence), "none" (no
  // licence file), or "" (not identified). Optional in records.
  std::string license;
  std::string merged_at;
  std::string title;  // the PR's
  std::string body;
  std::string author;
  std::string author_type;  // "User", "Bot", ... ("" when unknown)
  std::vector<SeedIssue> issues;
  // The closing issues' "title\nbody\n", joined (SWE-bench's rule); "" when
  // none closes.
  std::string problem_statement;
  // What was removed from problem_statement (leak.h), in text order;
  // optional in records (absent before issue 21).
  std::vector<SeedStrip> stripped;
  std::string patch;       // the code part of the cumulative patch
  std::string test_patch;  // the test part
  std::vector<SeedFile> files;
  // Contents at the merge base of the changed code files with both sides
  // stored, then of the relevant files; oracle: the changed files' contents
  // after the change ("" for a deleted file).
  SeedFiles context;
  SeedFiles oracle;
  std::vector<std::string> relevant_files;  // in rank order
  std::string prompt;                       // SPEC §4, rendered by `swerl export`; "" before
  // The degenerate-reward controls' scores (curate/controls.h), set by
  // `swerl export`: name -> reward, controls that do not apply left out;
  // empty before. Optional in records.
  std::vector<std::pair<std::string, double>> controls;
  bool utf8_repaired = false;
};

// Appends `seed` as one line of NDJSON (with '\n') to *out, keys in the
// order of schemas/records/seed.md. Without `contents`, prompt, context and
// oracle are written empty (the shard keeps them apart).
void AppendSeedJson(const Seed& seed, std::string* out, bool contents = true);

// Parses one NDJSON line. The kPadding bytes after `line` must be readable.
// Errors: kInvalidInput, naming the first missing or mistyped field.
inline constexpr size_t kSeedPadding = 64;
Result<Seed> ParseSeedJson(std::string_view line);

// "owner__name-NUMBER" (SWE-bench's instance_id).
std::string InstanceId(std::string_view repo, int64_t number);

}  // namespace swerl::shard

// The instance of a merged pull request (the library core of swerl assemble):
// which commits it is made of, their merge base, the history from the merge
// base to the head, the cumulative patch as a git-style unified diff split
// into code and tests, and the changed files with the blob ids of both sides.
//
// Bytes, not text: paths, patches, messages and blobs are copied from git
// unchanged (non-UTF-8 bytes, CRLF and missing final newlines included).
#pragma once

#include <git2.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/core/result.h"

namespace swerl::git {

// What the events say about a merged PR. Any SHA may be empty or absent from
// the repository; AssembleInstance uses what resolves (see there). SHAs are
// hex, full or abbreviated (at least 4 digits, unambiguous).
struct InstanceRequest {
  std::string base_sha;          // the PR's base.sha
  std::string head_sha;          // the PR's head.sha (gone after a force push)
  std::string merge_commit_sha;  // the commit the merge made on the base branch
  int64_t pr_number = 0;         // for refs/pull/<N>/head; 0: no such ref
};

struct AssembleOptions {
  uint32_t context_lines = 3;      // like git diff -U<n>
  uint16_t rename_threshold = 50;  // percent, like git diff -M<n>%
  size_t rename_limit = 1000;      // like diff.renameLimit; beyond it no inexact renames
};

// The libgit2 delta kinds that AssembleInstance reports. A file that changes
// type (regular file <-> symlink <-> submodule) is reported as git does
// without -B: a deletion and an addition of the same path, never kTypeChange.
// kCopied is not produced either (no copy detection, like git diff -M).
enum class FileStatus : uint8_t { kAdded, kDeleted, kModified, kRenamed, kCopied, kTypeChange };

// "added", "deleted", "modified", "renamed", "copied", "typechange".
std::string_view FileStatusName(FileStatus status);

struct ChangedFile {
  std::string old_path, new_path;  // raw bytes; equal unless renamed
  FileStatus status = FileStatus::kModified;
  std::string old_mode, new_mode;  // octal as git prints it ("100644", "100755",
                                   // "120000" symlink, "160000" submodule); "" when none
  // Hex object ids of both sides, "" when the side does not exist (added,
  // deleted). For mode 160000 (a submodule) the id is a commit of another
  // repository: there is no blob to read, ReadBlob returns kNotFound.
  std::string old_blob, new_blob;
  bool binary = false;      // libgit2's detection (a NUL in the first 8000 bytes of a side)
  bool is_test = false;     // IsTestPath of the old or the new path
  uint32_t similarity = 0;  // percent for kRenamed (git's similarity index), else 0
};

struct CommitInfo {
  std::string sha;          // full hex id
  std::string message;      // raw message bytes, as `git cat-file commit` ends
  std::string author;       // "Name <email>"
  std::string author_time;  // strict ISO 8601 with the author's offset, like git's %aI
};

struct Instance {
  std::string base_commit;  // the resolved base (full hex)
  std::string head_commit;  // the resolved head (full hex)
  std::string merge_base;   // git merge-base base_commit head_commit
  // Which rule resolved base and head: "head_sha", "pull_ref" (base from
  // base_sha), "head_sha+merge_parent" / "pull_ref+merge_parent" (base_sha
  // missing, base = first parent of the merge commit), "merge_parents" (a
  // two-parent merge commit: base = parent 1, head = parent 2), "squash"
  // (a one-parent merge commit, i.e. squash or rebase merge: base = parent,
  // head = the merge commit).
  std::string how;
  std::vector<CommitInfo> commits;  // merge_base..head_commit, oldest first (topological)
  // `git diff -M --full-index <merge_base> <head_commit>` (see
  // AssembleInstance for the exact flags), all files, and the same split
  // per file: code_patch + test_patch hold every file's section once, each
  // in patch order.
  std::string patch, code_patch, test_patch;
  std::vector<ChangedFile> files;  // in patch order
};

// Whether a path is a test file, by its words: the path is split at every
// character that is not a letter or digit and at camelCase boundaries
// ("HTTPTestCase" -> HTTP, Test, Case), trailing digits are dropped
// ("tests2" -> tests), and a word test, tests, testing, testdata, testcase,
// testcases, unittest, unittests, conftest, e2e, spec or specs (any case)
// makes it a test: "tests/a.py", "test_a.py", "a_test.go", "__tests__/a.js",
// "a.test.js", "FooTest.java", "spec/user.rb", "a.spec.tsx", "conftest.py".
// SWE-bench's current harness rule is a substring match ("test" anywhere),
// which files "latest.py", "contest.py" and all of pytest's own sources
// (src/_pytest/) as tests; the word rule does not. (For SWE-bench's own
// split, see git/swebench_patch.h.)
bool IsTestPath(std::string_view path);

// Resolves the commits of a merged PR in an open (usually bare) repository
// and computes its instance. Resolution, first rule that applies:
//  1. head = head_sha when it names a commit in the repository, else
//     refs/pull/<pr_number>/head when present (a force-pushed or deleted
//     head branch);
//  2. with a head: base = base_sha when present, else the first parent of
//     merge_commit_sha;
//  3. without a head (or without any base): from merge_commit_sha, when
//     present: two parents -> base = parent 1, head = parent 2; one parent
//     (squash or rebase merge) -> base = the parent, head = the merge commit.
//     A rebase merge of several commits therefore yields only its last one.
// Errors: kNotFound when nothing resolves ("cannot resolve pr 7: head_sha
// 'ab12' not in the repository, no refs/pull/7/head, ...", naming every SHA
// that is missing) or base and head have no merge base ("no merge base of
// <base> and <head>"); kUnsupported for a merge commit with more than two
// parents; libgit2 failures as GitError.
//
// The patch equals, byte for byte, the output of the git CLI (2.39; see
// instance_test.cc) for
//   git -c core.quotePath=true -c diff.noprefix=false -c diff.mnemonicPrefix=false
//       diff --no-color --no-ext-diff --no-textconv -M --full-index <merge_base> <head>
// without .gitattributes diff drivers: renames scored with git's own
// similarity estimate (diffcore-delta spanhash, as git 2.39 computes it: a
// final line without newline is not counted), binary files as "Binary files
// a/x and b/x differ", symlinks as their target text, submodules as
// "Subproject commit <id>" lines, and a file without a hunk (one added,
// deleted, renamed or given a new mode while empty) without "---"/"+++"
// lines.
// *repo is borrowed and must outlive the call.
Result<Instance> AssembleInstance(git_repository* repo, const InstanceRequest& req,
                                  const AssembleOptions& opts);

// The bytes of the blob with full hex id `hex_id`. Errors: kInvalidInput when
// hex_id is not 40 hex digits, kNotFound when no such blob exists.
Result<std::string> ReadBlob(git_repository* repo, std::string_view hex_id);

}  // namespace swerl::git

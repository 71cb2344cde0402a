// git::AssembleInstance against histories built with the git CLI and
// mirrored (file://, so only reachable objects travel) into a bare
// repository: every instance's merge base, commits, patch, changed files,
// blob contents and code/test split are checked against git merge-base,
// rev-list, diff, diff --raw and show.
#include "swerl/git/instance.h"

#include <git2.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "git_testing.h"
#include "swerl/git/git_handles.h"
#include "testing/testing.h"

namespace swerl::git {
namespace {

namespace fs = std::filesystem;
using testing::CommitAll;
using testing::Git;
using testing::RevParse;
using testing::TempDir;

std::string Lines(const std::string& prefix, int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += prefix + " line " + std::to_string(i) + "\n";
  return out;
}

std::string Trim(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// One entry of `git diff --raw -z`, a typechange (T) split into the deletion
// and addition that git's patch (without -B) shows for it.
struct RawEntry {
  std::string old_mode, new_mode, old_id, new_id;
  char status;
  uint32_t score = 0;
  std::string old_path, new_path;
};

std::vector<RawEntry> ParseRaw(const std::string& raw) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t nul; (nul = raw.find('\0', start)) != std::string::npos; start = nul + 1) {
    fields.push_back(raw.substr(start, nul - start));
  }
  std::vector<RawEntry> out;
  const std::string zero(40, '0');
  for (size_t i = 0; i < fields.size();) {
    const std::string& meta = fields[i++];  // ":100644 100644 <id> <id> M"
    RawEntry e;
    e.old_mode = meta.substr(1, 6);
    e.new_mode = meta.substr(8, 6);
    e.old_id = meta.substr(15, 40);
    e.new_id = meta.substr(56, 40);
    e.status = meta[97];
    if (meta.size() > 98) e.score = static_cast<uint32_t>(std::stoul(meta.substr(98)));
    e.old_path = e.new_path = fields[i++];
    if (e.status == 'R' || e.status == 'C') e.new_path = fields[i++];
    if (e.status == 'T') {
      RawEntry del = e, add = e;
      del.status = 'D';
      del.new_mode = "000000";
      del.new_id = zero;
      add.status = 'A';
      add.old_mode = "000000";
      add.old_id = zero;
      out.push_back(del);
      out.push_back(add);
      continue;
    }
    out.push_back(e);
  }
  return out;
}

char Letter(FileStatus s) {
  switch (s) {
    case FileStatus::kAdded: return 'A';
    case FileStatus::kDeleted: return 'D';
    case FileStatus::kModified: return 'M';
    case FileStatus::kRenamed: return 'R';
    case FileStatus::kCopied: return 'C';
    case FileStatus::kTypeChange: return 'T';
  }
  return '?';
}

class InstanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(global_.status());
    work_ = dir_.Join("work");
    bare_ = dir_.Join("repo.git");
    testing::InitWorkTree(work_);
  }

  // Writes `data` at work-tree path `rel`, creating directories.
  void Put(const std::string& rel, const std::string& data) {
    fs::create_directories(fs::path(work_ + "/" + rel).parent_path());
    testing::WriteFile(work_ + "/" + rel, data);
  }
  std::string G(std::vector<std::string> args) {
    args.insert(args.begin(), {"-C", work_});
    return Git(args);
  }

  // Mirrors every ref of the work tree into bare_ and opens it.
  void Mirror() {
    Git({"clone", "-q", "--mirror", "file://" + work_, bare_});
    git_repository* raw = nullptr;
    ASSERT_EQ(git_repository_open(&raw, bare_.c_str()), 0) << LastGitError().message;
    repo_.reset(raw);
  }

  Instance Assemble(const InstanceRequest& req) {
    auto inst = AssembleInstance(repo_.get(), req, AssembleOptions{});
    EXPECT_TRUE(inst) << inst.error().message();
    return inst ? *inst : Instance{};
  }

  // Checks `inst` against the git CLI in bare_; `is_test` lists every
  // changed path (new path, or old path of a deletion) with its split.
  void CheckAgainstCli(const Instance& inst, const std::map<std::string, bool>& is_test) {
    const std::string& mb = inst.merge_base;
    const std::string& head = inst.head_commit;
    EXPECT_EQ(mb, Trim(Git({"-C", bare_, "merge-base", inst.base_commit, head})));

    std::string shas;
    for (const CommitInfo& c : inst.commits) {
      shas += c.sha + "\n";
      const std::string raw = Git({"-C", bare_, "cat-file", "commit", c.sha});
      EXPECT_EQ(c.message, raw.substr(raw.find("\n\n") + 2)) << c.sha;
      EXPECT_EQ(c.author + " " + c.author_time,
                Trim(Git({"-C", bare_, "show", "-s", "--format=%an <%ae> %aI", c.sha})));
    }
    EXPECT_EQ(shas,
              Git({"-C", bare_, "rev-list", "--reverse", "--topo-order", mb + ".." + head}));

    const std::string cli =
        Git({"-C", bare_, "-c", "core.quotePath=true", "-c", "diff.noprefix=false", "-c",
             "diff.mnemonicPrefix=false", "diff", "--no-color", "--no-ext-diff", "--no-textconv",
             "-M", "--full-index", mb, head});
    EXPECT_EQ(inst.patch, cli);

    const std::vector<RawEntry> raw = ParseRaw(
        Git({"-C", bare_, "diff", "--raw", "-z", "-M", "--no-abbrev", mb, head}));
    ASSERT_EQ(inst.files.size(), raw.size());
    const std::string zero(40, '0');
    for (size_t i = 0; i < raw.size(); ++i) {
      const ChangedFile& f = inst.files[i];
      const RawEntry& r = raw[i];
      SCOPED_TRACE("file " + std::to_string(i) + " " + r.new_path);
      EXPECT_EQ(Letter(f.status), r.status);
      EXPECT_EQ(f.similarity, r.status == 'R' ? r.score : 0u);
      EXPECT_EQ(f.old_path, r.old_path);
      EXPECT_EQ(f.new_path, r.new_path);
      EXPECT_EQ(f.old_mode.empty() ? "000000" : f.old_mode, r.old_mode);
      EXPECT_EQ(f.new_mode.empty() ? "000000" : f.new_mode, r.new_mode);
      EXPECT_EQ(f.old_blob.empty() ? zero : f.old_blob, r.old_id);
      EXPECT_EQ(f.new_blob.empty() ? zero : f.new_blob, r.new_id);
      // Contents on both sides, as git show prints them.
      const std::pair<const std::string*, std::string> sides[] = {
          {&f.old_blob, mb + ":" + f.old_path + "|" + f.old_mode},
          {&f.new_blob, head + ":" + f.new_path + "|" + f.new_mode}};
      for (const auto& [id, spec] : sides) {
        if (id->empty()) continue;
        const std::string rev = spec.substr(0, spec.rfind('|'));
        const auto blob = ReadBlob(repo_.get(), *id);
        if (spec.substr(spec.rfind('|') + 1) == "160000") {  // a submodule: a commit id
          ASSERT_FALSE(blob);
          EXPECT_EQ(blob.error().code(), Code::kNotFound);
          continue;
        }
        ASSERT_TRUE(blob) << blob.error().message();
        EXPECT_EQ(*blob, Git({"-C", bare_, "show", rev})) << rev;
      }
      const std::string& key = f.status == FileStatus::kDeleted ? f.old_path : f.new_path;
      const auto it = is_test.find(key);
      ASSERT_NE(it, is_test.end()) << "unexpected changed file " << key;
      EXPECT_EQ(f.is_test, it->second) << key;
    }

    // The split: every file's section lands whole in one side, in order.
    std::vector<std::string> sections;
    for (size_t pos = 0; pos < inst.patch.size();) {
      size_t next = inst.patch.find("\ndiff --git ", pos);
      next = next == std::string::npos ? inst.patch.size() : next + 1;
      sections.push_back(inst.patch.substr(pos, next - pos));
      pos = next;
    }
    ASSERT_EQ(sections.size(), inst.files.size());
    std::string code, test;
    for (size_t i = 0; i < sections.size(); ++i) {
      (inst.files[i].is_test ? test : code) += sections[i];
    }
    EXPECT_EQ(inst.code_patch, code);
    EXPECT_EQ(inst.test_patch, test);
  }

  std::string Sha(const std::string& rev) { return RevParse(work_, rev); }

  GitGlobal global_;
  TempDir dir_;
  std::string work_, bare_;
  RepoHandle repo_;
};

TEST_F(InstanceTest, TrueMergeWithBaseThatMovedOn) {
  Put("src/lib.py", Lines("lib", 30));
  Put("README", "hello\n");
  const std::string c0 = CommitAll(work_, "base");
  G({"checkout", "-q", "-b", "feature"});
  Put("src/lib.py", Lines("lib", 9) + "fixed\n" + Lines("lib", 30).substr(Lines("lib", 10).size()));
  Put("tests/test_lib.py", "def test_f():\n    assert True\n");
  const std::string f1 = CommitAll(work_, "fix f\n\nA longer body.\n");
  Put("src/lib.py", Lines("lib", 31));
  const std::string f2 = CommitAll(work_, "one more line");
  G({"checkout", "-q", "main"});
  Put("other.txt", "main moved on\n");
  const std::string m1 = CommitAll(work_, "main moves on");
  G({"merge", "-q", "--no-ff", "-m", "Merge pull request #1", "feature"});
  const std::string merge = Sha("HEAD");
  G({"update-ref", "refs/pull/1/head", f2});
  Mirror();

  const Instance inst = Assemble({m1, f2, merge, 1});
  EXPECT_EQ(inst.how, "head_sha");
  EXPECT_EQ(inst.base_commit, m1);
  EXPECT_EQ(inst.head_commit, f2);
  EXPECT_EQ(inst.merge_base, c0);  // not the moved base
  ASSERT_EQ(inst.commits.size(), 2u);
  EXPECT_EQ(inst.commits[0].sha, f1);
  EXPECT_EQ(inst.commits[0].message, "fix f\n\nA longer body.\n");
  EXPECT_EQ(inst.commits[0].author, "Test <test@example.com>");
  EXPECT_EQ(inst.commits[0].author_time, "2024-01-01T00:00:00+00:00");
  EXPECT_EQ(inst.patch.find("other.txt"), std::string::npos);
  CheckAgainstCli(inst, {{"src/lib.py", false}, {"tests/test_lib.py", true}});
  EXPECT_NE(inst.test_patch.find("tests/test_lib.py"), std::string::npos);
  EXPECT_EQ(inst.code_patch.find("tests/test_lib.py"), std::string::npos);

  // Only the merge commit known: its parents give the same instance.
  const Instance by_merge = Assemble({"", "", merge, 0});
  EXPECT_EQ(by_merge.how, "merge_parents");
  EXPECT_EQ(by_merge.base_commit, m1);
  EXPECT_EQ(by_merge.head_commit, f2);
  EXPECT_EQ(by_merge.patch, inst.patch);

  // head_sha known, base_sha missing: the merge's first parent is the base.
  const Instance no_base = Assemble({std::string(40, 'e'), f2, merge, 0});
  EXPECT_EQ(no_base.how, "head_sha+merge_parent");
  EXPECT_EQ(no_base.merge_base, c0);
}

TEST_F(InstanceTest, SquashMergeWithDeletedBranch) {
  Put("a.py", Lines("a", 5));
  Put("docs/guide.md", "# Guide\n");
  Put("old/util.py", Lines("util", 40));
  const std::string c0 = CommitAll(work_, "base");
  G({"checkout", "-q", "-b", "feature"});
  fs::create_directories(work_ + "/lib");
  G({"mv", "old/util.py", "lib/util.py"});
  Put("lib/util.py", Lines("util", 19) + "changed\n" + Lines("util", 40).substr(Lines("util", 20).size()));
  G({"rm", "-q", "docs/guide.md"});
  CommitAll(work_, "move util, drop the guide");
  Put("spec/util_spec.rb", "describe Util do\nend\n");
  const std::string f2 = CommitAll(work_, "spec");
  G({"checkout", "-q", "main"});
  G({"merge", "-q", "--squash", "feature"});
  const std::string squash = CommitAll(work_, "Squashed (#2)");
  G({"update-ref", "refs/pull/2/head", f2});
  G({"branch", "-q", "-D", "feature"});
  Mirror();
  const std::map<std::string, bool> split = {
      {"lib/util.py", false}, {"docs/guide.md", false}, {"spec/util_spec.rb", true}};

  const Instance by_head = Assemble({c0, f2, squash, 2});
  EXPECT_EQ(by_head.how, "head_sha");
  EXPECT_EQ(by_head.commits.size(), 2u);
  CheckAgainstCli(by_head, split);
  ASSERT_EQ(by_head.files.size(), 3u);
  bool saw_rename = false;
  for (const ChangedFile& f : by_head.files) {
    if (f.status != FileStatus::kRenamed) continue;
    saw_rename = true;
    EXPECT_EQ(f.old_path, "old/util.py");
    EXPECT_EQ(f.new_path, "lib/util.py");
    EXPECT_GT(f.similarity, 90u);
    EXPECT_LT(f.similarity, 100u);
  }
  EXPECT_TRUE(saw_rename);

  const Instance by_ref = Assemble({c0, std::string(40, 'a'), squash, 2});
  EXPECT_EQ(by_ref.how, "pull_ref");
  EXPECT_EQ(by_ref.head_commit, f2);
  EXPECT_EQ(by_ref.patch, by_head.patch);

  const Instance by_squash = Assemble({"", "", squash, 0});
  EXPECT_EQ(by_squash.how, "squash");
  EXPECT_EQ(by_squash.base_commit, c0);
  EXPECT_EQ(by_squash.head_commit, squash);
  EXPECT_EQ(by_squash.merge_base, c0);
  ASSERT_EQ(by_squash.commits.size(), 1u);
  EXPECT_EQ(by_squash.commits[0].message, "Squashed (#2)\n");
  EXPECT_EQ(by_squash.patch, by_head.patch);  // same trees
  CheckAgainstCli(by_squash, split);
}

TEST_F(InstanceTest, RebaseMerge) {
  Put("core.c", Lines("core", 12));
  const std::string c0 = CommitAll(work_, "base");
  G({"checkout", "-q", "-b", "feature"});
  Put("core.c", Lines("core", 13));
  CommitAll(work_, "r1");
  Put("core_test.c", "int main(void) { return 0; }\n");
  const std::string f2 = CommitAll(work_, "r2");
  G({"update-ref", "refs/pull/3/head", f2});
  G({"checkout", "-q", "main"});
  Put("Makefile", "all:\n");
  const std::string m1 = CommitAll(work_, "main moves on");
  G({"checkout", "-q", "feature"});
  G({"rebase", "-q", "main"});
  G({"checkout", "-q", "main"});
  G({"merge", "-q", "--ff-only", "feature"});
  const std::string r2 = Sha("HEAD");
  const std::string r1 = Sha("HEAD~1");
  G({"branch", "-q", "-D", "feature"});
  Mirror();
  const std::map<std::string, bool> split = {{"core.c", false}, {"core_test.c", true}};

  const Instance by_head = Assemble({m1, f2, r2, 3});
  EXPECT_EQ(by_head.how, "head_sha");
  EXPECT_EQ(by_head.merge_base, c0);
  CheckAgainstCli(by_head, split);

  // Head unknown: the rebased tip and its parent (the last commit only).
  const Instance by_merge = Assemble({"", std::string(40, 'b'), r2, 0});
  EXPECT_EQ(by_merge.how, "squash");
  EXPECT_EQ(by_merge.base_commit, r1);
  EXPECT_EQ(by_merge.head_commit, r2);
  CheckAgainstCli(by_merge, {{"core_test.c", true}});
}

TEST_F(InstanceTest, ForcePushedHeadUsesPullRef) {
  Put("x.go", "package x\n");
  const std::string c0 = CommitAll(work_, "base");
  G({"checkout", "-q", "-b", "feature"});
  Put("x.go", "package x\n\nfunc A() {}\n");
  const std::string old_head = CommitAll(work_, "wip");
  G({"reset", "-q", "--hard", c0});
  Put("x.go", "package x\n\nfunc B() {}\n");
  Put("x_test.go", "package x\n");
  const std::string new_head = CommitAll(work_, "redo");
  G({"update-ref", "refs/pull/4/head", new_head});
  G({"checkout", "-q", "main"});
  G({"merge", "-q", "--no-ff", "-m", "Merge #4", "feature"});
  const std::string merge = Sha("HEAD");
  Mirror();
  EXPECT_NE(testing::Run({"git", "-C", bare_, "cat-file", "-e", old_head}).exit_code, 0);

  const Instance inst = Assemble({c0, old_head, merge, 4});
  EXPECT_EQ(inst.how, "pull_ref");
  EXPECT_EQ(inst.head_commit, new_head);
  CheckAgainstCli(inst, {{"x.go", false}, {"x_test.go", true}});
}

TEST_F(InstanceTest, EveryKindOfChange) {
  std::string bin(3000, '\0');
  for (size_t i = 0; i < bin.size(); ++i) bin[i] = static_cast<char>(i * 7);
  Put("renamed_edit/before.txt", Lines("text", 30));
  Put("pure/old.txt", Lines("pure", 10));
  Put("gone.txt", "bye\n");
  Put("data/blob.bin", bin);
  Put("crlf.txt", "a\r\nb\r\nc\r\n");
  Put("caf\xe9.txt", "caf\xe9\n");
  Put("run.sh", "#!/bin/sh\necho hi\n");
  Put("kind", "a regular file\n");
  const std::string c0 = CommitAll(work_, "base");
  G({"checkout", "-q", "-b", "feature"});
  fs::create_directories(work_ + "/src");
  G({"mv", "renamed_edit/before.txt", "src/after.txt"});
  Put("src/after.txt", Lines("text", 14) + "edited\n" + Lines("text", 30).substr(Lines("text", 15).size()));
  G({"mv", "pure/old.txt", "pure/new.txt"});
  G({"rm", "-q", "gone.txt"});
  CommitAll(work_, "renames and a deletion");
  CommitAll(work_, "an empty commit");
  bin[100] = 'x';
  Put("data/blob.bin", bin);
  Put("img/new.bin", std::string("\x89PNG\r\n\x1a\n\0\0\0", 11));
  Put("crlf.txt", "a\r\nB\r\nc\r\n");
  Put("caf\xe9.txt", "\xff\xfe not utf-8 \xe9\n");
  Put("na\xefve/\xe9t\xe9_test.py", "x = 1\n");
  fs::permissions(work_ + "/run.sh", fs::perms::owner_exec | fs::perms::group_exec |
                                        fs::perms::others_exec, fs::perm_options::add);
  fs::create_symlink("run.sh", work_ + "/link");
  fs::remove(work_ + "/kind");
  fs::create_symlink("crlf.txt", work_ + "/kind");
  Put("tests/test_x.py", "def test_x(): pass\n");
  Put("web/Button.test.js", "test('b', () => {});\n");
  Put("src/FooTest.java", "class FooTest {}\n");
  Put("lib/widget.spec.ts", "it('w', () => {});\n");
  Put("spec/models/user.rb", "describe User\n");
  G({"add", "-A"});
  G({"update-index", "--add", "--cacheinfo", "160000," + c0 + ",vendor/sub"});
  G({"commit", "-q", "-m", "everything else"});
  const std::string head = Sha("HEAD");
  Mirror();

  const Instance inst = Assemble({c0, head, "", 0});
  EXPECT_EQ(inst.how, "head_sha");
  EXPECT_EQ(inst.commits.size(), 3u);
  CheckAgainstCli(inst, {{"src/after.txt", false},
                         {"pure/new.txt", false},
                         {"gone.txt", false},
                         {"data/blob.bin", false},
                         {"img/new.bin", false},
                         {"crlf.txt", false},
                         {"caf\xe9.txt", false},
                         {"na\xefve/\xe9t\xe9_test.py", true},
                         {"run.sh", false},
                         {"link", false},
                         {"kind", false},
                         {"vendor/sub", false},
                         {"tests/test_x.py", true},
                         {"web/Button.test.js", true},
                         {"src/FooTest.java", true},
                         {"lib/widget.spec.ts", true},
                         {"spec/models/user.rb", true}});
  std::map<std::string, const ChangedFile*> by_path;
  for (const ChangedFile& f : inst.files) by_path[f.new_path + "|" + f.new_mode] = &f;
  ASSERT_TRUE(by_path.count("data/blob.bin|100644"));
  EXPECT_TRUE(by_path["data/blob.bin|100644"]->binary);
  ASSERT_TRUE(by_path.count("img/new.bin|100644"));
  EXPECT_TRUE(by_path["img/new.bin|100644"]->binary);
  ASSERT_TRUE(by_path.count("crlf.txt|100644"));
  EXPECT_FALSE(by_path["crlf.txt|100644"]->binary);
  ASSERT_TRUE(by_path.count("run.sh|100755"));
  EXPECT_EQ(by_path["run.sh|100755"]->old_mode, "100644");
  ASSERT_TRUE(by_path.count("link|120000"));
  EXPECT_EQ(*ReadBlob(repo_.get(), by_path["link|120000"]->new_blob), "run.sh");
  ASSERT_TRUE(by_path.count("vendor/sub|160000"));
  EXPECT_EQ(by_path["vendor/sub|160000"]->new_blob, c0);
  ASSERT_TRUE(by_path.count("src/after.txt|100644"));
  EXPECT_EQ(by_path["src/after.txt|100644"]->status, FileStatus::kRenamed);
  EXPECT_EQ(by_path["src/after.txt|100644"]->old_path, "renamed_edit/before.txt");
  EXPECT_LT(by_path["src/after.txt|100644"]->similarity, 100u);
  ASSERT_TRUE(by_path.count("pure/new.txt|100644"));
  EXPECT_EQ(by_path["pure/new.txt|100644"]->similarity, 100u);
  EXPECT_NE(inst.patch.find("Binary files a/data/blob.bin and b/data/blob.bin differ\n"),
            std::string::npos);
  EXPECT_NE(inst.patch.find("-b\r\n+B\r\n"), std::string::npos);          // CRLF kept
  EXPECT_NE(inst.patch.find("\"a/caf\\351.txt\""), std::string::npos);    // quoted path
  EXPECT_NE(inst.patch.find("+\xff\xfe not utf-8 \xe9\n"), std::string::npos);  // raw bytes
}

// Code with indented blocks and blank lines, edited at random (runs of
// lines duplicated, deleted or inserted make many equal-line "sliders"):
// where hunks land (git's indent heuristic, on by default) and the function
// context after "@@" (cut to 80 bytes, then trailing blanks dropped) must
// match the git CLI.
TEST_F(InstanceTest, RandomCodeEditsPlaceHunksLikeGit) {
  std::mt19937 rng(7);
  auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
  using Text = std::vector<std::string>;  // lines without their newline
  auto function = [&](int k) {
    Text f{"int function_" + std::to_string(k) + "(int x) {"};
    for (size_t i = 0, n = 1 + pick(4); i < n; ++i) {
      if (pick(3)) {
        f.push_back("    x += " + std::to_string(pick(9)) + ";");
      } else {
        f.insert(f.end(), {"    if (x > 3) {", "        return x;", "    }"});
      }
    }
    f.insert(f.end(), {"    return x;", "}", ""});
    return f;
  };
  std::map<std::string, bool> paths;
  std::vector<Text> files(24);
  auto write = [&] {
    for (size_t n = 0; n < files.size(); ++n) {
      std::string text;
      for (const std::string& line : files[n]) text += line + "\n";
      Put("src/f" + std::to_string(n) + ".c", text);
    }
  };
  for (size_t n = 0; n < files.size(); ++n) {
    for (int k = 0; k < 10; ++k) {
      const Text f = function(k);
      files[n].insert(files[n].end(), f.begin(), f.end());
    }
    paths["src/f" + std::to_string(n) + ".c"] = false;
  }
  // Byte 80 of this line is a blank: git's context is the 79 bytes before it.
  const std::string long_head = "class " + std::string(73, 'A') + " extends Something {";
  Text long_file{long_head};
  for (int i = 0; i < 12; ++i) long_file.push_back("    int y" + std::to_string(i) + ";");
  long_file.push_back("}");
  Put("src/long.c", "");
  write();
  std::string long_text;
  for (const std::string& line : long_file) long_text += line + "\n";
  Put("src/long.c", long_text);
  const std::string base = CommitAll(work_, "base");
  G({"checkout", "-q", "-b", "feature"});
  for (Text& f : files) {
    for (int e = 0; e < 5; ++e) {
      const size_t at = pick(f.size());
      const size_t run = std::min(f.size() - at, 1 + pick(4));
      switch (pick(5)) {
        case 0: {
          const Text g = function(100 + e);
          f.insert(f.begin() + static_cast<long>(at), g.begin(), g.end());
          break;
        }
        case 1: f.erase(f.begin() + static_cast<long>(at), f.begin() + static_cast<long>(at + run)); break;
        case 2: {
          const Text dup(f.begin() + static_cast<long>(at), f.begin() + static_cast<long>(at + run));
          f.insert(f.begin() + static_cast<long>(at), dup.begin(), dup.end());
          break;
        }
        case 3: f.insert(f.begin() + static_cast<long>(at), {"    if (x > 3) {", "        return x;", "    }"}); break;
        default: f.insert(f.begin() + static_cast<long>(at), ""); break;
      }
    }
  }
  write();
  long_file[10] = "    int changed;";
  long_text.clear();
  for (const std::string& line : long_file) long_text += line + "\n";
  Put("src/long.c", long_text);
  paths["src/long.c"] = false;
  const std::string head = CommitAll(work_, "edits");
  Mirror();
  const Instance inst = Assemble({base, head, "", 0});
  CheckAgainstCli(inst, paths);
  EXPECT_NE(inst.patch.find(" @@ " + long_head.substr(0, 79) + "\n"), std::string::npos);
}

// git prints no ---/+++ lines and no hunk for a file that is empty on both
// of its sides that exist (added empty, deleted empty, renamed or given a new
// mode while empty): only "diff --git", the mode/rename lines and "index".
// Each case is its own instance, checked against the git CLI.
TEST_F(InstanceTest, EmptyFilesPrintLikeGit) {
  Put("keep.txt", Lines("keep", 5));
  Put("pkg/gone/__init__.py", "");
  Put("pkg/old/__init__.py", "");
  Put("pkg/mode/__init__.py", "");
  Put("pkg/grow/__init__.py", "");
  Put("pkg/shrink/__init__.py", "x = 1\n");
  std::vector<std::string> commits = {CommitAll(work_, "base")};
  std::vector<std::map<std::string, bool>> changed;
  auto step = [&](const std::string& msg, std::map<std::string, bool> paths) {
    commits.push_back(CommitAll(work_, msg));
    changed.push_back(std::move(paths));
  };
  Put("pkg/added/__init__.py", "");
  step("add an empty file", {{"pkg/added/__init__.py", false}});
  G({"rm", "-q", "pkg/gone/__init__.py"});
  step("delete an empty file", {{"pkg/gone/__init__.py", false}});
  fs::create_directories(work_ + "/pkg/new");
  G({"mv", "pkg/old/__init__.py", "pkg/new/__init__.py"});
  step("rename an empty file", {{"pkg/new/__init__.py", false}});
  fs::permissions(work_ + "/pkg/mode/__init__.py", fs::perms::owner_exec, fs::perm_options::add);
  step("make an empty file executable", {{"pkg/mode/__init__.py", false}});
  Put("pkg/grow/__init__.py", "from .core import *\n");
  step("an empty file gets content", {{"pkg/grow/__init__.py", false}});
  Put("pkg/shrink/__init__.py", "");
  step("a file becomes empty", {{"pkg/shrink/__init__.py", false}});
  Put("tests/__init__.py", "");
  fs::permissions(work_ + "/keep.txt", fs::perms::owner_exec, fs::perm_options::add);
  Put("keep.txt", Lines("keep", 6));
  G({"rm", "-q", "pkg/new/__init__.py"});
  Put("bin/empty.sh", "");
  fs::permissions(work_ + "/bin/empty.sh", fs::perms::owner_exec, fs::perm_options::add);
  step("all at once, with a mode change and an edit beside them",
       {{"tests/__init__.py", true}, {"keep.txt", false}, {"pkg/new/__init__.py", false},
        {"bin/empty.sh", false}});
  Mirror();
  for (size_t i = 0; i + 1 < commits.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i + 1));
    const Instance inst = Assemble({commits[i], commits[i + 1], "", 0});
    CheckAgainstCli(inst, changed[i]);
  }
  // Spelled out for the first case: no ---/+++ and no hunk.
  const Instance added = Assemble({commits[0], commits[1], "", 0});
  EXPECT_EQ(added.patch,
            "diff --git a/pkg/added/__init__.py b/pkg/added/__init__.py\n"
            "new file mode 100644\n"
            "index 0000000000000000000000000000000000000000..e69de29bb2d1d6434b8b29ae775ad8c2e48c5391\n");
}

// Found by bench/realrepo on pallets/flask (PRs 2912, 3270): a binary file
// renamed without a change (similarity 100%) or given a new mode has no
// "Binary files ... differ" line in git's patch; libgit2 printed one.
TEST_F(InstanceTest, UnchangedBinaryRenamedOrReModedHasNoBinaryLine) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  for (int i = 0; i < 500; ++i) png += static_cast<char>(i * 13);
  Put("docs/_static/logo.png", png);
  Put("docs/_static/icon.png", png + "icon");
  Put("tools/blob.bin", std::string("\0\1\2\3", 4) + png);
  const std::string base = CommitAll(work_, "base");
  G({"mv", "docs/_static/logo.png", "docs/_static/flask-logo.png"});
  G({"mv", "docs/_static/icon.png", "docs/_static/flask-icon.png"});
  Put("docs/_static/flask-icon.png", png + "icon, edited");
  fs::permissions(work_ + "/tools/blob.bin", fs::perms::owner_exec, fs::perm_options::add);
  const std::string head = CommitAll(work_, "rename and re-mode binaries");
  Mirror();
  const Instance inst = Assemble({base, head, "", 0});
  CheckAgainstCli(inst, {{"docs/_static/flask-logo.png", false},
                         {"docs/_static/flask-icon.png", false},
                         {"tools/blob.bin", false}});
  EXPECT_EQ(inst.patch.find("Binary files a/docs/_static/logo.png"), std::string::npos);
  EXPECT_EQ(inst.patch.find("Binary files a/tools/blob.bin"), std::string::npos);
  EXPECT_NE(inst.patch.find("Binary files a/docs/_static/icon.png and "
                            "b/docs/_static/flask-icon.png differ\n"),
            std::string::npos);  // a changed one keeps it
}

TEST_F(InstanceTest, NothingResolvesIsNotFound) {
  Put("f", "x\n");
  CommitAll(work_, "base");
  Mirror();
  const std::string base(40, '1'), head(40, '2'), merge(40, '3');
  const auto inst = AssembleInstance(repo_.get(), {base, head, merge, 9}, AssembleOptions{});
  ASSERT_FALSE(inst);
  EXPECT_EQ(inst.error().code(), Code::kNotFound);
  const std::string& msg = inst.error().message();
  EXPECT_EQ(msg.rfind("cannot resolve pr 9:", 0), 0u) << msg;
  for (const std::string& s : {base, head, merge}) {
    EXPECT_NE(msg.find("'" + s + "' not in the repository"), std::string::npos) << msg;
  }
  EXPECT_NE(msg.find("no refs/pull/9/head"), std::string::npos) << msg;

  const auto bad = ReadBlob(repo_.get(), "xyz");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kInvalidInput);
  const auto missing = ReadBlob(repo_.get(), std::string(40, '4'));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
}

TEST(InstanceIsTestPathTest, WordsOfThePath) {
  for (const char* p : {"tests/foo.py", "test_foo.py", "foo_test.go", "pkg/testing/x.go",
                        "e2e/run.ts", "__tests__/a.js", "src/a.test.js", "src/FooTest.java",
                        "Tests/A.swift", "spec/models/user.rb", "app/specs/x.js",
                        "lib/user_spec.rb", "ui/button.spec.tsx", "conftest.py",
                        "tests2/x.py", "src/HTTPTestCase.java", "integration-tests/a.sh",
                        "testing/test_python.py", "go/testdata/in.txt", "Lib/unittest/case.py"}) {
    EXPECT_TRUE(IsTestPath(p)) << p;
  }
  // SWE-bench's substring rule files these as tests; words do not.
  for (const char* p : {"src/lib.py", "README.md", "inspect.py", "specification.md",
                        "respec/x.c", "docs/spectrum.md", "latest.py", "contest.py",
                        "src/_pytest/python.py", "pkg/attestation.go", "FastestSort.java",
                        "protester/main.c", "e2etool/x.c"}) {
    EXPECT_FALSE(IsTestPath(p)) << p;
  }
}

}  // namespace
}  // namespace swerl::git

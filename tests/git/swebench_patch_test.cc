// SWE-bench-compatible patches: the rewrite of a default `git diff` into
// git's python-driver output is checked against the git CLI itself on
// randomized python edits; the split rule on the paths SPEC §3.7 names.
#include "swerl/git/swebench_patch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "git/git_testing.h"
#include "testing/testing.h"

namespace swerl::git {
namespace {

using testing::CommitAll;
using testing::Git;

std::string DropIndexLines(const std::string& patch) {
  std::string out;
  size_t start = 0;
  while (start < patch.size()) {
    size_t end = patch.find('\n', start);
    end = end == std::string::npos ? patch.size() : end + 1;
    const std::string line = patch.substr(start, end - start);
    if (!line.starts_with("index ")) out += line;
    start = end;
  }
  return out;
}

TEST(SwebenchPatchTest, PythonContextFollowsGitsDriver) {
  const std::string text =
      "import os\n"
      "class Box:\n"
      "    def size(self):\n"
      "        return 1\n"
      "    async  def fetch(self):\n"
      "        pass\n"
      "define = 1\n"
      "classy = 2\n"
      "\tdef\tf(x):   \n";
  EXPECT_EQ(PythonFuncContext(text, 1), "");
  EXPECT_EQ(PythonFuncContext(text, 2), "class Box:");
  EXPECT_EQ(PythonFuncContext(text, 4), "def size(self):");
  EXPECT_EQ(PythonFuncContext(text, 6), "async  def fetch(self):");
  EXPECT_EQ(PythonFuncContext(text, 8), "async  def fetch(self):");  // define, classy: no match
  EXPECT_EQ(PythonFuncContext(text, 9), "def\tf(x):");               // trailing blanks trimmed
  EXPECT_EQ(PythonFuncContext(text, 100), "def\tf(x):");
  EXPECT_EQ(PythonFuncContext("def f():\r\n", 1), "def f():");
}

TEST(SwebenchPatchTest, SplitsFilesByTheOldSwebenchRule) {
  auto section = [](const std::string& path) {
    return "diff --git a/" + path + " b/" + path + "\nindex 1111111..2222222 100644\n--- a/" +
           path + "\n+++ b/" + path + "\n@@ -1 +1 @@\n-a\n+b\n";
  };
  const std::vector<std::string> paths = {
      "src/_pytest/python.py",     // patch: "_pytest" splits to "pytest"
      "testing/test_python.py",    // test: "testing"
      "doc/en/changelog.rst",      // dropped: not .py
      "tests/data/input.txt",      // test, although not .py
      "requests/contest.py",       // patch: "contest" is not a word "test"
      "AUTHORS",                   // dropped
      "src/Test_Utils.py",         // test: lower-cased "test"
  };
  std::string patch;
  std::vector<PatchPreimage> pre;
  for (const std::string& p : paths) {
    patch += section(p);
    pre.push_back({p, std::string("a\n")});
  }
  auto out = ToSwebenchPatch(patch, pre);
  ASSERT_TRUE(out) << out.error().message();
  auto strip = [](std::string s) { return DropIndexLines(s); };
  EXPECT_EQ(out->patch, strip(section(paths[0]) + section(paths[4])));
  EXPECT_EQ(out->test_patch, strip(section(paths[1]) + section(paths[3]) + section(paths[6])));
  ASSERT_EQ(out->dropped.size(), 2u);
  EXPECT_EQ(out->dropped[0], "diff --git a/doc/en/changelog.rst b/doc/en/changelog.rst");
  EXPECT_EQ(out->dropped[1], "diff --git a/AUTHORS b/AUTHORS");
}

TEST(SwebenchPatchTest, RejectsWhatItCannotRebuild) {
  const std::string patch =
      "diff --git a/m.py b/m.py\nindex 1..2 100644\n--- a/m.py\n+++ b/m.py\n@@ -3 +3 @@\n-a\n+b\n";
  EXPECT_FALSE(ToSwebenchPatch(patch, {}));                       // count mismatch
  auto missing = ToSwebenchPatch(patch, {{"m.py", std::nullopt}});  // contents not stored
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("m.py"), std::string::npos);
  std::string bad = patch;
  bad.replace(bad.find("@@ -3 +3 @@"), 11, "@@ -x +3 @@");
  EXPECT_FALSE(ToSwebenchPatch(bad, {{"m.py", std::string("a\n")}}));
  // An added file has no preimage and needs none.
  const std::string added =
      "diff --git a/n.py b/n.py\nnew file mode 100644\nindex 0..2\n--- /dev/null\n+++ b/n.py\n"
      "@@ -0,0 +1 @@\n+b\n";
  auto ok = ToSwebenchPatch(added, {{"", std::nullopt}});
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->patch, DropIndexLines(added));
}

// Random python files edited at random places: the rewrite of git's default
// diff equals what git prints with `*.py diff=python`, index lines aside.
TEST(SwebenchPatchTest, RandomPythonEditsMatchGitsPythonDriver) {
  testing::TempDir dir;
  const std::string work = dir.Join("work");
  testing::InitWorkTree(work);
  std::filesystem::create_directories(work + "/pkg");
  std::mt19937 rng(20240708);
  auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
  using Text = std::vector<std::string>;
  auto block = [&](int k) {
    Text b;
    const std::string indent = pick(3) == 0 ? "    " : "";
    switch (pick(6)) {
      case 0: b.push_back(indent + "class Thing" + std::to_string(k) + "(Base):"); break;
      case 1: b.push_back(indent + "async def fetch_" + std::to_string(k) + "(session):"); break;
      case 2:  // longer than 80 bytes, with a blank at byte 80 so cut-then-trim matters
        b.push_back(indent + "def " + std::string(70, 'l') + std::to_string(k % 10) +
                    "(a,      b, c, d):   ");
        break;
      case 3: b.push_back(indent + "x_" + std::to_string(k) + " = compute()  # not a def"); break;
      case 4: b.push_back(indent + "def f" + std::to_string(k) + "(x):\r"); break;  // CRLF line
      default: b.push_back(indent + "def handler_" + std::to_string(k) + "(request):"); break;
    }
    for (size_t i = 0, n = 2 + pick(6); i < n; ++i) {
      b.push_back(indent + "    value = value * " + std::to_string(pick(97)) + " + " +
                  std::to_string(k));
    }
    b.push_back("");
    return b;
  };
  std::vector<Text> files(12);
  int k = 0;
  for (Text& f : files) {
    for (int i = 0; i < 12; ++i) {
      const Text b = block(k++);
      f.insert(f.end(), b.begin(), b.end());
    }
  }
  auto write = [&] {
    for (size_t n = 0; n < files.size(); ++n) {
      std::string text;
      for (const std::string& line : files[n]) text += line + "\n";
      testing::WriteFile(work + "/pkg/mod" + std::to_string(n) + ".py", text);
    }
  };
  write();
  const std::string base = CommitAll(work, "base");
  std::vector<PatchPreimage> pre;
  for (size_t n = 0; n < files.size(); ++n) {
    std::string text;
    for (const std::string& line : files[n]) text += line + "\n";
    pre.push_back({"pkg/mod" + std::to_string(n) + ".py", text});
  }
  // Sections come in git's path order (mod0, mod1, mod10, mod11, mod2, ...).
  std::sort(pre.begin(), pre.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  for (Text& f : files) {
    for (int e = 0; e < 4; ++e) {
      const size_t at = pick(f.size());
      switch (pick(3)) {
        case 0: f[at] = "    changed = True  # edit " + std::to_string(e); break;
        case 1: f.erase(f.begin() + static_cast<long>(at)); break;
        default: {
          const Text b = block(1000 + e);
          f.insert(f.begin() + static_cast<long>(at), b.begin(), b.end());
        }
      }
    }
  }
  write();
  const std::string head = CommitAll(work, "edits");
  const std::string plain = Git({"-C", work, "diff", "--full-index", base, head});
  std::filesystem::create_directories(work + "/.git/info");
  testing::WriteFile(work + "/.git/info/attributes", "*.py diff=python\n");
  const std::string python = Git({"-C", work, "diff", base, head});
  ASSERT_NE(plain, DropIndexLines(python)) << "the test does not exercise the python driver";
  auto out = ToSwebenchPatch(plain, pre);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->patch, DropIndexLines(python));
  EXPECT_EQ(out->test_patch, "");
}

}  // namespace
}  // namespace swerl::git

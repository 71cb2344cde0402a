// The same-file guard (io/same_file.h): outputs that name an input or each
// other by any spelling are refused, distinct files pass.
#include "swerl/io/same_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "testing/testing.h"

namespace swerl::io {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::WriteFile;

// The message of the refusal, or "" when the paths pass.
std::string Refusal(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs) {
  Status st = CheckDistinctFiles(inputs, outputs);
  if (st) return "";
  EXPECT_EQ(st.error().code(), Code::kInvalidInput);
  return st.error().message();
}

TEST(SameFile, DistinctFilesPass) {
  TempDir dir;
  WriteFile(dir.Join("in"), "x");
  WriteFile(dir.Join("out"), "y");
  EXPECT_EQ(Refusal({{"--db", dir.Join("in")}}, {{"--out", dir.Join("out")}}), "");
  EXPECT_EQ(Refusal({{"--db", dir.Join("in")}}, {{"--out", dir.Join("new")}}), "");
  // Inputs may repeat: reading a file twice harms nothing.
  EXPECT_EQ(Refusal({{"input", dir.Join("in")}, {"input", dir.Join("in")}}, {}), "");
  // Flags not given are empty paths.
  EXPECT_EQ(Refusal({{"--rules", ""}}, {{"--explain", ""}, {"--db", ""}}), "");
}

TEST(SameFile, OneFileByAnySpellingIsRefusedNamingBothFlags) {
  TempDir dir;
  fs::create_directories(dir.Join("sub"));
  WriteFile(dir.Join("e.db"), "store");
  fs::create_hard_link(dir.Join("e.db"), dir.Join("hard.db"));
  fs::create_symlink(dir.Join("e.db"), dir.Join("sym.db"));
  fs::create_directory_symlink(dir.path(), dir.Join("sub/up"));
  for (const std::string& spelling :
       {dir.Join("e.db"), dir.Join("./e.db"), dir.Join("sub/../e.db"), dir.Join("hard.db"),
        dir.Join("sym.db"), dir.Join("sub/up/e.db")}) {
    const std::string why = Refusal({{"--db", dir.Join("e.db")}}, {{"--out", spelling}});
    EXPECT_EQ(why, "--out '" + spelling + "' is the same file as --db '" + dir.Join("e.db") +
                       "': refusing to write over an input")
        << spelling;
  }
}

TEST(SameFile, RelativeAndAbsolutePathsMatch) {
  TempDir dir;
  WriteFile(dir.Join("in.ndjson"), "{}\n");
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  const std::string why = Refusal({{"input", "in.ndjson"}}, {{"--explain", dir.Join("in.ndjson")}});
  fs::current_path(cwd);
  EXPECT_NE(why.find("--explain '" + dir.Join("in.ndjson") +
                     "' is the same file as input "
                     "'in.ndjson'"),
            std::string::npos)
      << why;
}

TEST(SameFile, OutputsThatDoNotExistYetAreComparedThroughTheirDirectory) {
  TempDir dir;
  fs::create_directories(dir.Join("a"));
  fs::create_directory_symlink(dir.Join("a"), dir.Join("link"));
  // Two outputs, one file-to-be, spelled through a symlinked directory.
  std::string why =
      Refusal({}, {{"--explain", dir.Join("a/x.ndjson")}, {"--out", dir.Join("link/x.ndjson")}});
  EXPECT_EQ(why, "--explain '" + dir.Join("a/x.ndjson") + "' and --out '" +
                     dir.Join("link/x.ndjson") + "' are the same file: give each output its own");
  // Missing directories too: the rest of the path is compared as text.
  why = Refusal({}, {{"--out", dir.Join("new/dir/x")}, {"--explain", dir.Join("new/./dir/x")}});
  EXPECT_NE(why.find("are the same file"), std::string::npos) << why;
  EXPECT_EQ(Refusal({}, {{"--out", dir.Join("new/dir/x")}, {"--explain", dir.Join("new/dir/y")}}),
            "");
  // A missing output never matches an existing input, nor a missing input
  // (a program looked up in PATH) anything.
  WriteFile(dir.Join("a/in"), "x");
  EXPECT_EQ(Refusal({{"input", dir.Join("a/in")}}, {{"--out", dir.Join("a/in2")}}), "");
  EXPECT_EQ(Refusal({{"--gnuplot", dir.Join("a/gnuplot")}}, {{"--out", dir.Join("a/gnuplot")}}),
            "");
}

TEST(SameFile, DirectoriesCollideDevicesDoNot) {
  TempDir dir;
  fs::create_directories(dir.Join("ckpt"));
  EXPECT_NE(Refusal({{"--tokenizer", dir.Join("ckpt")}}, {{"--out", dir.Join("ckpt/")}}), "");
  EXPECT_EQ(Refusal({{"input", "/dev/null"}}, {{"--explain", "/dev/null"}}), "");
}

// Standard output redirected into an input (`swerl filter in.ndjson >>
// in.ndjson`): checked in a child whose fd 1 is the file.
TEST(SameFile, StandardOutputThatIsAnInputIsRefused) {
  TempDir dir;
  WriteFile(dir.Join("in.ndjson"), "{}\n");
  WriteFile(dir.Join("other"), "");
  auto child = [&](const std::string& stdout_file, const std::string& input) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int fd = ::open(stdout_file.c_str(), O_WRONLY | O_APPEND);
      ::dup2(fd, 1);
      Status st = CheckDistinctFiles({{"input", input}}, {{"standard output", "-"}});
      const bool named =
          !st && st.error().message() == "standard output is the same file as input '" + input +
                                             "': refusing to write over an input";
      _exit(st ? 0 : named ? 1 : 2);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WEXITSTATUS(status);
  };
  EXPECT_EQ(child(dir.Join("in.ndjson"), dir.Join("in.ndjson")), 1);
  EXPECT_EQ(child(dir.Join("other"), dir.Join("in.ndjson")), 0);
  EXPECT_EQ(child("/dev/null", "/dev/null"), 0);
}

}  // namespace
}  // namespace swerl::io

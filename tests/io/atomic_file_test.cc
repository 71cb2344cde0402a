// AtomicFile, WriteFileAtomically, WriteAll and SyncParentDir.
#include "swerl/io/atomic_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

#include "io/test_streams.h"
#include "testing/testing.h"

namespace swerl::io {
namespace {

std::set<std::string> ListDir(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.insert(e.path().filename().string());
  }
  return names;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

TEST(AtomicFileTest, CommitPublishesContents) {
  testing::TempDir dir;
  const std::string path = dir.Join("out.ndjson");
  const std::string data = test::RandomData(3 << 20, 1, false);
  {
    auto f = AtomicFile::Create(path);
    ASSERT_TRUE(f.has_value()) << f.error().message();
    const std::string temp = f->temp_path();
    EXPECT_EQ(temp.rfind(path + ".tmp-", 0), 0u) << temp;
    EXPECT_TRUE(Exists(temp));
    size_t at = 0;
    for (size_t piece : {0, 1, 1000, 65536, 1 << 20}) {
      ASSERT_TRUE(f->Append(std::string_view(data).substr(at, piece)).has_value());
      at += piece;
      // Nothing is visible under the final name until Commit.
      EXPECT_FALSE(Exists(path));
    }
    ASSERT_TRUE(f->Append(std::string_view(data).substr(at)).has_value());
    EXPECT_FALSE(Exists(path));
    auto st = f->Commit();
    ASSERT_TRUE(st.has_value()) << st.error().message();
    EXPECT_FALSE(Exists(temp));
  }
  EXPECT_TRUE(testing::ReadFile(path) == data);
  EXPECT_EQ(ListDir(dir.path()), std::set<std::string>{"out.ndjson"});
}

TEST(AtomicFileTest, DestroyWithoutCommitLeavesNothing) {
  testing::TempDir dir;
  const std::string path = dir.Join("never");
  {
    auto f = AtomicFile::Create(path);
    ASSERT_TRUE(f.has_value());
    ASSERT_TRUE(f->Append("partial").has_value());
    EXPECT_EQ(ListDir(dir.path()).size(), 1u);
  }
  EXPECT_FALSE(Exists(path));
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

TEST(AtomicFileTest, AbandonedWriteKeepsTheOldFile) {
  testing::TempDir dir;
  const std::string path = dir.Join("keep");
  testing::WriteFile(path, "old contents");
  {
    auto f = AtomicFile::Create(path);
    ASSERT_TRUE(f.has_value());
    ASSERT_TRUE(f->Append("new").has_value());
    EXPECT_EQ(testing::ReadFile(path), "old contents");
  }
  EXPECT_EQ(testing::ReadFile(path), "old contents");
  EXPECT_EQ(ListDir(dir.path()), std::set<std::string>{"keep"});
}

TEST(AtomicFileTest, MoveTransfersOwnership) {
  testing::TempDir dir;
  const std::string path = dir.Join("moved");
  auto f = AtomicFile::Create(path);
  ASSERT_TRUE(f.has_value());
  const std::string temp = f->temp_path();
  AtomicFile a = std::move(f).value();
  EXPECT_EQ(a.temp_path(), temp);
  {
    AtomicFile b = std::move(a);  // a's destructor must not remove b's file
    EXPECT_TRUE(Exists(temp));
    ASSERT_TRUE(b.Append("moved data").has_value());
    ASSERT_TRUE(b.Commit().has_value());
  }
  EXPECT_EQ(testing::ReadFile(path), "moved data");
  EXPECT_EQ(ListDir(dir.path()), std::set<std::string>{"moved"});
}

TEST(AtomicFileTest, UseAfterCommitIsAnError) {
  testing::TempDir dir;
  auto f = AtomicFile::Create(dir.Join("once"));
  ASSERT_TRUE(f.has_value());
  ASSERT_TRUE(f->Commit().has_value());
  EXPECT_EQ(testing::ReadFile(dir.Join("once")), "");
  auto again = f->Commit();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), Code::kInvalidInput);
  auto append = f->Append("x");
  ASSERT_FALSE(append.has_value());
  EXPECT_EQ(append.error().code(), Code::kInvalidInput);
  EXPECT_EQ(testing::ReadFile(dir.Join("once")), "");
}

TEST(AtomicFileTest, TempNamesAreUnique) {
  testing::TempDir dir;
  const std::string path = dir.Join("same");
  std::vector<AtomicFile> files;
  std::set<std::string> temps;
  for (int i = 0; i < 50; ++i) {
    auto f = AtomicFile::Create(path);
    ASSERT_TRUE(f.has_value());
    temps.insert(f->temp_path());
    files.push_back(std::move(f).value());
  }
  EXPECT_EQ(temps.size(), 50u);
  files.clear();
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

TEST(AtomicFileTest, MissingDirectoryIsAnIoError) {
  testing::TempDir dir;
  const std::string path = dir.Join("no/such/dir/file");
  auto f = AtomicFile::Create(path);
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code(), Code::kIo);
  EXPECT_NE(f.error().message().find(path), std::string::npos) << f.error().message();

  auto w = WriteFileAtomically(path, "x");
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code(), Code::kIo);
}

// Commit onto a name that cannot be replaced (a non-empty directory) fails,
// leaves the directory alone and removes the temporary file.
TEST(AtomicFileTest, FailedCommitRemovesTempFile) {
  testing::TempDir dir;
  const std::string path = dir.Join("taken");
  std::filesystem::create_directory(path);
  testing::WriteFile(path + "/inside", "x");
  auto f = AtomicFile::Create(path);
  ASSERT_TRUE(f.has_value());
  ASSERT_TRUE(f->Append("data").has_value());
  const std::string temp = f->temp_path();
  auto st = f->Commit();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), Code::kIo);
  EXPECT_NE(st.error().message().find(path), std::string::npos);
  EXPECT_FALSE(Exists(temp)) << "temp file left after a failed commit";
  EXPECT_EQ(testing::ReadFile(path + "/inside"), "x");
}

TEST(WriteFileAtomicallyTest, CreatesAndReplaces) {
  testing::TempDir dir;
  const std::string path = dir.Join("f.json");
  ASSERT_TRUE(WriteFileAtomically(path, "first version, long text\n").has_value());
  EXPECT_EQ(testing::ReadFile(path), "first version, long text\n");
  ASSERT_TRUE(WriteFileAtomically(path, "2nd\n").has_value());
  EXPECT_EQ(testing::ReadFile(path), "2nd\n");  // replaced, not overwritten in place
  ASSERT_TRUE(WriteFileAtomically(path, "").has_value());
  EXPECT_EQ(testing::ReadFile(path), "");
  EXPECT_EQ(ListDir(dir.path()), std::set<std::string>{"f.json"});
}

TEST(WriteFileAtomicallyTest, ReplacementIsANewInode) {
  testing::TempDir dir;
  const std::string path = dir.Join("f");
  ASSERT_TRUE(WriteFileAtomically(path, "a").has_value());
  // A reader holding the old file keeps seeing the old contents.
  auto old_reader = OpenFile(path);
  ASSERT_TRUE(old_reader.has_value());
  ASSERT_TRUE(WriteFileAtomically(path, "bbbb").has_value());
  auto old_data = ReadAll(**old_reader);
  ASSERT_TRUE(old_data.has_value());
  EXPECT_EQ(*old_data, "a");
  EXPECT_EQ(testing::ReadFile(path), "bbbb");
}

TEST(WriteFileAtomicallyTest, RelativePath) {
  testing::TempDir dir;
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(::chdir(dir.path().c_str()), 0);
  const auto st = WriteFileAtomically("relative.txt", "rel");
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(st.has_value()) << st.error().message();
  EXPECT_EQ(testing::ReadFile(dir.Join("relative.txt")), "rel");
}

TEST(SyncParentDirTest, Paths) {
  testing::TempDir dir;
  EXPECT_TRUE(SyncParentDir(dir.Join("anything")).has_value());
  EXPECT_TRUE(SyncParentDir("no-slash").has_value());  // the current directory
  EXPECT_TRUE(SyncParentDir("/top").has_value());      // the root
  auto bad = SyncParentDir(dir.Join("missing/x"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kIo);
}

TEST(WriteAllTest, WritesEverythingAndReportsErrors) {
  testing::TempDir dir;
  const std::string path = dir.Join("w");
  const std::string data = test::RandomData(5 << 20, 2, false);
  {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    EXPECT_TRUE(WriteAll(fd, data, "w").has_value());
    ::close(fd);
  }
  EXPECT_TRUE(testing::ReadFile(path) == data);
  auto bad = WriteAll(-1, "x", "writing nowhere");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kIo);
  EXPECT_EQ(bad.error().message().rfind("writing nowhere: ", 0), 0u) << bad.error().message();
  EXPECT_TRUE(WriteAll(-1, "", "nothing to write").has_value());
}

}  // namespace
}  // namespace swerl::io

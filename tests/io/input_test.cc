// OpenFile, OpenInput (gzip sniffing), StringInput and ReadAll.
#include "swerl/io/input.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "io/test_streams.h"
#include "swerl/io/gzip.h"
#include "testing/testing.h"

namespace swerl::io {
namespace {

using test::GzipMember;
using test::RandomData;

TEST(OpenFileTest, MissingPathIsNotFoundAndNamesThePath) {
  testing::TempDir dir;
  const std::string path = dir.Join("no-such-file.json.gz");
  auto r = OpenFile(path);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kNotFound);
  EXPECT_NE(r.error().message().find(path), std::string::npos) << r.error().message();

  auto in = OpenInput(path);
  ASSERT_FALSE(in.has_value());
  EXPECT_EQ(in.error().code(), Code::kNotFound);
  EXPECT_NE(in.error().message().find(path), std::string::npos);
}

TEST(OpenFileTest, MissingDirectoryIsNotFound) {
  testing::TempDir dir;
  auto r = OpenFile(dir.Join("missing/dir/file"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kNotFound);
}

TEST(OpenFileTest, ReadingADirectoryIsAnIoError) {
  testing::TempDir dir;
  auto r = OpenFile(dir.path());
  if (!r.has_value()) {
    EXPECT_EQ(r.error().code(), Code::kIo);
    return;
  }
  char buf[8];
  auto got = (*r)->Read(buf, sizeof buf);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code(), Code::kIo);
  EXPECT_NE(got.error().message().find(dir.path()), std::string::npos);
}

TEST(OpenFileTest, ReadsWholeFileAndTracksOffset) {
  testing::TempDir dir;
  const std::string data = RandomData(300001, 3, false);
  const std::string path = dir.Join("f.bin");
  testing::WriteFile(path, data);
  auto r = OpenFile(path);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)->name(), path);
  auto got = test::ReadAllPieces(**r, 4096);
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(*got == data);
  EXPECT_EQ((*r)->source_offset(), data.size());
}

// kNever reads, kAlways maps, kAuto maps files of 1 MiB and more: the
// same bytes and offsets either way.
TEST(OpenFileTest, MapModesReadTheSameBytes) {
  testing::TempDir dir;
  for (const size_t size : {size_t{1}, size_t{300001}, size_t{(1 << 20) + 17}}) {
    const std::string data = RandomData(size, size, false);
    const std::string path = dir.Join("f" + std::to_string(size));
    testing::WriteFile(path, data);
    for (const MapMode mode : {MapMode::kNever, MapMode::kAlways, MapMode::kAuto}) {
      auto r = OpenFile(path, mode);
      ASSERT_TRUE(r.has_value()) << r.error().message();
      const bool want_mapped =
          mode == MapMode::kAlways || (mode == MapMode::kAuto && size >= (1 << 20));
      EXPECT_EQ((*r)->Mapped().size(), want_mapped ? size : 0) << size;
      auto got = test::ReadAllPieces(**r, 100000);
      ASSERT_TRUE(got.has_value());
      EXPECT_TRUE(*got == data) << size;
      EXPECT_EQ((*r)->source_offset(), size);
    }
  }
  // An empty file cannot be mapped: it is read (as nothing).
  const std::string empty = dir.Join("empty");
  testing::WriteFile(empty, "");
  auto r = OpenFile(empty, MapMode::kAlways);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE((*r)->Mapped().empty());
  auto got = ReadAll(**r);
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->empty());
}

TEST(StringInputTest, ReadsInPiecesAndNames) {
  const std::string data = RandomData(10000, 4, true);
  auto in = StringInput(data, "mem");
  EXPECT_EQ(in->name(), "mem");
  EXPECT_EQ(StringInput("")->name(), "<string>");
  auto got = test::ReadAllPieces(*in, 33);
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(*got == data);
  EXPECT_EQ(in->source_offset(), data.size());
  char c;
  auto again = in->Read(&c, 1);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0u);
}

TEST(ReadAllTest, ManySizes) {
  for (size_t n : {0, 1, 65535, 65536, 131072, 131073, 1000003}) {
    const std::string data = RandomData(n, n, false);
    auto in = StringInput(data);
    auto got = ReadAll(*in);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->size(), n);
    EXPECT_TRUE(*got == data);
    // A trickling source gives the same bytes.
    test::TrickleInput t(data, 1000, n);
    auto got2 = ReadAll(t);
    ASSERT_TRUE(got2.has_value());
    EXPECT_TRUE(*got2 == data);
  }
}

TEST(ReadAllTest, PropagatesErrors) {
  test::FailingInput in("abc");
  auto r = ReadAll(in);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kIo);
}

class OpenInputTest : public ::testing::TestWithParam<GzipBackend> {};

INSTANTIATE_TEST_SUITE_P(Backends, OpenInputTest,
                         ::testing::Values(GzipBackend::kDefault, GzipBackend::kIsal,
                                           GzipBackend::kZlib));

TEST_P(OpenInputTest, DetectsGzip) {
  testing::TempDir dir;
  const std::string data = RandomData(500000, 5, true);
  const std::string gz = GzipMember(data.substr(0, 1)) + GzipMember(data.substr(1));
  const std::string path = dir.Join("x.json.gz");
  testing::WriteFile(path, gz);
  auto in = OpenInput(path, GetParam());
  ASSERT_TRUE(in.has_value()) << in.error().message();
  EXPECT_EQ((*in)->name(), path);
  auto got = test::ReadAllPieces(**in, 70000);
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_TRUE(*got == data);
  EXPECT_EQ((*in)->source_offset(), gz.size());
}

// A mapped gzip file is inflated in place, with the same verdicts: whole
// members decode, a cut-off file is truncation.
TEST_P(OpenInputTest, MappedGzipFile) {
  testing::TempDir dir;
  const std::string data = RandomData(700000, 6, true);
  const std::string gz = GzipMember(data.substr(0, 5)) + GzipMember(data.substr(5));
  const std::string path = dir.Join("m.json.gz"), cut = dir.Join("cut.json.gz");
  testing::WriteFile(path, gz);
  testing::WriteFile(cut, gz.substr(0, gz.size() - 9));
  auto in = OpenInput(path, GetParam(), MapMode::kAlways);
  ASSERT_TRUE(in.has_value()) << in.error().message();
  auto got = test::ReadAllPieces(**in, 70000);
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_TRUE(*got == data);
  EXPECT_EQ((*in)->source_offset(), gz.size());

  auto bad = OpenInput(cut, GetParam(), MapMode::kAlways);
  ASSERT_TRUE(bad.has_value());
  auto r = ReadAll(**bad);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kCorrupt);
  EXPECT_NE(r.error().message().find("truncated"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find(cut), std::string::npos) << r.error().message();
}

TEST_P(OpenInputTest, GzipDetectionDoesNotDependOnTheName) {
  testing::TempDir dir;
  const std::string path = dir.Join("plain-name.txt");
  testing::WriteFile(path, GzipMember("hidden\n"));
  auto in = OpenInput(path, GetParam());
  ASSERT_TRUE(in.has_value());
  auto got = ReadAll(**in);
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(*got, "hidden\n");
}

TEST_P(OpenInputTest, PlainInputPassesThroughUnchanged) {
  testing::TempDir dir;
  const std::string gz_like_name = dir.Join("looks.gz");
  const std::vector<std::string> contents = {"",
                                             "a",
                                             "\x1f",
                                             "\x8b\x1f",
                                             "\x1f\x8a rest",
                                             "{\"a\":1}\n{\"a\":2}\n",
                                             RandomData(200000, 6, false).replace(0, 2, "ab")};
  for (const auto& c : contents) {
    testing::WriteFile(gz_like_name, c);
    auto in = OpenInput(gz_like_name, GetParam());
    ASSERT_TRUE(in.has_value()) << in.error().message();
    // Tiny reads cross the sniffed prefix and the rest of the file.
    auto got = test::ReadAllPieces(**in, 3);
    ASSERT_TRUE(got.has_value()) << got.error().message();
    EXPECT_TRUE(*got == c) << c.size();
    EXPECT_EQ((*in)->source_offset(), c.size());
    EXPECT_EQ((*in)->name(), gz_like_name);
  }
}

TEST_P(OpenInputTest, SourceOffsetCountsUnreadPrefix) {
  testing::TempDir dir;
  const std::string path = dir.Join("p.txt");
  testing::WriteFile(path, "hello");
  auto in = OpenInput(path, GetParam());
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ((*in)->source_offset(), 0u);  // the sniffed bytes are not consumed yet
  char c;
  ASSERT_EQ(*(*in)->Read(&c, 1), 1u);
  EXPECT_EQ(c, 'h');
  EXPECT_EQ((*in)->source_offset(), 1u);
}

TEST_P(OpenInputTest, DamagedGzipFileIsCorrupt) {
  testing::TempDir dir;
  const std::string path = dir.Join("bad.gz");
  std::string gz = GzipMember(RandomData(10000, 7, true));
  testing::WriteFile(path, gz.substr(0, gz.size() / 2));
  auto in = OpenInput(path, GetParam());
  ASSERT_TRUE(in.has_value());
  auto got = ReadAll(**in);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code(), Code::kCorrupt);
  EXPECT_NE(got.error().message().find("truncated"), std::string::npos) << got.error().message();
  EXPECT_NE(got.error().message().find(path), std::string::npos) << got.error().message();
}

// A pipe delivers the magic bytes in separate reads; sniffing still works.
TEST_P(OpenInputTest, ReadsFromAPipeByPath) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string data = "line one\nline two\n";
  const std::string gz = GzipMember(data);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    for (char c : gz) {
      if (::write(fds[1], &c, 1) != 1) _exit(1);
      ::usleep(200);
    }
    _exit(0);
  }
  ::close(fds[1]);
  const std::string path = "/proc/self/fd/" + std::to_string(fds[0]);
  auto in = OpenInput(path, GetParam());
  ::close(fds[0]);
  ASSERT_TRUE(in.has_value()) << in.error().message();
  auto got = ReadAll(**in);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(*got, data);
}

}  // namespace
}  // namespace swerl::io

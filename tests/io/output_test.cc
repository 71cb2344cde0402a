// BufferedOutput: buffering, large writes, byte accounting, broken pipes.
#include "swerl/io/output.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <random>
#include <string>

#include "io/test_streams.h"
#include "testing/testing.h"

namespace swerl::io {
namespace {

class BufferedOutputTest : public ::testing::Test {
 protected:
  void SetUp() override { old_ = std::signal(SIGPIPE, SIG_IGN); }
  void TearDown() override { std::signal(SIGPIPE, old_); }

 private:
  void (*old_)(int) = nullptr;
};

std::string ReadAvailable(int fd) {
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

TEST_F(BufferedOutputTest, BuffersUntilFlush) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  {
    BufferedOutput out(p[1], "<pipe>", 16);
    ASSERT_TRUE(out.Write("hello ").has_value());
    ASSERT_TRUE(out.Write("world").has_value());
    EXPECT_EQ(out.bytes_written(), 11u);
    EXPECT_EQ(ReadAvailable(p[0]), "");            // still buffered
    ASSERT_TRUE(out.Write("!!!!!!").has_value());  // 17 > 16: flushes "hello world" first
    EXPECT_EQ(ReadAvailable(p[0]), "hello world");
    ASSERT_TRUE(out.Flush().has_value());
    EXPECT_EQ(ReadAvailable(p[0]), "!!!!!!");
    ASSERT_TRUE(out.Flush().has_value());  // nothing buffered: no-op
    EXPECT_EQ(out.bytes_written(), 17u);
    // A write at least the buffer size goes straight through, in order.
    ASSERT_TRUE(out.Write("ab").has_value());
    ASSERT_TRUE(out.Write(std::string(40, 'L')).has_value());
    EXPECT_EQ(ReadAvailable(p[0]), "ab" + std::string(40, 'L'));
    EXPECT_EQ(out.bytes_written(), 59u);
  }
  ::close(p[0]);
  ::close(p[1]);
}

TEST_F(BufferedOutputTest, RandomWritesMatchConcatenation) {
  testing::TempDir dir;
  std::mt19937_64 rng(3);
  for (int round = 0; round < 40; ++round) {
    const std::string path = dir.Join("out" + std::to_string(round));
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    const size_t buffer = round == 0 ? 0 : 1 + rng() % (round < 30 ? 64 : 1 << 16);
    BufferedOutput out(fd, path, buffer);
    std::string expected;
    const int writes = static_cast<int>(rng() % 150);
    for (int i = 0; i < writes; ++i) {
      const size_t n = rng() % 3 == 0 ? rng() % (3 * buffer + 2) : rng() % 10;
      const std::string piece = test::RandomData(n, rng(), false);
      ASSERT_TRUE(out.Write(piece).has_value());
      expected += piece;
      ASSERT_EQ(out.bytes_written(), expected.size());
      if (rng() % 20 == 0) {
        ASSERT_TRUE(out.Flush().has_value());
      }
    }
    ASSERT_TRUE(out.Flush().has_value());
    ::close(fd);
    ASSERT_TRUE(testing::ReadFile(path) == expected) << "round " << round << " buffer " << buffer;
  }
}

TEST_F(BufferedOutputTest, LargeWrites) {
  testing::TempDir dir;
  const std::string path = dir.Join("big");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  const std::string big = test::RandomData(8 << 20, 9, false);
  {
    BufferedOutput out(fd, path);  // default 1 MiB buffer
    ASSERT_TRUE(out.Write("head").has_value());
    ASSERT_TRUE(out.Write(big).has_value());
    ASSERT_TRUE(out.Write("tail").has_value());
    ASSERT_TRUE(out.Flush().has_value());
    EXPECT_EQ(out.bytes_written(), big.size() + 8);
  }
  ::close(fd);
  EXPECT_TRUE(testing::ReadFile(path) == "head" + big + "tail");
}

TEST_F(BufferedOutputTest, BrokenPipeIsCancelled) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ::close(p[0]);  // no reader
  BufferedOutput out(p[1], "<stdout>", 64);
  ASSERT_TRUE(out.Write("buffered").has_value());
  auto st = out.Flush();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), Code::kCancelled) << st.error().message();
  EXPECT_NE(st.error().message().find("<stdout>"), std::string::npos) << st.error().message();
  EXPECT_NE(st.error().message().find("broken pipe"), std::string::npos);
  // A large direct write reports the same.
  auto big = out.Write(std::string(1000, 'x'));
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code(), Code::kCancelled);
  ::close(p[1]);
}

TEST_F(BufferedOutputTest, BrokenPipeMidStream) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  BufferedOutput out(p[1], "<pipe>", 1 << 10);
  ASSERT_TRUE(out.Write("first\n").has_value());
  ASSERT_TRUE(out.Flush().has_value());
  char buf[16];
  ASSERT_EQ(::read(p[0], buf, sizeof buf), 6);
  ::close(p[0]);  // the reader goes away (`swerl ... | head -1`)
  Status st = OkStatus();
  for (int i = 0; i < 100 && st.has_value(); ++i) st = out.Write(std::string(100, 'y'));
  if (st.has_value()) st = out.Flush();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), Code::kCancelled);
  ::close(p[1]);
}

TEST_F(BufferedOutputTest, BadDescriptorIsIoError) {
  BufferedOutput out(-1, "nowhere", 4);
  ASSERT_TRUE(out.Write("abc").has_value());
  auto st = out.Flush();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), Code::kIo);
  EXPECT_NE(st.error().message().find("nowhere"), std::string::npos);
}

}  // namespace
}  // namespace swerl::io

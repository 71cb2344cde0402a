#include "swerl/core/sha256.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/testing.h"

namespace swerl {
namespace {

// FIPS 180-2 appendix B and the empty string.
constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* kTwoBlock =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr const char* kMillionA =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256::Hex(""), kEmpty);
  EXPECT_EQ(Sha256::Hex("abc"), kAbc);
  EXPECT_EQ(Sha256::Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), kTwoBlock);
  EXPECT_EQ(Sha256::Hex(std::string(1000000, 'a')), kMillionA);
}

TEST(Sha256Test, IncrementalEqualsOneShot) {
  Sha256 h;
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.Update(chunk);
  EXPECT_EQ(h.HexDigest(), kMillionA);
  // Uneven pieces, including empty ones, across block boundaries.
  const std::string text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  h.Reset();
  size_t pos = 0;
  for (size_t len : {0, 1, 7, 0, 13, 2, 100}) {
    h.Update(std::string_view(text).substr(pos, len));
    pos = std::min(text.size(), pos + len);
  }
  EXPECT_EQ(h.HexDigest(), kTwoBlock);
}

TEST(Sha256Test, ResetAndMove) {
  Sha256 h;
  h.Update("garbage");
  h.Reset();
  h.Update("abc");
  Sha256 moved = std::move(h);
  EXPECT_EQ(moved.HexDigest(), kAbc);
}

TEST(Sha256Test, MillionA) {
  Sha256 h;
  for (int i = 0; i < 1000; ++i) h.Update(std::string(1000, 'a'));
  EXPECT_EQ(h.HexDigest(), kMillionA);
}

}  // namespace
}  // namespace swerl

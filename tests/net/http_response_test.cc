#include "swerl/net/http_response.h"

#include <gtest/gtest.h>

namespace swerl::net {
namespace {

TEST(NetContentRangeTest, ParsesSatisfiedAndUnsatisfiedRanges) {
  auto r = ParseContentRange("bytes 100-199/1000");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 100u);
  EXPECT_EQ(r->last, 199u);
  EXPECT_EQ(r->total, 1000u);

  r = ParseContentRange("bytes */1000");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->first.has_value());
  EXPECT_EQ(r->total, 1000u);

  r = ParseContentRange("Bytes 0-9/*");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 0u);
  EXPECT_FALSE(r->total.has_value());
}

TEST(NetContentRangeTest, RejectsMalformedRanges) {
  for (const char* bad :
       {"", "bytes", "bytes 9-0/100", "bytes 0-100/100", "items 0-1/2", "bytes x-1/2", "bytes */*",
        "bytes 1-2", "bytes -1-2/3", "bytes 0-1/99999999999999999999999"}) {
    EXPECT_FALSE(ParseContentRange(bad).has_value()) << bad;
  }
}

TEST(NetResponseHeadTest, KeepsOnlyTheLastResponseAfterRedirects) {
  ResponseHead head;
  for (const char* line :
       {"HTTP/1.1 301 Moved Permanently\r\n", "Location: https://x/y\r\n", "ETag: \"old\"\r\n",
        "Content-Length: 5\r\n", "\r\n", "HTTP/1.1 206 Partial Content\r\n",
        "content-length: 100\r\n", "Content-Range: bytes 900-999/1000\r\n", "ETag:   \"abc\"  \r\n",
        "Last-Modified: Mon, 01 Jan 2024 01:05:12 GMT\r\n"}) {
    head.AddLine(line);
  }
  EXPECT_FALSE(head.complete());
  head.AddLine("\r\n");
  EXPECT_TRUE(head.complete());
  EXPECT_EQ(head.status(), 206);
  EXPECT_EQ(head.content_length(), 100u);
  ASSERT_TRUE(head.content_range().has_value());
  EXPECT_EQ(head.content_range()->first, 900u);
  EXPECT_EQ(head.etag(), "\"abc\"");
  EXPECT_EQ(head.last_modified(), "Mon, 01 Jan 2024 01:05:12 GMT");
  EXPECT_FALSE(head.retry_after_s().has_value());
}

TEST(NetResponseHeadTest, ParsesHttp2StatusAndRetryAfter) {
  ResponseHead head;
  head.AddLine("HTTP/2 503 \r\n");
  head.AddLine("retry-after: 7\r\n");
  head.AddLine("Content-Length: nonsense\r\n");
  EXPECT_EQ(head.status(), 503);
  EXPECT_EQ(head.retry_after_s(), 7u);
  EXPECT_FALSE(head.content_length().has_value());
  head.AddLine("HTTP/1.1 100 Continue\r\n");
  EXPECT_EQ(head.status(), 100);
  EXPECT_FALSE(head.retry_after_s().has_value());
}

}  // namespace
}  // namespace swerl::net

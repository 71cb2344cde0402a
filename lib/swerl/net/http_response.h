// ResponseHead: the status line and the few headers swerl's HTTP clients
// need (Content-Length, Content-Range, ETag, Last-Modified, Retry-After,
// Link and GitHub's X-RateLimit-Remaining/Reset), parsed from the header
// lines libcurl delivers one at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "swerl/core/error.h"

namespace swerl::net {

// kExternal "HTTP 503 from 'url': <start of the body>", the body cut to 200
// bytes with control bytes blanked.
Error HttpStatusError(long status, const std::string& url, std::string_view body);

// "bytes 100-199/1000" (first=100, last=199, total=1000), "bytes 0-9/*"
// (total unknown) or, on 416, "bytes */1000" (no first/last).
struct ContentRange {
  std::optional<uint64_t> first;
  std::optional<uint64_t> last;
  std::optional<uint64_t> total;
};

// Returns nullopt unless `value` is a well-formed byte Content-Range.
std::optional<ContentRange> ParseContentRange(std::string_view value);

// The target of the rel="next" link in a Link header value
// (`<https://...&page=2>; rel="next", <...>; rel="last"`); "" when none.
std::string LinkNext(std::string_view link_header);

// Not thread-safe; one per transfer attempt.
class ResponseHead {
 public:
  // Feeds one raw header line, CRLF included. A status line ("HTTP/1.1 200
  // OK", "HTTP/2 404") starts a new response and clears the fields, so after
  // redirects and 100 Continue only the last response's head remains.
  void AddLine(std::string_view line);

  int status() const { return status_; }       // 0 before a status line
  bool complete() const { return complete_; }  // the blank line was seen
  const std::optional<uint64_t>& content_length() const { return content_length_; }
  const std::optional<ContentRange>& content_range() const { return content_range_; }
  const std::string& etag() const { return etag_; }                    // "" if absent
  const std::string& last_modified() const { return last_modified_; }  // "" if absent
  // Retry-After in seconds (the delta-seconds form only).
  const std::optional<uint64_t>& retry_after_s() const { return retry_after_s_; }
  const std::string& link() const { return link_; }  // "" if absent
  const std::optional<int64_t>& rate_limit_remaining() const { return rate_limit_remaining_; }
  // X-RateLimit-Reset: epoch seconds.
  const std::optional<int64_t>& rate_limit_reset() const { return rate_limit_reset_; }

 private:
  int status_ = 0;
  bool complete_ = false;
  std::optional<uint64_t> content_length_;
  std::optional<ContentRange> content_range_;
  std::string etag_;
  std::string last_modified_;
  std::optional<uint64_t> retry_after_s_;
  std::string link_;
  std::optional<int64_t> rate_limit_remaining_;
  std::optional<int64_t> rate_limit_reset_;
};

}  // namespace swerl::net

#include "swerl/net/http_response.h"

#include <cctype>
#include <charconv>

namespace swerl::net {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The whole of `s` as a decimal uint64; nullopt otherwise (signs, spaces and
// overflow included).
std::optional<uint64_t> ParseU64(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<ContentRange> ParseContentRange(std::string_view value) {
  value = Trim(value);
  constexpr std::string_view kUnit = "bytes ";
  if (value.size() <= kUnit.size() || !EqualsNoCase(value.substr(0, kUnit.size()), kUnit)) {
    return std::nullopt;
  }
  value.remove_prefix(kUnit.size());
  const size_t slash = value.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view span = Trim(value.substr(0, slash));
  const std::string_view total = Trim(value.substr(slash + 1));
  ContentRange range;
  if (total != "*") {
    range.total = ParseU64(total);
    if (!range.total) return std::nullopt;
  }
  if (span == "*") {
    if (!range.total) return std::nullopt;  // "bytes */*" means nothing
    return range;
  }
  const size_t dash = span.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  range.first = ParseU64(span.substr(0, dash));
  range.last = ParseU64(span.substr(dash + 1));
  if (!range.first || !range.last || *range.last < *range.first) return std::nullopt;
  if (range.total && *range.last >= *range.total) return std::nullopt;
  return range;
}

void ResponseHead::AddLine(std::string_view line) {
  if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
    *this = ResponseHead();
    const size_t sp = line.find(' ');
    if (sp != std::string_view::npos && sp + 4 <= line.size()) {
      status_ = ParseU64(line.substr(sp + 1, 3)).value_or(0);
    }
    return;
  }
  const std::string_view trimmed = Trim(line);
  if (trimmed.empty()) {
    complete_ = status_ != 0;
    return;
  }
  const size_t colon = trimmed.find(':');
  if (colon == std::string_view::npos) return;
  const std::string_view name = Trim(trimmed.substr(0, colon));
  const std::string_view value = Trim(trimmed.substr(colon + 1));
  if (EqualsNoCase(name, "content-length")) {
    content_length_ = ParseU64(value);
  } else if (EqualsNoCase(name, "content-range")) {
    content_range_ = ParseContentRange(value);
  } else if (EqualsNoCase(name, "etag")) {
    etag_ = value;
  } else if (EqualsNoCase(name, "last-modified")) {
    last_modified_ = value;
  } else if (EqualsNoCase(name, "retry-after")) {
    retry_after_s_ = ParseU64(value);
  } else if (EqualsNoCase(name, "link")) {
    link_ = value;
  } else if (EqualsNoCase(name, "x-ratelimit-remaining")) {
    rate_limit_remaining_ = ParseU64(value);
  } else if (EqualsNoCase(name, "x-ratelimit-reset")) {
    rate_limit_reset_ = ParseU64(value);
  }
}

std::string LinkNext(std::string_view header) {
  // link-value = "<" URI ">" *( ";" param ); values are comma-separated,
  // and a URI may itself hold commas, so scan bracket by bracket.
  size_t pos = 0;
  while (pos < header.size()) {
    const size_t open = header.find('<', pos);
    if (open == std::string_view::npos) break;
    const size_t close = header.find('>', open + 1);
    if (close == std::string_view::npos) break;
    const std::string_view uri = header.substr(open + 1, close - open - 1);
    size_t end = header.find('<', close + 1);
    if (end == std::string_view::npos) end = header.size();
    std::string_view params = header.substr(close + 1, end - close - 1);
    // Each ";"-separated parameter: rel="next" or rel=next (a rel may list
    // several space-separated relation types).
    size_t p = 0;
    while (p < params.size()) {
      size_t semi = params.find_first_of(";,", p);
      if (semi == std::string_view::npos) semi = params.size();
      std::string_view param = Trim(params.substr(p, semi - p));
      p = semi + 1;
      const size_t eq = param.find('=');
      if (eq == std::string_view::npos) continue;
      if (!EqualsNoCase(Trim(param.substr(0, eq)), "rel")) continue;
      std::string_view rel = Trim(param.substr(eq + 1));
      if (rel.size() >= 2 && rel.front() == '"' && rel.back() == '"') {
        rel = rel.substr(1, rel.size() - 2);
      }
      size_t r = 0;
      while (r < rel.size()) {
        size_t sp = rel.find(' ', r);
        if (sp == std::string_view::npos) sp = rel.size();
        if (EqualsNoCase(rel.substr(r, sp - r), "next")) return std::string(uri);
        r = sp + 1;
      }
    }
    pos = end;
  }
  return {};
}

Error HttpStatusError(long status, const std::string& url, std::string_view body) {
  std::string msg = "HTTP " + std::to_string(status) + " from '" + url + "'";
  std::string excerpt;
  for (char c : body.substr(0, 200)) {
    excerpt.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  while (!excerpt.empty() && excerpt.back() == ' ') excerpt.pop_back();
  if (!excerpt.empty()) msg += ": " + excerpt;
  return Error(Code::kExternal, std::move(msg));
}

}  // namespace swerl::net

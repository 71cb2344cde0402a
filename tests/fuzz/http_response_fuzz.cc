// Fuzzes the HTTP response-head parser with arbitrary header lines (split on
// '\n'): no crash, and parsed values are self-consistent (a Content-Range's
// first <= last < total whenever those are known).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "swerl/net/http_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swerl::net;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  ResponseHead head;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    const std::string_view line =
        rest.substr(0, nl == std::string_view::npos ? rest.size() : nl + 1);
    rest.remove_prefix(line.size());
    head.AddLine(line);
    if (auto range = ParseContentRange(line)) {
      if (range->first && range->last && *range->first > *range->last) std::abort();
      if (range->last && range->total && *range->last >= *range->total) std::abort();
    }
  }
  if (const auto& r = head.content_range(); r && r->first && r->last && *r->first > *r->last) {
    std::abort();
  }
  return 0;
}

// Fuzzes the fetch manifest's line parser: any line parses or gives an
// Error; a parsed entry formats to a line that parses back to itself.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "swerl/net/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swerl::net;
  const std::string line(reinterpret_cast<const char*>(data), size);
  auto entry = ParseManifestLine(line);
  if (!entry) return 0;
  std::string formatted = FormatManifestLine(*entry);
  if (formatted.empty() || formatted.back() != '\n') std::abort();
  formatted.pop_back();
  auto again = ParseManifestLine(formatted);
  if (!again || !(*again == *entry)) std::abort();
  return 0;
}

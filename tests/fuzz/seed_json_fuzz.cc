// Fuzzes ParseSeedJson (the record of `swerl filter` and `swerl export
// --ndjson`) on arbitrary bytes as one line. Invariants: no crash; a record
// that parses writes back as one line that parses to the same record.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "swerl/shard/seed.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

std::string Written(const swerl::shard::Seed& seed) {
  std::string out;
  swerl::shard::AppendSeedJson(seed, &out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swerl;
  std::string line(reinterpret_cast<const char*>(data), size);
  line.append(shard::kSeedPadding, '\0');
  auto seed = shard::ParseSeedJson(std::string_view(line.data(), size));
  if (!seed) return 0;
  std::string again = Written(*seed);
  Check(!again.empty() && again.back() == '\n' && again.find('\n') == again.size() - 1);
  const size_t n = again.size() - 1;
  again.append(shard::kSeedPadding, '\0');
  auto reparsed = shard::ParseSeedJson(std::string_view(again.data(), n));
  Check(static_cast<bool>(reparsed));
  Check(Written(*reparsed) == std::string(again.data(), n + 1));
  return 0;
}

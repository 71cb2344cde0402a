// Fuzzes the gzip decoders: any input either decodes or gives an Error, and
// both backends agree on the bytes and on success.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "swerl/io/gzip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swerl::io;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto isal = GzipInput(StringInput(bytes), GzipBackend::kIsal);
  auto zlib = GzipInput(StringInput(bytes), GzipBackend::kZlib);
  auto a = ReadAll(*isal);
  auto b = ReadAll(*zlib);
  if (a.has_value() != b.has_value()) std::abort();
  if (a && *a != *b) std::abort();
  return 0;
}

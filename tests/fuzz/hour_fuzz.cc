// Fuzzes Hour::Parse: any text parses or gives an Error; a parsed hour
// round-trips through its ISO form, its GH Archive name and its file name.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "swerl/gharchive/hour.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using swerl::gharchive::Hour;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto hour = Hour::Parse(text);
  if (!hour) return 0;
  for (const auto& form : {hour->Iso(), hour->Name(), hour->FileName()}) {
    auto again = Hour::Parse(form);
    if (!again || *again != *hour) std::abort();
  }
  if (hour->hour() < 0 || hour->hour() > 23 || hour->month() < 1 || hour->month() > 12)
    std::abort();
  auto civil = Hour::FromCivil(hour->year(), hour->month(), hour->day(), hour->hour());
  if (!civil || *civil != *hour) std::abort();
  return 0;
}

// UTC timestamps as the store and the records write them.
#pragma once

#include <cstdint>
#include <string>

namespace swerl {

// ISO-8601 UTC to the second: "YYYY-MM-DDTHH:MM:SSZ" (GitHub's form, which
// sorts as text in time order for years 0000-9999).
std::string FormatUtc(int64_t epoch_s);

}  // namespace swerl

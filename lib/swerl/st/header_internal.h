// Pieces of the safetensors header format shared by the reader, the writer and
// the checkpoint index: the length prefix, JSON text details the Python
// library (serde_json) fixes, and the reserved metadata key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace swerl::st::internal {

inline constexpr std::string_view kMetadataKey = "__metadata__";

// The little-endian u64 at p[0..8).
uint64_t LoadLe64(const char* p);
// Appends `v` as 8 little-endian bytes.
void AppendLe64(uint64_t v, std::string* out);

// True when `json` holds the integer token -0 outside strings ("-0" not
// followed by a fraction or an exponent). simdjson reads it as 0; serde_json
// reads it as the float -0.0, which is not a valid size.
bool HasNegativeZeroInteger(std::string_view json);

// Appends `s` as a JSON string the way serde_json writes it: '"' and '\\'
// escaped, \b \t \n \f \r by name, other bytes below 0x20 as \u00xx
// (lowercase hex), everything else (UTF-8, DEL) verbatim.
// REQUIRES: s is valid UTF-8.
void AppendSerdeJsonString(std::string_view s, std::string* out);

// Appends `s` as Python's json.dumps (ensure_ascii=True) writes it: as serde
// for ASCII except DEL, plus every non-ASCII code point as \uxxxx (lowercase
// hex; UTF-16 surrogate pairs above U+FFFF). REQUIRES: s is valid UTF-8.
void AppendPythonJsonString(std::string_view s, std::string* out);

}  // namespace swerl::st::internal

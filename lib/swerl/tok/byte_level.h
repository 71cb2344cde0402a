// The GPT-2 byte-level alphabet of byte-level BPE (SPEC §7.3): every byte
// stands for one printable code point, so BPE vocabularies are strings of
// these code points. Bytes 0x21-0x7E, 0xA1-0xAC and 0xAE-0xFF map to
// themselves; the other 68 bytes, in increasing order, to U+0100, U+0101, ...
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace swerl::tok {

// Returns the code point that stands for `byte`.
uint32_t ByteToCodePoint(uint8_t byte);

// Returns the byte `cp` stands for, or -1 when cp is not in the alphabet.
int CodePointToByte(uint32_t cp);

// Appends the alphabet's UTF-8 spelling of `bytes` to *out (2 bytes of
// output at most per input byte).
void AppendByteLevel(std::string_view bytes, std::string* out);

// Returns the bytes a token spelled in the alphabet stands for, or nullopt
// when `token` holds a code point outside it (or is not valid UTF-8).
std::optional<std::string> DecodeByteLevel(std::string_view token);

}  // namespace swerl::tok

// Unicode Normalization Form C as Hugging Face `tokenizers` 0.23.3 applies
// it (the Qwen2/2.5/3 normalizer). Its tables are measured on that library,
// whose normalization data predate Unicode 13 (unicode_data.h), so code
// points added since then are left as they are, exactly as it leaves them.
#pragma once

#include <string>
#include <string_view>

namespace swerl::tok {

// Appends NFC(text) to *out. Text already in NFC (all text below U+0300
// included) is copied in one pass. Thread-safe.
// REQUIRES: `text` is valid UTF-8.
void AppendNfc(std::string_view text, std::string* out);

// Returns NFC(text). REQUIRES: `text` is valid UTF-8.
std::string Nfc(std::string_view text);

// Returns true when NFC(text) == text is known without normalizing: no code
// point of `text` is a combining mark, a possible second half of a
// composition, or one that NFC replaces. REQUIRES: valid UTF-8.
bool IsNfcQuickYes(std::string_view text);

}  // namespace swerl::tok

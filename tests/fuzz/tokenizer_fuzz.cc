// Fuzzes the tokenizer with the Qwen3 fixture (tests/data/tokenizers/qwen3,
// loaded once; SWERL_TOKENIZER_FUZZ_DIR overrides the path). Input:
// arbitrary bytes as text, encoded with and without special tokens.
// Invariants: no crash; every id is below vocab_size(); decoding the ids
// gives back Normalize(text) (the repaired, NFC-normalized text), so valid
// UTF-8 already in NFC round-trips exactly; encoding that decoded text
// again gives the same ids (normalization and splitting are idempotent).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "swerl/core/utf8.h"
#include "swerl/tok/nfc.h"
#include "swerl/tok/tokenizer.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tokenizer_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

const swerl::tok::Tokenizer& Qwen() {
  static const swerl::tok::Tokenizer* tok = [] {
    std::string dir;
    if (const char* env = std::getenv("SWERL_TOKENIZER_FUZZ_DIR")) {
      dir = env;
    } else {
      dir = SWERL_TOKENIZER_FIXTURE;
    }
    auto loaded = swerl::tok::Tokenizer::Load(dir);
    if (!loaded) {
      std::fprintf(stderr, "tokenizer_fuzz: %s\n", loaded.error().message().c_str());
      std::abort();
    }
    return new swerl::tok::Tokenizer(std::move(loaded).value());
  }();
  return *tok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const swerl::tok::Tokenizer& tok = Qwen();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool allow_special : {true, false}) {
    const std::vector<int32_t> ids = tok.Encode(text, allow_special);
    for (int32_t id : ids) Check(id >= 0 && id < tok.vocab_size(), "id in range");
    auto decoded = tok.Decode(ids);
    Check(decoded.has_value(), "decode succeeds");
    Check(swerl::IsValidUtf8(*decoded), "decode gives valid UTF-8");
    const std::string normalized = tok.Normalize(text, allow_special);
    Check(*decoded == normalized, "decode(encode(x)) == normalize(x)");
    if (swerl::IsValidUtf8(text) && swerl::tok::Nfc(text) == text) {
      Check(*decoded == text, "valid NFC text round-trips exactly");
    }
    Check(tok.Encode(*decoded, allow_special) == ids, "encode(decode(encode(x))) == encode(x)");
  }
  return 0;
}

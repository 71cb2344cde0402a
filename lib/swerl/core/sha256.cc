#include "swerl/core/sha256.h"

#include <openssl/evp.h>

namespace swerl {

void Sha256::Free::operator()(evp_md_ctx_st* ctx) const noexcept { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  SWERL_CHECK(ctx_ != nullptr);
  Reset();
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::Reset() { SWERL_CHECK(EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) == 1); }

void Sha256::Update(std::string_view data) {
  if (data.empty()) return;
  SWERL_CHECK(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) == 1);
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  SWERL_CHECK(EVP_DigestFinal_ex(ctx_.get(), digest, &len) == 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

std::string Sha256::Hex(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.HexDigest();
}

}  // namespace swerl

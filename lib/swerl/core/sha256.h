// Sha256: incremental SHA-256 (OpenSSL EVP) with a lowercase hex digest, used
// to fingerprint downloaded files in manifests.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "swerl/core/result.h"

struct evp_md_ctx_st;

namespace swerl {

// Movable, not copyable. Not thread-safe: one hasher per thread.
class Sha256 {
 public:
  // Aborts (SWERL_CHECK) only if OpenSSL cannot allocate a context.
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  // Feeds more bytes. REQUIRES: HexDigest() has not been called since the
  // construction or the last Reset().
  void Update(std::string_view data);
  // Returns the 64-character lowercase hex digest of everything fed so far
  // and finishes the hasher; call Reset() to reuse it.
  std::string HexDigest();
  // Starts over as if newly constructed.
  void Reset();

  // The hex digest of `data` in one call.
  static std::string Hex(std::string_view data);

 private:
  // A named deleter rather than CDeleter<&EVP_MD_CTX_free>, which would pull
  // <openssl/evp.h> into every includer.
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const noexcept;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

}  // namespace swerl

// CDeleter: the one deleter template for owning C handles in unique_ptr
// (STYLE C3). It stays pointer-sized and ignores null:
//   using CurlHandle = std::unique_ptr<CURL, CDeleter<&curl_easy_cleanup>>;
#pragma once

namespace swerl {

template <auto Fn>
struct CDeleter {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p) Fn(p);
  }
};

}  // namespace swerl

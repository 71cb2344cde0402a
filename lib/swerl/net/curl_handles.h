// RAII for libcurl (STYLE C3): the process-wide init scope, owning easy,
// multi and header-list handles, and the one place CURLcode and CURLMcode
// become swerl Errors.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string_view>

#include "swerl/core/c_deleter.h"
#include "swerl/core/result.h"

namespace swerl::net {

using CurlEasy = std::unique_ptr<CURL, CDeleter<&curl_easy_cleanup>>;
using CurlMulti = std::unique_ptr<CURLM, CDeleter<&curl_multi_cleanup>>;
using CurlSlist = std::unique_ptr<curl_slist, CDeleter<&curl_slist_free_all>>;

// curl_global_init for the lifetime of the object. Create exactly one in
// main() before threads start and before any other curl use (never a static
// constructor); it must outlive every handle. Not copyable or movable.
class CurlGlobal {
 public:
  CurlGlobal();
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;

  // OkStatus when initialization succeeded. Errors: kExternal.
  Status status() const;

 private:
  CURLcode code_;
};

// Appends `line` to *list (curl_slist_append). Errors: kIo (out of memory).
Status AppendHeader(CurlSlist* list, const char* line);

// Converts a transfer result, keeping curl's text: "what: Timeout was
// reached (Operation too slow...)". `detail` is the CURLOPT_ERRORBUFFER
// contents, may be empty. Codes: kInvalidInput (bad URL or option), kIo
// (local write failure, out of memory), kExternal (network and server).
Error CurlError(CURLcode code, std::string_view what, std::string_view detail = {});
Error CurlMultiError(CURLMcode code, std::string_view what);

// True for failures worth retrying: DNS, connect, timeouts, dropped or
// truncated transfers, TLS handshakes, HTTP/2 stream errors.
bool IsTransient(CURLcode code);

}  // namespace swerl::net

#include "swerl/net/curl_handles.h"

#include <string>

namespace swerl::net {

CurlGlobal::CurlGlobal() : code_(curl_global_init(CURL_GLOBAL_DEFAULT)) {}

CurlGlobal::~CurlGlobal() {
  if (code_ == CURLE_OK) curl_global_cleanup();
}

Status CurlGlobal::status() const {
  if (code_ == CURLE_OK) return OkStatus();
  return CurlError(code_, "cannot initialize libcurl");
}

Status AppendHeader(CurlSlist* list, const char* line) {
  curl_slist* grown = curl_slist_append(list->get(), line);
  if (!grown) return Error(Code::kIo, "out of memory building HTTP headers");
  // On success curl_slist_append returns the same head (or a new one when
  // the list was empty); ownership stays with *list either way.
  (void)list->release();
  list->reset(grown);
  return OkStatus();
}

Error CurlError(CURLcode code, std::string_view what, std::string_view detail) {
  std::string msg(what);
  msg.append(": ").append(curl_easy_strerror(code));
  if (!detail.empty()) msg.append(" (").append(detail).append(")");
  Code category = Code::kExternal;
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
      category = Code::kInvalidInput;
      break;
    case CURLE_WRITE_ERROR:
    case CURLE_OUT_OF_MEMORY:
      category = Code::kIo;
      break;
    default:
      break;
  }
  return Error(category, std::move(msg));
}

Error CurlMultiError(CURLMcode code, std::string_view what) {
  std::string msg(what);
  msg.append(": ").append(curl_multi_strerror(code));
  return Error(code == CURLM_OUT_OF_MEMORY ? Code::kIo : Code::kExternal, std::move(msg));
}

bool IsTransient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

}  // namespace swerl::net

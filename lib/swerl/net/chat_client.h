// ChatClient: one-shot requests to an OpenAI-compatible chat-completions
// endpoint (vLLM, llama.cpp server, OpenAI), with retries. Used by swerl
// relevant --llm-url.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "swerl/core/result.h"
#include "swerl/net/backoff.h"

namespace swerl::net {

struct ChatOptions {
  // The API base, e.g. "http://127.0.0.1:8000/v1"; requests go to
  // <url>/chat/completions (a trailing '/' is dropped).
  std::string url;
  std::string model;
  // Sent as "Authorization: Bearer <api_key>" when non-empty; never logged
  // and never part of an error message.
  std::string api_key;
  int64_t timeout_ms = 120000;  // per attempt, the whole transfer
  int64_t connect_timeout_ms = 10000;
  int attempts = 4;  // tries per request, at least 1
  BackoffPolicy backoff{1000, 30000};
  std::optional<uint64_t> seed;  // of the backoff jitter; random when unset
  uint64_t max_body_bytes = 16 << 20;
};

// Thread-compatible: use one per thread. REQUIRES: a CurlGlobal is alive.
class ChatClient {
 public:
  explicit ChatClient(ChatOptions options);

  // POSTs {"model", "messages": [system, user], "temperature": 0} and returns
  // choices[0].message.content. Retries connection errors, timeouts, HTTP
  // 429 and 5xx with backoff, up to options.attempts tries. Errors:
  // kExternal (HTTP status, transport failure after the last try, a response
  // without choices[0].message.content), kInvalidInput (bad URL).
  Result<std::string> Complete(std::string_view system, std::string_view user);

  // The attempts made by the last Complete call.
  int last_attempts() const { return last_attempts_; }

 private:
  // One attempt: the body on HTTP 2xx; *retry says whether a failure is
  // worth another attempt.
  Result<std::string> Attempt(const std::string& request, bool* retry);

  ChatOptions options_;
  std::string endpoint_;
  Backoff backoff_;
  int last_attempts_ = 0;
};

// choices[0].message.content of a chat-completions response body. Errors:
// kExternal (not JSON, or no such string).
Result<std::string> ChatContent(std::string_view body);

}  // namespace swerl::net

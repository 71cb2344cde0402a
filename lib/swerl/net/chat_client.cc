#include "swerl/net/chat_client.h"

#include <simdjson.h>

#include <algorithm>
#include <random>
#include <thread>

#include "swerl/json/json_writer.h"
#include "swerl/net/curl_handles.h"
#include "swerl/net/http_response.h"

namespace swerl::net {
namespace {

struct Sink {
  std::string body;
  uint64_t max_bytes = 0;
  bool too_big = false;
};

size_t OnBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * nmemb;
  if (sink->body.size() + n > sink->max_bytes) {
    sink->too_big = true;
    return 0;
  }
  sink->body.append(data, n);
  return n;
}

std::string Endpoint(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/chat/completions";
}

}  // namespace

ChatClient::ChatClient(ChatOptions options)
    : options_(std::move(options)),
      endpoint_(Endpoint(options_.url)),
      backoff_(options_.backoff, options_.seed ? *options_.seed : std::random_device{}()) {}

Result<std::string> ChatClient::Complete(std::string_view system, std::string_view user) {
  std::string request;
  json::JsonWriter w(&request);
  w.BeginObject();
  w.Key("model");
  w.String(options_.model);
  w.Key("messages");
  w.BeginArray();
  for (auto [role, text] : {std::pair{"system", system}, std::pair{"user", user}}) {
    w.BeginObject();
    w.Key("role");
    w.String(role);
    w.Key("content");
    w.String(text);
    w.EndObject();
  }
  w.EndArray();
  w.Key("temperature");
  w.Int(0);
  w.EndObject();

  const int attempts = std::max(options_.attempts, 1);
  for (last_attempts_ = 1;; ++last_attempts_) {
    bool retry = false;
    auto body = Attempt(request, &retry);
    if (body) return ChatContent(*body);
    if (!retry || last_attempts_ >= attempts) {
      return std::move(body).error().With("after " + std::to_string(last_attempts_) +
                                          (last_attempts_ == 1 ? " attempt" : " attempts"));
    }
    std::this_thread::sleep_for(backoff_.Delay(last_attempts_));
  }
}

Result<std::string> ChatClient::Attempt(const std::string& request, bool* retry) {
  *retry = false;
  CurlEasy easy(curl_easy_init());
  if (!easy) return Error(Code::kExternal, "curl_easy_init failed");
  CurlSlist headers;
  SWERL_RETURN_IF_ERROR(AppendHeader(&headers, "Content-Type: application/json"));
  SWERL_RETURN_IF_ERROR(AppendHeader(&headers, "Accept: application/json"));
  if (!options_.api_key.empty()) {
    std::string auth = "Authorization: Bearer " + options_.api_key;
    Status s = AppendHeader(&headers, auth.c_str());
    std::fill(auth.begin(), auth.end(), '\0');  // no copy of the key left in freed memory
    SWERL_RETURN_IF_ERROR(std::move(s));
  }
  Sink sink;
  sink.max_bytes = options_.max_body_bytes;
  char curl_error[CURL_ERROR_SIZE] = {};
  CURL* e = easy.get();
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption opt, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, value);
  };
  set(CURLOPT_URL, endpoint_.c_str());
  set(CURLOPT_ERRORBUFFER, curl_error);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_POST, 1L);
  set(CURLOPT_POSTFIELDS, request.c_str());
  set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.size()));
  set(CURLOPT_HTTPHEADER, headers.get());
  set(CURLOPT_WRITEFUNCTION, &OnBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&sink));
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  set(CURLOPT_USERAGENT, "swerl");
  if (rc != CURLE_OK) return CurlError(rc, "configuring the request for '" + endpoint_ + "'");
  rc = curl_easy_perform(e);
  if (rc != CURLE_OK) {
    if (sink.too_big) {
      return Error(Code::kExternal, "response from '" + endpoint_ + "' larger than " +
                                        std::to_string(options_.max_body_bytes) + " bytes");
    }
    *retry = IsTransient(rc);
    return CurlError(rc, "POST '" + endpoint_ + "'", curl_error);
  }
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    *retry = status == 429 || status >= 500;
    return HttpStatusError(status, endpoint_, sink.body);
  }
  return std::move(sink.body);
}

Result<std::string> ChatContent(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(simdjson::padded_string(body)).get(root); err) {
    return Error(Code::kExternal, std::string("invalid JSON in the chat completion: ") +
                                      simdjson::error_message(err));
  }
  std::string_view content;
  if (root["choices"].at(0)["message"]["content"].get(content) != simdjson::SUCCESS) {
    return Error(Code::kExternal, "chat completion without choices[0].message.content");
  }
  return std::string(content);
}

}  // namespace swerl::net

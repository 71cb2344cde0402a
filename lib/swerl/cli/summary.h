// JsonSummary: the machine-readable end-of-run summary of --json
// (docs/CLI.md): one JSON object on one line of stderr, printed after every
// other message of the run, so `2>&1 >/dev/null | tail -n 1` picks it out.
// It is printed even with -q (the user asked for it). Keys are snake_case
// and counts are integers; "seconds" is the run's wall time where given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "swerl/json/json_writer.h"

namespace swerl::cli {

// Not thread-safe. Builds the object with Add (or writer() for nested
// values), then Emit prints it once.
class JsonSummary {
 public:
  JsonSummary();

  JsonSummary& Add(std::string_view key, uint64_t v);
  JsonSummary& Add(std::string_view key, int64_t v);
  JsonSummary& Add(std::string_view key, int v) { return Add(key, static_cast<int64_t>(v)); }
  JsonSummary& Add(std::string_view key, double v);
  JsonSummary& Add(std::string_view key, bool v);
  JsonSummary& Add(std::string_view key, std::string_view v);
  JsonSummary& Add(std::string_view key, const char* v) { return Add(key, std::string_view(v)); }
  JsonSummary& Add(std::string_view key, const std::string& v) {
    return Add(key, std::string_view(v));
  }

  // For nested objects and arrays: call Key() and then the values.
  json::JsonWriter& writer() { return w_; }

  // The object so far, closed, with its newline (for tests and callers
  // that print elsewhere).
  std::string Text() const;
  // Writes Text() to stderr (clearing a progress line first).
  void Emit() const;

 private:
  std::string out_;
  json::JsonWriter w_;
};

}  // namespace swerl::cli

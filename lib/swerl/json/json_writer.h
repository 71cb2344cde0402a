// JsonWriter: appends compact JSON to a string, one value at a time. Keys are
// written in call order, so callers fix a stable key order. Used for every
// NDJSON record swerl emits (schemas/records/).
//
// Strings: output is always valid UTF-8. '"', '\\' and the control characters
// U+0000-U+001F are escaped (\b \f \n \r \t, else \u00XX); everything else,
// U+007F, U+2028 and U+2029 included, is copied as UTF-8. Invalid UTF-8 in a
// string argument is repaired: each maximal ill-formed subsequence becomes
// U+FFFD (as Python's decode(errors="replace")), and utf8_repairs() counts
// the strings that needed it. Doubles print as the shortest text that reads
// back to the same value (Python repr style); NaN and infinities print null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swerl::json {

// Not thread-safe; *out must outlive the writer.
class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // REQUIRES: inside an object, and the previous key has its value.
  void Key(std::string_view key);

  void String(std::string_view s);
  // String() for text known to be valid UTF-8 (e.g. any string simdjson
  // returns: it validates its whole input), skipping the check.
  // REQUIRES: IsValidUtf8(s); otherwise the output is not valid UTF-8.
  void ValidString(std::string_view s);
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Double(double v);
  void Bool(bool v);
  void Null();
  // Appends already-serialized JSON as one value. REQUIRES: valid JSON.
  void Raw(std::string_view json);

  // Number of String()/Key() arguments that held invalid UTF-8.
  uint64_t utf8_repairs() const { return utf8_repairs_; }
  // Resets nesting state (after an abandoned record); keeps the counters.
  void Reset() {
    first_.clear();
    after_key_ = false;
  }

 private:
  void Separate();
  void AppendEscaped(std::string_view s);

  std::string* out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
  uint64_t utf8_repairs_ = 0;
};

// Appends `s` as a JSON string literal (quotes included) to *out, with the
// escaping and repair rules above. Returns true when s was valid UTF-8.
bool AppendJsonString(std::string* out, std::string_view s);

// Appends the text Python's repr() gives for a finite double: the shortest
// digits that read back exactly, "1.0" rather than "1", "1e-05", "1e+16".
void AppendPythonRepr(std::string* out, double v);

}  // namespace swerl::json

// TinySpec: builds small tokenizer.json texts for the tokenizer's unit
// tests: a byte-level BPE whose first 256 ids are the 256 byte symbols (id =
// byte value), then `tokens` (raw bytes, spelled in the byte-level alphabet),
// with `merges` given as raw byte pairs. Every other part is JSON text.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "swerl/json/json_writer.h"
#include "swerl/tok/byte_level.h"

namespace swerl::tok::testing {

struct TinySpec {
  std::vector<std::string> tokens;                          // ids 256, 257, ...
  std::vector<std::pair<std::string, std::string>> merges;  // raw bytes
  bool string_merges = false;                               // v1 "a b" instead of ["a","b"]
  std::string model_type = "BPE";
  std::string model_extra;  // e.g. ",\"ignore_merges\":true"
  std::string added_tokens = "[]";
  std::string normalizer = "null";
  std::string pre_tokenizer =
      R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"\\s+|\\S+"},)"
      R"("behavior":"Isolated","invert":false},{"type":"ByteLevel","add_prefix_space":false,)"
      R"("trim_offsets":false,"use_regex":false}]})";
  std::string post_processor = "null";
  std::string decoder =
      R"({"type":"ByteLevel","add_prefix_space":false,"trim_offsets":false,"use_regex":false})";
  std::string truncation = "null";
  bool with_merges = true;

  static std::string Spell(const std::string& raw) {
    std::string s;
    AppendByteLevel(raw, &s);
    return s;
  }

  std::string Json() const {
    std::string out = "{\"version\":\"1.0\",\"truncation\":" + truncation + ",\"padding\":null";
    out += ",\"added_tokens\":" + added_tokens;
    out += ",\"normalizer\":" + normalizer;
    out += ",\"pre_tokenizer\":" + pre_tokenizer;
    out += ",\"post_processor\":" + post_processor;
    out += ",\"decoder\":" + decoder;
    out += ",\"model\":{\"type\":";
    json::AppendJsonString(&out, model_type);
    out += model_extra;
    out += ",\"vocab\":{";
    for (int b = 0; b < 256; ++b) {
      if (b) out += ',';
      json::AppendJsonString(&out, Spell(std::string(1, static_cast<char>(b))));
      out += ':' + std::to_string(b);
    }
    for (size_t k = 0; k < tokens.size(); ++k) {
      out += ',';
      json::AppendJsonString(&out, Spell(tokens[k]));
      out += ':' + std::to_string(256 + k);
    }
    out += '}';
    if (with_merges) {
      out += ",\"merges\":[";
      for (size_t k = 0; k < merges.size(); ++k) {
        if (k) out += ',';
        if (string_merges) {
          json::AppendJsonString(&out, Spell(merges[k].first) + " " + Spell(merges[k].second));
        } else {
          out += '[';
          json::AppendJsonString(&out, Spell(merges[k].first));
          out += ',';
          json::AppendJsonString(&out, Spell(merges[k].second));
          out += ']';
        }
      }
      out += ']';
    }
    out += "}}";
    return out;
  }
};

}  // namespace swerl::tok::testing

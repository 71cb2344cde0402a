// reward_primitives_tool: the reward's Python-string and difflib primitives
// as a filter, so tests/oracles/reward_oracle.py --primitives can compare
// them with CPython. One JSON request per stdin line, one answer per line:
//   {"op":"ratio","a":S,"b":S,"autojunk":B} -> {"ratio":R,"blocks":[[i,j,k],...]}
//   {"op":"diff","old":S,"new":S}           -> {"diff":S}
//   {"op":"splitlines","s":S}               -> {"lines":[S,...]}
//   {"op":"strip","s":S}                    -> {"s":S}
// Sequences are code points. Exit 2 on a malformed request.
#include <simdjson.h>

#include <iostream>
#include <string>

#include "swerl/json/json_writer.h"
#include "swerl/reward/py_text.h"
#include "swerl/reward/sequence_matcher.h"
#include "swerl/reward/unified_diff.h"

namespace {

using swerl::json::JsonWriter;
using namespace swerl::reward;

std::string Answer(simdjson::dom::element req) {
  std::string out;
  JsonWriter w(&out);
  const std::string_view op = req["op"].get_string().value();
  w.BeginObject();
  if (op == "ratio") {
    std::vector<uint32_t> a, b;
    AppendCodePoints(req["a"].get_string().value(), &a);
    AppendCodePoints(req["b"].get_string().value(), &b);
    const IndexedSequence indexed(b, req["autojunk"].get_bool().value());
    w.Key("ratio");
    w.Double(Ratio(a, indexed));
    w.Key("blocks");
    w.BeginArray();
    for (const MatchingBlock& m : MatchingBlocks(a, indexed)) {
      w.BeginArray();
      w.Uint(m.a);
      w.Uint(m.b);
      w.Uint(m.size);
      w.EndArray();
    }
    w.EndArray();
  } else if (op == "diff") {
    w.Key("diff");
    w.String(NormalizedDiff(req["old"].get_string().value(), req["new"].get_string().value()));
  } else if (op == "splitlines") {
    std::vector<std::string_view> lines;
    SplitLines(req["s"].get_string().value(), &lines);
    w.Key("lines");
    w.BeginArray();
    for (std::string_view l : lines) w.String(l);
    w.EndArray();
  } else if (op == "strip") {
    w.Key("s");
    w.String(Strip(req["s"].get_string().value()));
  } else {
    throw std::runtime_error("unknown op");
  }
  w.EndObject();
  out.push_back('\n');
  return out;
}

}  // namespace

int main() {
  simdjson::dom::parser parser;
  std::string line;
  uint64_t n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    if (line.empty()) continue;
    try {
      std::cout << Answer(parser.parse(line).value());
    } catch (const std::exception& e) {
      std::cerr << "reward_primitives_tool: line " << n << ": " << e.what() << "\n";
      return 2;
    }
  }
  return 0;
}

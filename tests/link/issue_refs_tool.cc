// issue_refs_tool: FindIssueRefs as a filter, for the Python oracle
// (tests/oracles/swebench_refs.py). One JSON request per stdin line, one
// answer per line:
//   {"text":S,"repo":"o/n","rule":"swerl"|"swebench"}
//   {"title":S|null,"body":S|null,"commits":[S,...],"rule":...}  (SweBenchText)
//     -> {"refs":[{"owner":S,"name":S,"number":N,"closing":B,"keyword":S,
//                  "offset":BYTES},...]}
// With --tables it prints instead the code point ranges of IsPyReWord,
// IsPyReSpace and each digit value of PyReDigitValue, computed through the
// functions over all of U+0000..U+10FFFF:
//     {"unicode":"14.0.0","word":[[lo,hi],...],"space":[...],"digit":[[[lo,hi],...] x10]}
// Exit 2 on a malformed request.
#include <simdjson.h>

#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "swerl/json/json_writer.h"
#include "swerl/link/issue_refs.h"
#include "swerl/link/py_re_classes.h"

namespace {

using swerl::json::JsonWriter;
namespace link = swerl::link;

std::string_view OptString(simdjson::dom::element req, const char* key) {
  simdjson::dom::element v;
  if (req[key].get(v) != simdjson::SUCCESS || v.is_null()) return {};
  return v.get_string().value();
}

std::string Answer(simdjson::dom::element req) {
  const link::RefRule rule = link::ParseRefRule(req["rule"].get_string().value()).value();
  std::string text;
  simdjson::dom::element t;
  if (req["text"].get(t) == simdjson::SUCCESS) {
    text = std::string(t.get_string().value());
  } else {
    std::vector<std::string_view> commits;
    for (simdjson::dom::element c : req["commits"].get_array()) commits.push_back(c.get_string());
    text = link::SweBenchText(OptString(req, "title"), OptString(req, "body"), commits);
  }
  const std::vector<link::IssueRef> refs = link::FindIssueRefs(text, OptString(req, "repo"), rule);
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("refs");
  w.BeginArray();
  for (const link::IssueRef& r : refs) {
    w.BeginObject();
    w.Key("owner");
    w.String(r.owner);
    w.Key("name");
    w.String(r.name);
    w.Key("number");
    w.Int(r.number);
    w.Key("closing");
    w.Bool(r.closing);
    w.Key("keyword");
    w.String(r.keyword);
    w.Key("offset");
    w.Uint(r.offset);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out.push_back('\n');
  return out;
}

void Ranges(JsonWriter* w, const std::function<bool(uint32_t)>& in) {
  w->BeginArray();
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (!in(cp)) continue;
    const uint32_t lo = cp;
    while (cp + 1 <= 0x10FFFF && in(cp + 1)) ++cp;
    w->BeginArray();
    w->Uint(lo);
    w->Uint(cp);
    w->EndArray();
  }
  w->EndArray();
}

void PrintTables() {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("unicode");
  w.String(link::PyReUnicodeVersion());
  w.Key("word");
  Ranges(&w, link::IsPyReWord);
  w.Key("space");
  Ranges(&w, link::IsPyReSpace);
  w.Key("digit");
  w.BeginArray();
  for (int v = 0; v < 10; ++v)
    Ranges(&w, [v](uint32_t cp) { return link::PyReDigitValue(cp) == v; });
  w.EndArray();
  w.EndObject();
  std::cout << out << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--tables") == 0) {
    PrintTables();
    return 0;
  }
  simdjson::dom::parser parser;
  std::string line;
  uint64_t n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    if (line.empty()) continue;
    try {
      std::cout << Answer(parser.parse(line).value());
    } catch (const std::exception& e) {
      std::cerr << "issue_refs_tool: line " << n << ": " << e.what() << "\n";
      return 2;
    }
  }
  return 0;
}

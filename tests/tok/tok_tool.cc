// tok_tool: the tokenizer library as a filter, for the differential tests
// against Hugging Face (tests/oracles/tok_*.py) and bench/tok/run.sh. One
// JSON request per stdin line, one answer per line:
//   tok_tool encode TOKENIZER [--no-special]  {"text":S}  -> {"ids":[...]}
//   tok_tool decode TOKENIZER [--skip-special] {"ids":[...]} -> {"text":S}
//   tok_tool nfc                              {"text":S}  -> {"text":NFC(S)}
//   tok_tool chat TOKENIZER  {"messages":[{"role","content"[,"reasoning_content"]}],
//                             "add_generation_prompt":B[,"enable_thinking":B]}
//                            -> {"text":S} or {"error":S}
//   tok_tool bench TOKENIZER CORPUS [ROUNDS]  encodes every text of CORPUS
//       (NDJSON {"text"}) ROUNDS times on one thread; prints
//       {"bytes":N,"tokens":N,"seconds":BEST}
// Exit 2 on a malformed request or a bad tokenizer.
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "swerl/json/json_writer.h"
#include "swerl/tok/chat_template.h"
#include "swerl/tok/nfc.h"
#include "swerl/tok/tokenizer.h"

namespace {

using swerl::json::JsonWriter;
using namespace swerl::tok;

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "tok_tool: " << message << "\n";
  std::exit(2);
}

Tokenizer LoadOrDie(const std::string& path) {
  auto t = Tokenizer::Load(path);
  if (!t) Die(t.error().message());
  return std::move(t).value();
}

template <class F>
void ForEachLine(F&& f) {
  simdjson::dom::parser parser;
  std::string line;
  std::string out;
  uint64_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS)
      Die("line " + std::to_string(line_no) + ": bad JSON");
    out.clear();
    f(doc, &out);
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
}

std::string_view TextOf(const simdjson::dom::element& doc) {
  std::string_view text;
  if (doc["text"].get(text) != simdjson::SUCCESS) Die("request without \"text\"");
  return text;
}

int Chat(const Tokenizer& tok) {
  auto tmpl = ChatTemplate::Detect(tok.chat_template(), tok.bos_token());
  if (!tmpl) Die(tmpl.error().message());
  ForEachLine([&](const simdjson::dom::element& doc, std::string* out) {
    std::vector<ChatMessage> messages;
    simdjson::dom::array list;
    if (doc["messages"].get(list) != simdjson::SUCCESS) Die("request without \"messages\"");
    for (simdjson::dom::element m : list) {
      ChatMessage msg;
      std::string_view s;
      if (m["role"].get(s) != simdjson::SUCCESS) Die("message without role");
      msg.role = std::string(s);
      if (m["content"].get(s) != simdjson::SUCCESS) Die("message without content");
      msg.content = std::string(s);
      if (m["reasoning_content"].get(s) == simdjson::SUCCESS)
        msg.reasoning_content = std::string(s);
      messages.push_back(std::move(msg));
    }
    bool gen = false, thinking = true;
    if (doc["add_generation_prompt"].get(gen) != simdjson::SUCCESS) gen = false;
    if (doc["enable_thinking"].get(thinking) != simdjson::SUCCESS) thinking = true;
    JsonWriter w(out);
    w.BeginObject();
    auto text = tmpl->Render(messages, gen, thinking);
    if (text) {
      w.Key("text");
      w.String(*text);
    } else {
      w.Key("error");
      w.String(text.error().message());
    }
    w.EndObject();
  });
  return 0;
}

int Bench(const Tokenizer& tok, const std::string& corpus, int rounds) {
  std::FILE* f = std::fopen(corpus.c_str(), "rb");
  if (!f) Die("cannot open " + corpus);
  std::vector<std::string> texts;
  simdjson::dom::parser parser;
  char* buf = nullptr;
  size_t cap = 0;
  ssize_t n;
  uint64_t bytes = 0;
  while ((n = getline(&buf, &cap, f)) > 0) {
    simdjson::dom::element doc;
    if (parser.parse(buf, static_cast<size_t>(n)).get(doc) != simdjson::SUCCESS)
      Die("bad corpus line");
    texts.emplace_back(TextOf(doc));
    bytes += texts.back().size();
  }
  std::free(buf);
  std::fclose(f);
  double best = 1e30;
  uint64_t tokens = 0;
  std::vector<int32_t> ids;
  for (int r = 0; r < rounds; ++r) {
    tokens = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& t : texts) {
      ids.clear();
      tok.EncodeInto(t, EncodeOptions{}, &ids);
      tokens += ids.size();
    }
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::printf("{\"bytes\":%llu,\"tokens\":%llu,\"seconds\":%.6f}\n",
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(tokens),
              best);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: tok_tool encode|decode|nfc|chat|bench ...");
  const std::string mode = argv[1];
  if (mode == "nfc") {
    ForEachLine([](const simdjson::dom::element& doc, std::string* out) {
      JsonWriter w(out);
      w.BeginObject();
      w.Key("text");
      w.ValidString(Nfc(TextOf(doc)));
      w.EndObject();
    });
    return 0;
  }
  if (argc < 3) Die("missing TOKENIZER");
  const Tokenizer tok = LoadOrDie(argv[2]);
  const std::string flag = argc > 3 ? argv[3] : "";
  if (mode == "encode") {
    EncodeOptions options;
    options.allow_special = flag != "--no-special";
    std::vector<int32_t> ids;
    ForEachLine([&](const simdjson::dom::element& doc, std::string* out) {
      ids.clear();
      tok.EncodeInto(TextOf(doc), options, &ids);
      JsonWriter w(out);
      w.BeginObject();
      w.Key("ids");
      w.BeginArray();
      for (int32_t id : ids) w.Int(id);
      w.EndArray();
      w.EndObject();
    });
    return 0;
  }
  if (mode == "decode") {
    ForEachLine([&](const simdjson::dom::element& doc, std::string* out) {
      simdjson::dom::array list;
      if (doc["ids"].get(list) != simdjson::SUCCESS) Die("request without \"ids\"");
      std::vector<int32_t> ids;
      for (simdjson::dom::element v : list)
        ids.push_back(static_cast<int32_t>(v.get_int64().value()));
      auto text = tok.Decode(ids, flag == "--skip-special");
      JsonWriter w(out);
      w.BeginObject();
      if (text) {
        w.Key("text");
        w.ValidString(*text);
      } else {
        w.Key("error");
        w.String(text.error().message());
      }
      w.EndObject();
    });
    return 0;
  }
  if (mode == "chat") return Chat(tok);
  if (mode == "bench") {
    if (argc < 4) Die("missing CORPUS");
    return Bench(tok, argv[3], argc > 4 ? std::atoi(argv[4]) : 3);
  }
  Die("unknown mode " + mode);
}

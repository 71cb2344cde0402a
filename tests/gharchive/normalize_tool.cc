// normalize_tool: a test driver for gharchive::Normalizer, so the Python
// oracle (tests/oracles/events_oracle.py) can check records without the CLI.
//
//   normalize_tool [--types LIST] < events.ndjson > records.ndjson
//
// Every input line ('\n'-separated, a trailing '\r' removed, as the events
// pipeline does) goes through Normalize; records go to stdout. stderr gets
// one "line N: error: ..." or "line N: repaired: ..." per damaged line, then
// a final JSON object with the counts. Exit 0, or 2 on a usage error.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/gharchive/normalize.h"
#include "swerl/json/json_writer.h"

int main(int argc, char** argv) {
  using namespace swerl;
  std::string types_arg = "default";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--types" && i + 1 < argc) {
      types_arg = argv[++i];
    } else {
      std::fprintf(stderr, "usage: normalize_tool [--types LIST] < events > records\n");
      return 2;
    }
  }
  auto types = gharchive::TypeSet::Parse(types_arg);
  if (!types) {
    std::fprintf(stderr, "normalize_tool: %s\n", types.error().message().c_str());
    return 2;
  }

  // The whole input plus padding: every line is then followed by at least 64
  // readable bytes, as Normalize requires.
  std::string input;
  char buf[1 << 16];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, stdin)) > 0;) input.append(buf, n);
  const size_t input_size = input.size();
  input.append(64, '\0');

  gharchive::Normalizer normalizer(*types);
  std::string out;
  std::vector<gharchive::RecordSpan> spans;
  uint64_t lines = 0, emitted = 0, skipped_type = 0, skipped_timeline = 0, invalid = 0,
           repaired = 0;
  uint64_t per_type[gharchive::kEventTypeCount] = {};
  size_t pos = 0;
  while (pos < input_size) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string::npos || nl > input_size) nl = input_size;
    std::string_view line(input.data() + pos, nl - pos);
    pos = nl + 1;
    ++lines;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.clear();
    spans.clear();
    auto result = normalizer.Normalize(line, &out, &spans);
    if (!result) {
      ++invalid;
      std::fprintf(stderr, "line %llu: error: %s\n", static_cast<unsigned long long>(lines),
                   result.error().message().c_str());
      continue;
    }
    if (!result->repair.empty()) {
      ++repaired;
      std::fprintf(stderr, "line %llu: repaired: %s\n", static_cast<unsigned long long>(lines),
                   result->repair.c_str());
    }
    emitted += result->emitted;
    skipped_type += result->skipped_type;
    skipped_timeline += result->skipped_timeline;
    for (const auto& span : spans) ++per_type[static_cast<int>(span.type)];
    std::fwrite(out.data(), 1, out.size(), stdout);
  }

  std::string stats;
  json::JsonWriter w(&stats);
  w.BeginObject();
  w.Key("lines");
  w.Uint(lines);
  w.Key("emitted");
  w.Uint(emitted);
  w.Key("skipped_type");
  w.Uint(skipped_type);
  w.Key("skipped_timeline");
  w.Uint(skipped_timeline);
  w.Key("invalid");
  w.Uint(invalid);
  w.Key("repaired");
  w.Uint(repaired);
  w.Key("per_type");
  w.BeginObject();
  for (int t = 0; t + 1 < gharchive::kEventTypeCount; ++t) {
    w.Key(gharchive::EventTypeName(static_cast<gharchive::EventType>(t)));
    w.Uint(per_type[t]);
  }
  w.EndObject();
  w.EndObject();
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", stats.c_str());
  return 0;
}

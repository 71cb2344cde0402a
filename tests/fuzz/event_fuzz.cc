// Fuzzes gharchive::Normalizer on arbitrary bytes as one line (all types
// selected). Invariants: no crash; on error nothing is appended; otherwise
// the spans tile the appended output in order, each record is one line of
// valid JSON (simdjson parses it back) that starts with the common keys in
// their fixed order and names its span's type, and the counts add up. And
// the default mode (single-pass path first) appends the same bytes as strict
// mode (the full DOM path) whenever strict mode accepts the line.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "swerl/gharchive/normalize.h"

namespace {

constexpr std::string_view kCommonKeys[] = {"id",    "type",     "created_at", "repo",   "repo_id",
                                            "actor", "actor_id", "action",     "number", "era"};

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swerl::gharchive;
  static Normalizer* normalizer = new Normalizer(TypeSet::All());  // reused, as in production
  static Normalizer* strict = new Normalizer(TypeSet::All(), /*strict=*/true);
  static simdjson::dom::parser* parser = new simdjson::dom::parser();

  // The line plus the 64 readable bytes Normalize requires (non-zero, so a
  // read past the line cannot pass for a terminator).
  std::vector<char> buf(size + 64, '\x7f');
  if (size) std::memcpy(buf.data(), data, size);
  const std::string_view line(buf.data(), size);

  const std::string prefix = "x\n";
  std::string out = prefix;
  std::vector<RecordSpan> spans;
  auto result = normalizer->Normalize(line, &out, &spans);
  std::string strict_out = prefix;
  std::vector<RecordSpan> strict_spans;
  if (auto strict_result = strict->Normalize(line, &strict_out, &strict_spans); strict_result) {
    Check(result && out == strict_out && spans.size() == strict_spans.size());
    Check(result->emitted == strict_result->emitted);
  }
  if (!result) {
    Check(out == prefix && spans.empty());
    Check(!result.error().message().empty());
    return 0;
  }
  Check(result->emitted == spans.size());
  Check(result->repair.empty() ||
        result->emitted + result->skipped_type + result->skipped_timeline > 0);
  size_t expected_begin = prefix.size();
  for (const RecordSpan& span : spans) {
    Check(span.begin == expected_begin && span.begin < span.end && span.end <= out.size());
    expected_begin = span.end;
    const std::string_view record(out.data() + span.begin, span.end - span.begin);
    Check(record.back() == '\n');
    Check(record.find('\n') == record.size() - 1);
    simdjson::dom::element doc;
    Check(parser->parse(record.data(), record.size()).get(doc) == simdjson::SUCCESS);
    simdjson::dom::object obj;
    Check(doc.get(obj) == simdjson::SUCCESS);
    size_t k = 0;
    for (auto field : obj) {
      if (k == std::size(kCommonKeys)) break;
      Check(field.key == kCommonKeys[k]);
      ++k;
    }
    Check(k == std::size(kCommonKeys));
    std::string_view type, id;
    Check(obj["type"].get(type) == simdjson::SUCCESS && type == EventTypeName(span.type));
    Check(obj["id"].get(id) == simdjson::SUCCESS && EventIdKey(id) == span.id_key);
  }
  Check(expected_begin == out.size());
  return 0;
}

#include "swerl/reward/request.h"

#include <simdjson.h>
#include <tbb/parallel_for.h>

#include <vector>

#include "swerl/core/utf8.h"
#include "swerl/json/json_writer.h"

static_assert(swerl::reward::kRequestPadding >= simdjson::SIMDJSON_PADDING);

namespace swerl::reward {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::element;
using simdjson::dom::object;

// "key", quoted as in the request.
std::string Member(std::string_view key) {
  std::string s(1, '"');
  s.append(key);
  s.push_back('"');
  return s;
}

Result<FileMap> ReadFiles(const object& request, std::string_view key) {
  object files;
  if (request[key].get(files) != SUCCESS) {
    return Error(Code::kInvalidInput, Member(key) + " is missing or not an object");
  }
  FileMap out;
  for (auto [path, value] : files) {
    std::string_view text;
    if (value.get(text) != SUCCESS) {
      return Error(Code::kInvalidInput,
                   Member(key) + " member '" + std::string(path) + "' is not a string");
    }
    out.insert_or_assign(std::string(path), std::string(text));
  }
  return out;
}

void WriteScoreMembers(const Score& s, json::JsonWriter& w) {
  w.Key("reward");
  w.Double(s.reward);
  w.Key("error");
  if (s.error.empty()) {
    w.Null();
  } else {
    w.String(s.error);
  }
  w.Key("files");
  w.BeginArray();
  for (const FileSimilarity& f : s.files) {
    w.BeginObject();
    w.Key("path");
    w.ValidString(f.path);  // Seed repaired every path
    w.Key("similarity");
    w.Double(f.similarity);
    w.EndObject();
  }
  w.EndArray();
}

void WriteId(const element& id, json::JsonWriter& w) {
  std::string_view s;
  int64_t i;
  uint64_t u;
  if (id.get(s) == SUCCESS) {
    w.ValidString(s);
  } else if (id.get(i) == SUCCESS) {
    w.Int(i);
  } else if (id.get(u) == SUCCESS) {
    w.Uint(u);
  } else {
    w.Raw(simdjson::minify(id));
  }
}

}  // namespace

struct RequestScorer::Impl {
  RewardLimits limits;
  simdjson::dom::parser parser;
  std::string repaired;  // padded copy of a line with invalid UTF-8
};

RequestScorer::RequestScorer(RewardLimits limits) : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
}
RequestScorer::~RequestScorer() = default;
RequestScorer::RequestScorer(RequestScorer&&) noexcept = default;
RequestScorer& RequestScorer::operator=(RequestScorer&&) noexcept = default;

void RequestScorer::AppendInvalid(std::string_view message, std::string* out,
                                  std::string_view id_json) {
  json::JsonWriter w(out);
  w.BeginObject();
  w.Key("id");
  if (id_json.empty()) {
    w.Null();
  } else {
    w.Raw(id_json);
  }
  w.Key("reward");
  w.Null();
  w.Key("error");
  w.String("invalid request: " + std::string(message));
  w.EndObject();
  out->push_back('\n');
}

Result<RequestCounts> RequestScorer::Score(std::string_view line, std::string* out) {
  std::string id_json;
  auto counts = ScoreOrFail(line, out, &id_json);
  if (!counts) AppendInvalid(counts.error().message(), out, id_json);
  return counts;
}

Result<RequestCounts> RequestScorer::ScoreOrFail(std::string_view line, std::string* out,
                                                 std::string* id_json) {
  Impl& m = *impl_;
  if (!IsValidUtf8(line)) {
    m.repaired.clear();
    AppendRepairedUtf8(&m.repaired, line);
    const size_t n = m.repaired.size();
    m.repaired.append(kRequestPadding, '\0');
    line = std::string_view(m.repaired.data(), n);
  }
  element root;
  if (const auto err = m.parser.parse(line.data(), line.size(), false).get(root); err != SUCCESS) {
    return Error(Code::kInvalidInput, std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  object request;
  if (root.get(request) != SUCCESS) return Error(Code::kInvalidInput, "not a JSON object");
  element id;
  if (request["id"].get(id) != SUCCESS) return Error(Code::kInvalidInput, "\"id\" is missing");
  {
    // Serialized now, for the result line of a request found invalid below.
    json::JsonWriter w(id_json);
    WriteId(id, w);
  }
  SWERL_ASSIGN_OR_RETURN(FileMap context, ReadFiles(request, "context"));
  SWERL_ASSIGN_OR_RETURN(FileMap oracle, ReadFiles(request, "oracle"));

  element output, outputs, predicted;
  const bool has_output = request["output"].get(output) == SUCCESS;
  const bool has_outputs = request["outputs"].get(outputs) == SUCCESS;
  const bool has_predicted = request["predicted"].get(predicted) == SUCCESS;
  if (has_output + has_outputs + has_predicted != 1) {
    return Error(Code::kInvalidInput,
                 "exactly one of \"output\", \"outputs\" and \"predicted\" must be present");
  }
  std::vector<std::string_view> texts;
  if (has_output) {
    std::string_view text;
    if (output.get(text) != SUCCESS)
      return Error(Code::kInvalidInput, "\"output\" is not a string");
    texts.push_back(text);
  } else if (has_outputs) {
    simdjson::dom::array list;
    if (outputs.get(list) != SUCCESS) {
      return Error(Code::kInvalidInput, "\"outputs\" is not an array");
    }
    for (element e : list) {
      std::string_view text;
      if (e.get(text) != SUCCESS) {
        return Error(Code::kInvalidInput, "\"outputs\" holds a value that is not a string");
      }
      texts.push_back(text);
    }
  }

  const Seed seed(std::move(context), std::move(oracle));
  std::vector<reward::Score> scores(has_predicted ? 1 : texts.size());
  if (has_predicted) {
    SWERL_ASSIGN_OR_RETURN(FileMap files, ReadFiles(request, "predicted"));
    scores[0] = seed.ScorePrediction(files, m.limits);
  } else {
    tbb::parallel_for(size_t{0}, texts.size(),
                      [&](size_t k) { scores[k] = seed.ScoreOutput(texts[k], m.limits); });
  }

  json::JsonWriter w(out);
  w.BeginObject();
  w.Key("id");
  WriteId(id, w);
  if (has_outputs) {
    w.Key("results");
    w.BeginArray();
    for (const reward::Score& s : scores) {
      w.BeginObject();
      WriteScoreMembers(s, w);
      w.EndObject();
    }
    w.EndArray();
  } else {
    WriteScoreMembers(scores[0], w);
  }
  w.EndObject();
  out->push_back('\n');
  RequestCounts counts;
  counts.scores = scores.size();
  for (const reward::Score& s : scores) counts.failed += !s.error.empty();
  return counts;
}

}  // namespace swerl::reward

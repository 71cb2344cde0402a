#include "model_ref.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "testing/testing.h"

namespace swerl::train::testing {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "model_ref: %s\n", what.c_str());
  std::abort();
}

std::vector<std::string> Strings(simdjson::dom::element e) {
  std::vector<std::string> out;
  for (simdjson::dom::element s : e.get_array()) out.emplace_back(std::string_view(s.get_string()));
  return out;
}

std::vector<RefModel> Load() {
  const std::string manifest = std::string(SWERL_MODEL_REF) + "/manifest.json";
  if (!std::filesystem::exists(manifest)) {
    // Not run through ctest's fixture: make the references now.
    auto r = swerl::testing::Run(
        {SWERL_PYTHON, std::string(SWERL_SOURCE_DIR) + "/tests/oracles/model_oracle.py", "--data",
         SWERL_TEST_DATA, "--out", SWERL_MODEL_REF, "--swerl-train", SWERL_TRAIN_BINARY});
    if (r.exit_code != 0) Die("model_oracle.py failed: " + r.err);
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.load(manifest).get(root) != simdjson::SUCCESS) Die("cannot parse " + manifest);
  std::vector<RefModel> models;
  for (simdjson::dom::element m : root["models"].get_array()) {
    RefModel r;
    r.name = std::string(std::string_view(m["name"].get_string()));
    r.dir = std::string(std::string_view(m["dir"].get_string()));
    r.model_type = std::string(std::string_view(m["model_type"].get_string()));
    r.vocab_size = int64_t(m["vocab_size"]);
    r.tokenizer_vocab = int64_t(m["tokenizer_vocab"]);
    for (simdjson::dom::element e : m["eos_ids"].get_array()) r.eos_ids.push_back(int64_t(e));
    for (simdjson::dom::element p : m["prompts"].get_array()) {
      r.prompts.emplace_back();
      for (simdjson::dom::element e : p.get_array())
        r.prompts.back().push_back(static_cast<int32_t>(int64_t(e)));
    }
    r.logits_file = std::string(std::string_view(m["logits_file"].get_string()));
    r.logits_rows = int64_t(m["logits_rows"]);
    for (simdjson::dom::element p : m["greedy"].get_array()) {
      r.greedy.emplace_back();
      for (simdjson::dom::element e : p.get_array())
        r.greedy.back().push_back(static_cast<int32_t>(int64_t(e)));
    }
    for (simdjson::dom::element p : m["greedy_logprobs"].get_array()) {
      r.greedy_logprobs.emplace_back();
      for (simdjson::dom::element e : p.get_array()) r.greedy_logprobs.back().push_back(double(e));
    }
    r.missing_keys = Strings(m["missing_keys"]);
    r.unexpected_keys = Strings(m["unexpected_keys"]);
    r.mismatched_keys = Strings(m["mismatched_keys"]);
    r.error_msgs = Strings(m["error_msgs"]);
    models.push_back(std::move(r));
  }
  if (models.empty()) Die("no models in " + manifest);
  return models;
}

}  // namespace

const std::vector<RefModel>& RefModels() {
  static const std::vector<RefModel> models = Load();
  return models;
}

const RefModel& RefModelNamed(const std::string& name) {
  for (const RefModel& m : RefModels()) {
    if (m.name == name) return m;
  }
  ADD_FAILURE() << "no reference model " << name;
  return RefModels().front();
}

torch::Tensor ReadRefLogits(const RefModel& m) {
  auto out = torch::empty({m.logits_rows, m.vocab_size}, torch::kFloat32);
  std::ifstream in(m.logits_file, std::ios::binary);
  in.read(static_cast<char*>(out.data_ptr()), static_cast<std::streamsize>(out.nbytes()));
  if (!in) Die("cannot read " + m.logits_file);
  return out;
}

}  // namespace swerl::train::testing

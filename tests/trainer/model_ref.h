// The transformers references of tests/oracles/model_oracle.py (run by the
// ctest fixture trainer_model_oracle into SWERL_MODEL_REF, or on first use
// when the manifest is missing): checkpoints, prompts, logits, greedy runs.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace swerl::train::testing {

struct RefModel {
  std::string name;  // hf_* (save_pretrained) or init_* (swerl-train init)
  std::string dir;
  std::string model_type;
  int64_t vocab_size = 0;
  int64_t tokenizer_vocab = 0;
  std::vector<int64_t> eos_ids;
  std::vector<std::vector<int32_t>> prompts;
  std::string logits_file;  // (logits_rows, vocab_size) float32
  int64_t logits_rows = 0;
  std::vector<std::vector<int32_t>> greedy;
  std::vector<std::vector<double>> greedy_logprobs;
  std::vector<std::string> missing_keys, unexpected_keys, mismatched_keys, error_msgs;
};

// All reference models; aborts the test binary with a message when the
// oracle cannot be run.
const std::vector<RefModel>& RefModels();
// The one named `name` (fails the current test and returns the first when absent).
const RefModel& RefModelNamed(const std::string& name);
// The stored logits, (logits_rows, vocab_size) float32 on the CPU.
torch::Tensor ReadRefLogits(const RefModel& m);

}  // namespace swerl::train::testing

// Parity with transformers 5.23.0 (CPU, float32) on random tiny Llama,
// Qwen2 and Qwen3 checkpoints (model_oracle.py): logits of a ragged,
// left-padded batch within 1e-4, and greedy generate token for token.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "model_ref.h"
#include "trainer/generate/generator.h"
#include "trainer/model/loader.h"
#include "trainer/model/transformer.h"

namespace swerl::train {
namespace {

using testing::RefModel;
using testing::RefModels;

class ModelParityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { at::set_num_threads(1); }
};

std::shared_ptr<Transformer> Load(const RefModel& m) {
  auto model = LoadModel(m.dir, torch::kCPU, torch::kFloat32);
  if (!model) {
    ADD_FAILURE() << m.name << ": " << model.error().message();
    return nullptr;
  }
  return *model;
}

TEST_F(ModelParityTest, CoversEveryVariant) {
  std::set<std::string> names;
  for (const RefModel& m : RefModels()) names.insert(m.name);
  for (const char* want : {"hf_llama_gqa_rope_llama3", "hf_llama_tied_bias_bf16",
                           "hf_qwen2_tied_mqa", "hf_qwen2_untied_f16", "hf_qwen3_tied_head_dim",
                           "hf_qwen3_untied_bias", "init_llama", "init_qwen2", "init_qwen3"}) {
    EXPECT_TRUE(names.contains(want)) << want;
  }
}

TEST_F(ModelParityTest, TransformersLoadsEveryCheckpointWithoutMissingOrUnexpectedKeys) {
  for (const RefModel& m : RefModels()) {
    SCOPED_TRACE(m.name);
    EXPECT_TRUE(m.missing_keys.empty()) << ::testing::PrintToString(m.missing_keys);
    EXPECT_TRUE(m.unexpected_keys.empty()) << ::testing::PrintToString(m.unexpected_keys);
    EXPECT_TRUE(m.mismatched_keys.empty()) << ::testing::PrintToString(m.mismatched_keys);
    EXPECT_TRUE(m.error_msgs.empty()) << ::testing::PrintToString(m.error_msgs);
  }
}

TEST_F(ModelParityTest, LogitsOfRaggedBatchMatchTransformers) {
  torch::NoGradGuard no_grad;
  for (const RefModel& m : RefModels()) {
    SCOPED_TRACE(m.name);
    auto model = Load(m);
    if (!model) continue;
    PaddedBatch batch = LeftPad(m.prompts, torch::kCPU);
    auto logits = model->Forward(batch.ids, batch.positions, batch.key_mask);  // (B, T, V)
    auto real = logits.index({batch.key_mask});  // (tokens, V), row-major (b, t)
    auto ref = ReadRefLogits(m);
    ASSERT_EQ(real.sizes(), ref.sizes());
    const double max_diff = (real - ref).abs().max().item<double>();
    EXPECT_LE(max_diff, 1e-4);
    EXPECT_GT(ref.abs().max().item<double>(), 0.1);  // not a vacuous comparison
    RecordProperty(m.name + "_max_abs_diff", std::to_string(max_diff));
    std::printf("%-28s logits max |diff| %.3g over %lld x %lld\n", m.name.c_str(), max_diff,
                static_cast<long long>(ref.size(0)), static_cast<long long>(ref.size(1)));
  }
}

TEST_F(ModelParityTest, GreedyGenerateMatchesTransformersTokenForToken) {
  for (const RefModel& m : RefModels()) {
    SCOPED_TRACE(m.name);
    auto model = Load(m);
    if (!model) continue;
    GenerateOptions opt;
    opt.sampling.greedy = true;
    opt.max_new_tokens = 64;
    opt.eos_ids = m.eos_ids;
    opt.vocab_limit = m.tokenizer_vocab;
    auto out = Generate(*model, m.prompts, opt);
    ASSERT_TRUE(out) << out.error().message();
    ASSERT_EQ(out->size(), m.greedy.size());
    double max_lp_diff = 0;
    for (size_t b = 0; b < m.greedy.size(); ++b) {
      const Completion& c = (*out)[b];
      EXPECT_EQ(c.ids, m.greedy[b]) << "prompt " << b;
      ASSERT_EQ(c.logprobs.size(), c.ids.size());
      for (size_t t = 0; t < std::min(c.logprobs.size(), m.greedy_logprobs[b].size()); ++t) {
        max_lp_diff = std::max(max_lp_diff, std::abs(c.logprobs[t] - m.greedy_logprobs[b][t]));
      }
      const bool ended_on_eos = !c.ids.empty() && std::find(m.eos_ids.begin(), m.eos_ids.end(),
                                                            c.ids.back()) != m.eos_ids.end();
      EXPECT_EQ(c.finish_reason, ended_on_eos ? FinishReason::kEos : FinishReason::kLength);
      for (float lp : c.sample_logprobs) EXPECT_EQ(lp, 0.0f);  // greedy: a point mass
    }
    EXPECT_LE(max_lp_diff, 1e-4);
    std::printf("%-28s greedy ids equal, logprob max |diff| %.3g\n", m.name.c_str(), max_lp_diff);
  }
}

}  // namespace
}  // namespace swerl::train

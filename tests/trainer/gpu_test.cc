// The model and generation on CUDA (ctest label gpu; every case skips when
// LibTorch sees no GPU): float32 logits against transformers' CPU
// reference, and bf16 generation that stays inside the tokenizer's
// vocabulary, repeats under a seed, and scores its own tokens consistently;
// GRPO group rollouts against one-sample rollouts with the same keys.
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "model_ref.h"
#include "trainer/generate/generator.h"
#include "trainer/model/loader.h"
#include "trainer/model/transformer.h"

namespace swerl::train {
namespace {

using testing::RefModel;
using testing::RefModelNamed;
using testing::RefModels;

class GpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  }
};

TEST_F(GpuTest, Float32LogitsMatchTransformersOnCpu) {
  torch::NoGradGuard no_grad;
  for (const RefModel& m : RefModels()) {
    SCOPED_TRACE(m.name);
    auto model = LoadModel(m.dir, torch::kCUDA, torch::kFloat32);
    ASSERT_TRUE(model) << model.error().message();
    PaddedBatch batch = LeftPad(m.prompts, torch::kCUDA);
    auto logits = (*model)->Forward(batch.ids, batch.positions, batch.key_mask);
    auto real = logits.index({batch.key_mask}).cpu();
    const double max_diff = (real - ReadRefLogits(m)).abs().max().item<double>();
    EXPECT_LE(max_diff, 1e-3);
    std::printf("%-28s cuda fp32 logits max |diff| %.3g\n", m.name.c_str(), max_diff);
  }
}

TEST_F(GpuTest, Bfloat16GenerationIsSeededMaskedAndSelfConsistent) {
  const RefModel& m = RefModelNamed("hf_qwen3_tied_head_dim");
  auto model = LoadModel(m.dir, torch::kCUDA, torch::kBFloat16);
  ASSERT_TRUE(model) << model.error().message();
  GenerateOptions opt;
  opt.seed = 5;
  opt.max_new_tokens = 32;
  opt.vocab_limit = m.tokenizer_vocab;
  opt.sampling.top_p = 0.95;
  auto a = Generate(**model, m.prompts, opt);
  auto b = Generate(**model, m.prompts, opt);
  ASSERT_TRUE(a && b);
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].ids, (*b)[i].ids);
    for (int32_t id : (*a)[i].ids) EXPECT_LT(id, m.tokenizer_vocab);
    for (float lp : (*a)[i].logprobs) EXPECT_TRUE(std::isfinite(lp));
  }
  // Greedy decoding in bf16 against an uncached bf16 forward of the result:
  // it scores the tokens about as decoding recorded them.
  opt.sampling.greedy = true;
  auto g = Generate(**model, m.prompts, opt);
  ASSERT_TRUE(g);
  std::vector<std::vector<int32_t>> full;
  for (size_t i = 0; i < m.prompts.size(); ++i) {
    full.push_back(m.prompts[i]);
    full.back().insert(full.back().end(), (*g)[i].ids.begin(), (*g)[i].ids.end());
  }
  torch::NoGradGuard no_grad;
  PaddedBatch batch = LeftPad(full, torch::kCUDA);
  auto logp = torch::log_softmax((*model)
                                     ->Forward(batch.ids, batch.positions, batch.key_mask)
                                     .to(torch::kFloat32)
                                     .narrow(-1, 0, m.tokenizer_vocab),
                                 -1)
                  .cpu();
  const int64_t width = batch.ids.size(1);
  double max_diff = 0;
  for (size_t i = 0; i < full.size(); ++i) {
    const auto& ids = (*g)[i].ids;
    for (size_t t = 0; t < ids.size(); ++t) {
      const int64_t col = width - static_cast<int64_t>(ids.size()) + static_cast<int64_t>(t) - 1;
      max_diff =
          std::max(max_diff, std::abs(logp[i][col][ids[t]].item<double>() - (*g)[i].logprobs[t]));
    }
  }
  EXPECT_LE(max_diff, 0.1);  // bf16: cached and uncached attention round differently
  std::printf("bf16 cached vs uncached logprob max |diff| %.3g\n", max_diff);
}

TEST_F(GpuTest, GroupRolloutsShareThePrefillAndStayInTheVocabulary) {
  const RefModel& m = RefModelNamed("hf_qwen3_tied_head_dim");
  GenerateOptions opt;
  opt.sampling.temperature = 0.8;
  opt.max_new_tokens = 24;
  opt.vocab_limit = m.tokenizer_vocab;
  const std::vector<PromptGroup> groups = {{m.prompts[0], RolloutKeys(1, 2, 0, 4)},
                                           {m.prompts[2], RolloutKeys(1, 2, 1, 4)}};
  // float32: the groups' rollouts against one-sample rollouts with the same keys.
  auto model = LoadModel(m.dir, torch::kCUDA, torch::kFloat32);
  ASSERT_TRUE(model) << model.error().message();
  auto shared = GenerateGroups(**model, groups, opt);
  ASSERT_TRUE(shared) << shared.error().message();
  double max_diff = 0;
  size_t row = 0;
  for (const PromptGroup& g : groups) {
    for (uint64_t key : g.keys) {
      auto alone = GenerateGroups(**model, {PromptGroup{g.prompt, {key}}}, opt);
      ASSERT_TRUE(alone);
      const Completion& c = (*shared)[row++];
      EXPECT_EQ(c.ids, (*alone)[0].ids);
      for (size_t t = 0; t < std::min(c.ids.size(), (*alone)[0].ids.size()); ++t) {
        max_diff = std::max(
            max_diff,
            static_cast<double>(std::abs(c.policy_logprobs[t] - (*alone)[0].policy_logprobs[t])));
      }
    }
  }
  EXPECT_LE(max_diff, 1e-4);
  std::printf("cuda fp32 shared prefill vs alone policy logprob max |diff| %.3g\n", max_diff);
  // bf16: repeatable, inside the tokenizer's vocabulary, finite.
  model = LoadModel(m.dir, torch::kCUDA, torch::kBFloat16);
  ASSERT_TRUE(model) << model.error().message();
  auto a = GenerateGroups(**model, groups, opt);
  auto b = GenerateGroups(**model, groups, opt);
  ASSERT_TRUE(a && b);
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].ids, (*b)[i].ids);
    for (int32_t id : (*a)[i].ids) EXPECT_LT(id, m.tokenizer_vocab);
    for (float lp : (*a)[i].policy_logprobs) EXPECT_TRUE(std::isfinite(lp));
  }
}

}  // namespace
}  // namespace swerl::train

// GRPO rollouts (GenerateGroups) on the reference checkpoints, in float32 on
// the CPU: a shared prefill changes nothing against independent rollouts
// with the same keys; a group samples the same alone as next to other
// groups; policy_logprobs equal an uncached full forward's
// log_softmax(logits / T); early stops compact the batch without changing
// the rows that go on; padded ids are never sampled; truncation is
// reported.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "model_ref.h"
#include "swerl/tok/tokenizer.h"
#include "testing/testing.h"
#include "trainer/generate/generator.h"
#include "trainer/model/loader.h"
#include "trainer/model/transformer.h"

namespace swerl::train {
namespace {

using testing::RefModel;
using testing::RefModelNamed;

class RolloutTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { at::set_num_threads(1); }

  static std::shared_ptr<Transformer> Load(const std::string& name) {
    auto model = LoadModel(RefModelNamed(name).dir, torch::kCPU, torch::kFloat32);
    EXPECT_TRUE(model) << model.error().message();
    return model ? *model : nullptr;
  }

  static GenerateOptions Options(const RefModel& m) {
    GenerateOptions opt;
    opt.sampling.temperature = 0.8;
    opt.max_new_tokens = 20;
    opt.vocab_limit = m.tokenizer_vocab;
    return opt;
  }
};

// Greatest |a - b| over the three log-probability arrays; ids must match.
double LogprobGap(const Completion& a, const Completion& b) {
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.finish_reason, b.finish_reason);
  double gap = 0;
  const auto diff = [&](const std::vector<float>& x, const std::vector<float>& y) {
    EXPECT_EQ(x.size(), y.size());
    for (size_t t = 0; t < std::min(x.size(), y.size()); ++t)
      gap = std::max(gap, static_cast<double>(std::abs(x[t] - y[t])));
  };
  diff(a.logprobs, b.logprobs);
  diff(a.policy_logprobs, b.policy_logprobs);
  diff(a.sample_logprobs, b.sample_logprobs);
  return gap;
}

TEST_F(RolloutTest, ASharedPrefillEqualsIndependentRolloutsWithTheSameKeys) {
  for (const char* name : {"hf_qwen3_tied_head_dim", "hf_llama_gqa_rope_llama3"}) {
    SCOPED_TRACE(name);
    const RefModel& m = RefModelNamed(name);
    auto model = Load(m.name);
    ASSERT_TRUE(model);
    const PromptGroup group{m.prompts[0], RolloutKeys(7, 3, 11, 6)};
    auto shared = GenerateGroups(*model, {group}, Options(m));
    ASSERT_TRUE(shared) << shared.error().message();
    ASSERT_EQ(shared->size(), 6u);
    std::set<std::vector<int32_t>> distinct;
    for (size_t j = 0; j < group.keys.size(); ++j) {
      auto alone = GenerateGroups(*model, {PromptGroup{group.prompt, {group.keys[j]}}}, Options(m));
      ASSERT_TRUE(alone);
      EXPECT_LE(LogprobGap((*shared)[j], (*alone)[0]), 1e-5) << "sample " << j;
      distinct.insert((*shared)[j].ids);
    }
    EXPECT_EQ(distinct.size(), group.keys.size()) << "the keys should give different samples";
  }
}

TEST_F(RolloutTest, AGroupSamplesTheSameAloneAsBesideOtherGroups) {
  // Prompts of 4 different lengths: together they are left-padded and
  // masked, alone a group is dense. The keys, not the batch, decide.
  const RefModel& m = RefModelNamed("hf_qwen3_untied_bias");
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  std::vector<PromptGroup> groups;
  for (size_t g = 0; g < m.prompts.size(); ++g) {
    groups.push_back({m.prompts[g], RolloutKeys(1, 2, 100 + g, 2 + static_cast<int64_t>(g))});
  }
  auto together = GenerateGroups(*model, groups, Options(m));
  ASSERT_TRUE(together);
  ASSERT_EQ(together->size(), 2u + 3 + 4 + 5);
  std::vector<PromptGroup> reversed(groups.rbegin(), groups.rend());
  auto backwards = GenerateGroups(*model, reversed, Options(m));
  ASSERT_TRUE(backwards);
  size_t first = 0;
  double gap = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    auto alone = GenerateGroups(*model, {groups[g]}, Options(m));
    ASSERT_TRUE(alone);
    // Group g's place in the reversed order.
    size_t back_first = 0;
    for (size_t h = groups.size() - 1; h > g; --h) back_first += groups[h].keys.size();
    for (size_t j = 0; j < groups[g].keys.size(); ++j) {
      gap = std::max(gap, LogprobGap((*together)[first + j], (*alone)[j]));
      gap = std::max(gap, LogprobGap((*backwards)[back_first + j], (*alone)[j]));
    }
    first += groups[g].keys.size();
  }
  EXPECT_LE(gap, 1e-5);
}

TEST_F(RolloutTest, PolicyLogprobsEqualAFullForwardAtTheRolloutTemperature) {
  const RefModel& m = RefModelNamed("hf_llama_gqa_rope_llama3");
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  std::vector<PromptGroup> groups;
  for (size_t g = 0; g < 3; ++g) groups.push_back({m.prompts[g], RolloutKeys(5, 0, g, 3)});
  for (double temperature : {0.6, 1.0, 1.4}) {
    SCOPED_TRACE(temperature);
    GenerateOptions opt = Options(m);
    opt.sampling.temperature = temperature;
    auto out = GenerateGroups(*model, groups, opt);
    ASSERT_TRUE(out);
    // Score every prompt + completion in one uncached, left-padded forward.
    std::vector<std::vector<int32_t>> full;
    size_t row = 0;
    for (const PromptGroup& g : groups) {
      for (size_t j = 0; j < g.keys.size(); ++j, ++row) {
        full.push_back(g.prompt);
        full.back().insert(full.back().end(), (*out)[row].ids.begin(), (*out)[row].ids.end());
      }
    }
    torch::NoGradGuard no_grad;
    PaddedBatch batch = LeftPad(full, torch::kCPU);
    // No EOS ids: every completion has max_new_tokens tokens, predicted by
    // the max_new_tokens columns before the last.
    const int64_t n = opt.max_new_tokens;
    const int64_t width = batch.ids.size(1);
    auto logits = model->Forward(batch.ids, batch.positions, batch.key_mask)
                      .narrow(1, width - n - 1, n)
                      .to(torch::kFloat32)
                      .narrow(-1, 0, m.tokenizer_vocab);
    auto logp = torch::log_softmax(logits, -1);
    auto policy = torch::log_softmax(logits / temperature, -1);
    auto logp_a = logp.accessor<float, 3>();
    auto policy_a = policy.accessor<float, 3>();
    double gap = 0, policy_gap = 0, sample_gap = 0;
    for (size_t b = 0; b < full.size(); ++b) {
      const Completion& c = (*out)[b];
      ASSERT_EQ(static_cast<int64_t>(c.ids.size()), n);
      for (int64_t t = 0; t < n; ++t) {
        gap = std::max(gap, static_cast<double>(std::abs(logp_a[b][t][c.ids[t]] - c.logprobs[t])));
        policy_gap = std::max(policy_gap, static_cast<double>(std::abs(policy_a[b][t][c.ids[t]] -
                                                                       c.policy_logprobs[t])));
        sample_gap = std::max(
            sample_gap, static_cast<double>(std::abs(c.sample_logprobs[t] - c.policy_logprobs[t])));
      }
    }
    EXPECT_LE(gap, 1e-4);
    EXPECT_LE(policy_gap, 1e-4);
    EXPECT_LE(sample_gap, 1e-5);  // no top-k/top-p: the sampled distribution is the policy
  }
}

TEST_F(RolloutTest, EarlyStopsCompactTheBatchWithoutChangingTheOtherRows) {
  const RefModel& m = RefModelNamed("hf_qwen3_tied_head_dim");
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  std::vector<PromptGroup> groups = {{m.prompts[1], RolloutKeys(3, 1, 0, 4)},
                                     {m.prompts[2], RolloutKeys(3, 1, 1, 4)}};
  GenerateOptions opt = Options(m);
  opt.max_new_tokens = 16;
  auto free_run = GenerateGroups(*model, groups, opt);
  ASSERT_TRUE(free_run);
  for (const Completion& c : *free_run) {
    EXPECT_EQ(c.ids.size(), 16u);
    EXPECT_TRUE(c.truncated());
  }
  // EOS ids taken from the free run: completions end at different steps
  // (rows leave the batch one by one), some never.
  opt.eos_ids = {(*free_run)[0].ids[2], (*free_run)[5].ids[6], (*free_run)[6].ids[11]};
  auto stopped = GenerateGroups(*model, groups, opt);
  ASSERT_TRUE(stopped);
  int eos = 0, length = 0;
  for (size_t i = 0; i < stopped->size(); ++i) {
    const Completion& free = (*free_run)[i];
    const Completion& c = (*stopped)[i];
    auto hit = std::find_first_of(free.ids.begin(), free.ids.end(), opt.eos_ids.begin(),
                                  opt.eos_ids.end());
    const size_t n = hit == free.ids.end() ? free.ids.size() : hit - free.ids.begin() + 1;
    ASSERT_EQ(c.ids.size(), n) << "completion " << i;
    EXPECT_EQ(c.ids, std::vector<int32_t>(free.ids.begin(), free.ids.begin() + n));
    for (size_t t = 0; t < n; ++t) EXPECT_NEAR(c.policy_logprobs[t], free.policy_logprobs[t], 1e-5);
    EXPECT_EQ(c.finish_reason, hit == free.ids.end() ? FinishReason::kLength : FinishReason::kEos);
    EXPECT_EQ(c.truncated(), hit == free.ids.end());
    (c.truncated() ? length : eos)++;
  }
  EXPECT_GE(eos, 3);
  EXPECT_GE(length, 1);
}

TEST_F(RolloutTest, NeverSamplesIdsPastTheTokenizer) {
  const RefModel& m = RefModelNamed("hf_qwen2_tied_mqa");
  ASSERT_GT(m.vocab_size, m.tokenizer_vocab);
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  {
    // Make the padding rows of the (tied) output projection dominate.
    torch::NoGradGuard no_grad;
    auto w = model->output_weight();
    auto pad_rows = w.narrow(0, m.tokenizer_vocab, m.vocab_size - m.tokenizer_vocab);
    pad_rows.copy_(w.narrow(0, 0, pad_rows.size(0)) * 50);
  }
  std::vector<PromptGroup> groups = {{m.prompts[0], RolloutKeys(0, 0, 0, 8)},
                                     {m.prompts[3], RolloutKeys(0, 0, 1, 8)}};
  GenerateOptions opt = Options(m);
  opt.sampling.temperature = 1.5;
  opt.max_new_tokens = 32;
  opt.vocab_limit = m.vocab_size;
  auto unmasked = GenerateGroups(*model, groups, opt);
  ASSERT_TRUE(unmasked);
  int64_t past = 0;
  for (const Completion& c : *unmasked)
    past += std::count_if(c.ids.begin(), c.ids.end(),
                          [&](int32_t id) { return id >= m.tokenizer_vocab; });
  ASSERT_GT(past, 0) << "the doctored rows do not dominate: the check below would be vacuous";
  opt.vocab_limit = m.tokenizer_vocab;
  auto out = GenerateGroups(*model, groups, opt);
  ASSERT_TRUE(out);
  for (const Completion& c : *out) {
    for (int32_t id : c.ids) EXPECT_LT(id, m.tokenizer_vocab);
    for (float lp : c.policy_logprobs) EXPECT_TRUE(std::isfinite(lp));
  }
}

TEST_F(RolloutTest, GroupsOfOneWithDerivedSeedsAreGenerate) {
  // Generate keys sequence i by DeriveSeed(seed, first_index + i).
  const RefModel& m = RefModelNamed("init_qwen3");
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  GenerateOptions opt = Options(m);
  opt.seed = 77;
  auto plain = Generate(*model, m.prompts, opt, {}, /*first_index=*/10);
  ASSERT_TRUE(plain);
  std::vector<PromptGroup> groups;
  for (size_t i = 0; i < m.prompts.size(); ++i)
    groups.push_back({m.prompts[i], {DeriveSeed(77, 10 + i)}});
  auto grouped = GenerateGroups(*model, groups, opt);
  ASSERT_TRUE(grouped);
  for (size_t i = 0; i < m.prompts.size(); ++i)
    EXPECT_EQ(LogprobGap((*plain)[i], (*grouped)[i]), 0);
}

TEST_F(RolloutTest, RejectsGroupsWithoutKeysOrPrompt) {
  const RefModel& m = RefModelNamed("init_qwen3");
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  auto r = GenerateGroups(*model, {{{1, 2}, {1}}, {{3}, {}}}, Options(m));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("group 1 has no keys"), std::string::npos);
  r = GenerateGroups(*model, {{{1, 2}, {1}}, {{}, {2}}}, Options(m));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("prompt 1 is empty"), std::string::npos);
  auto none = GenerateGroups(*model, {}, Options(m));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(EndOfTurnIdsTest, FindsTheChatEndTokensOfQwenAndLlama) {
  auto qwen = tok::Tokenizer::Load(swerl::testing::DataPath("tokenizers/qwen3"));
  ASSERT_TRUE(qwen) << qwen.error().message();
  EXPECT_EQ(EndOfTurnIds(*qwen),
            (std::vector<int64_t>{*qwen->TokenId("<|endoftext|>"), *qwen->TokenId("<|im_end|>")}));
  EXPECT_EQ(*qwen->TokenId("<|im_end|>"), 151645);
  auto llama = tok::Tokenizer::Load(swerl::testing::DataPath("tokenizers/llama3"));
  ASSERT_TRUE(llama) << llama.error().message();
  EXPECT_EQ(EndOfTurnIds(*llama), (std::vector<int64_t>{128001, 128009}));
}

}  // namespace
}  // namespace swerl::train

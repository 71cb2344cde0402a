// Generation on the reference checkpoints: the KV cache against a full
// forward, seeded sampling, top-k = 1 against greedy, vocabulary masking,
// EOS ids, stop strings and max_new_tokens.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <set>

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

class GenerateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { at::set_num_threads(1); }

  static std::shared_ptr<Transformer> Load(const std::string& name) {
    auto model = LoadModel(RefModelNamed(name).dir, torch::kCPU, torch::kFloat32);
    EXPECT_TRUE(model) << model.error().message();
    return model ? *model : nullptr;
  }

  static GenerateOptions Sampling(const RefModel& m, uint64_t seed) {
    GenerateOptions opt;
    opt.sampling.temperature = 1.0;
    opt.seed = seed;
    opt.max_new_tokens = 24;
    opt.vocab_limit = m.tokenizer_vocab;
    return opt;
  }
};

std::vector<std::vector<int32_t>> Ids(const std::vector<Completion>& cs) {
  std::vector<std::vector<int32_t>> out;
  for (const auto& c : cs) out.push_back(c.ids);
  return out;
}

TEST_F(GenerateTest, CachedDecodingMatchesAFullForwardOverPromptAndCompletion) {
  const RefModel& m = RefModelNamed("hf_llama_gqa_rope_llama3");
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  GenerateOptions opt = Sampling(m, 3);
  opt.max_new_tokens = 20;
  auto out = Generate(*model, m.prompts, opt);
  ASSERT_TRUE(out) << out.error().message();
  // Score prompt + completion in one uncached forward: each sampled token's
  // log-probability must be the one recorded while decoding.
  std::vector<std::vector<int32_t>> full;
  for (size_t b = 0; b < m.prompts.size(); ++b) {
    full.push_back(m.prompts[b]);
    full.back().insert(full.back().end(), (*out)[b].ids.begin(), (*out)[b].ids.end());
  }
  torch::NoGradGuard no_grad;
  PaddedBatch batch = LeftPad(full, torch::kCPU);
  auto logits = model->Forward(batch.ids, batch.positions, batch.key_mask).to(torch::kFloat32);
  logits.narrow(-1, m.tokenizer_vocab, m.vocab_size - m.tokenizer_vocab).fill_(-INFINITY);
  auto logp = torch::log_softmax(logits, -1);
  const int64_t width = batch.ids.size(1);
  double max_diff = 0;
  for (size_t b = 0; b < full.size(); ++b) {
    const Completion& c = (*out)[b];
    for (size_t t = 0; t < c.ids.size(); ++t) {
      // The token at column width - n + t is predicted by the column before it.
      const int64_t col = width - static_cast<int64_t>(c.ids.size()) + static_cast<int64_t>(t) - 1;
      const double lp = logp[b][col][c.ids[t]].item<double>();
      max_diff = std::max(max_diff, std::abs(lp - c.logprobs[t]));
    }
  }
  EXPECT_LE(max_diff, 1e-4);
}

TEST_F(GenerateTest, UnpaddedBatchesTakeTheMasklessPathWithTheSameResults) {
  // Equal-length prompts need no mask (causal prefill, maskless decode);
  // the same prompts next to a longer one are padded and masked.
  const RefModel& m = RefModelNamed("hf_qwen3_tied_head_dim");
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  const std::vector<int32_t>& longest = m.prompts[0];
  ASSERT_GT(longest.size(), 12u);
  std::vector<std::vector<int32_t>> dense = {
      std::vector<int32_t>(longest.begin() + 3, longest.begin() + 12),
      std::vector<int32_t>(longest.begin(), longest.begin() + 9)};
  std::vector<std::vector<int32_t>> ragged = dense;
  ragged.push_back(longest);
  torch::NoGradGuard no_grad;
  PaddedBatch d = LeftPad(dense, torch::kCPU);
  PaddedBatch r = LeftPad(ragged, torch::kCPU);
  auto dense_logits = model->Forward(d.ids, d.positions, d.key_mask);
  auto ragged_logits = model->Forward(r.ids, r.positions, r.key_mask);
  const int64_t pad = r.ids.size(1) - d.ids.size(1);
  auto same_rows = ragged_logits.narrow(0, 0, 2).narrow(1, pad, d.ids.size(1));
  EXPECT_LE((dense_logits - same_rows).abs().max().item<double>(), 1e-4);

  GenerateOptions opt;
  opt.sampling.greedy = true;
  opt.max_new_tokens = 16;
  opt.vocab_limit = m.tokenizer_vocab;
  auto a = Generate(*model, dense, opt);
  auto b = Generate(*model, ragged, opt);
  ASSERT_TRUE(a && b);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*a)[i].ids, (*b)[i].ids);
    for (size_t t = 0; t < (*a)[i].logprobs.size(); ++t) {
      EXPECT_NEAR((*a)[i].logprobs[t], (*b)[i].logprobs[t], 1e-4);
    }
  }
}

TEST_F(GenerateTest, SameSeedSameSamplesOtherSeedOtherSamples) {
  const RefModel& m = RefModelNamed("hf_qwen3_tied_head_dim");
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  auto a = Generate(*model, m.prompts, Sampling(m, 42));
  auto b = Generate(*model, m.prompts, Sampling(m, 42));
  auto c = Generate(*model, m.prompts, Sampling(m, 43));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(Ids(*a), Ids(*b));
  for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].logprobs, (*b)[i].logprobs);
  EXPECT_NE(Ids(*a), Ids(*c));
  // Sampling at temperature 1 over the full vocabulary: the distribution
  // sampled from is the policy, so both log-probabilities agree.
  for (const Completion& comp : *a) {
    for (size_t t = 0; t < comp.ids.size(); ++t)
      EXPECT_NEAR(comp.sample_logprobs[t], comp.logprobs[t], 1e-4);
  }
}

TEST_F(GenerateTest, APromptSamplesTheSameAloneAsInABatch) {
  // Each prompt draws from its own stream seeded by (seed, index).
  const RefModel& m = RefModelNamed("hf_qwen3_untied_bias");
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  auto batch = Generate(*model, m.prompts, Sampling(m, 9));
  ASSERT_TRUE(batch);
  auto alone = Generate(*model, {m.prompts[2]}, Sampling(m, 9), {}, /*first_index=*/2);
  ASSERT_TRUE(alone);
  EXPECT_EQ((*alone)[0].ids, (*batch)[2].ids);
}

TEST_F(GenerateTest, TopKOneIsGreedyAtAnyTemperature) {
  const RefModel& m = RefModelNamed("hf_qwen2_untied_f16");
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  GenerateOptions greedy = Sampling(m, 0);
  greedy.sampling.greedy = true;
  GenerateOptions top1 = Sampling(m, 1234);
  top1.sampling.top_k = 1;
  top1.sampling.temperature = 1.7;
  auto g = Generate(*model, m.prompts, greedy);
  auto k = Generate(*model, m.prompts, top1);
  ASSERT_TRUE(g && k);
  EXPECT_EQ(Ids(*g), Ids(*k));
  for (const Completion& c : *k) {
    for (float lp : c.sample_logprobs) EXPECT_EQ(lp, 0.0f);  // one candidate: probability 1
  }
}

TEST_F(GenerateTest, NeverSamplesEmbeddingRowsPastTheTokenizer) {
  const RefModel& m = RefModelNamed("hf_qwen2_tied_mqa");
  ASSERT_GT(m.vocab_size, m.tokenizer_vocab);
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  {
    // Make the padding rows of the (tied) output projection win every step.
    torch::NoGradGuard no_grad;
    auto w = model->output_weight();
    auto pad_rows = w.narrow(0, m.tokenizer_vocab, m.vocab_size - m.tokenizer_vocab);
    pad_rows.copy_(w.narrow(0, 0, pad_rows.size(0)) * 50);
  }
  GenerateOptions unmasked = Sampling(m, 5);
  unmasked.sampling.greedy = true;
  unmasked.vocab_limit = m.vocab_size;
  auto u = Generate(*model, m.prompts, unmasked);
  ASSERT_TRUE(u);
  int64_t past = 0;
  for (const Completion& c : *u)
    past += std::count_if(c.ids.begin(), c.ids.end(),
                          [&](int32_t id) { return id >= m.tokenizer_vocab; });
  ASSERT_GT(past, 0)
      << "the doctored rows do not dominate: the masking check below would be vacuous";

  for (bool greedy : {true, false}) {
    GenerateOptions opt = Sampling(m, 5);
    opt.sampling.greedy = greedy;
    opt.max_new_tokens = 48;
    auto out = Generate(*model, m.prompts, opt);
    ASSERT_TRUE(out);
    for (const Completion& c : *out) {
      for (int32_t id : c.ids) EXPECT_LT(id, m.tokenizer_vocab);
      for (float lp : c.logprobs) EXPECT_TRUE(std::isfinite(lp));
    }
  }
}

TEST_F(GenerateTest, StopsOnEosIdsKeepingTheEosToken) {
  const RefModel& m = RefModelNamed("init_qwen3");
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  // The greedy reference: prompt 0's 5th token becomes an EOS id.
  const std::vector<int32_t>& ref = m.greedy[0];
  ASSERT_GE(ref.size(), 5u);
  const int32_t eos = ref[4];
  const size_t first = std::find(ref.begin(), ref.end(), eos) - ref.begin();
  GenerateOptions opt;
  opt.sampling.greedy = true;
  opt.max_new_tokens = 64;
  opt.vocab_limit = m.tokenizer_vocab;
  opt.eos_ids = {123, eos};
  auto out = Generate(*model, {m.prompts[0]}, opt);
  ASSERT_TRUE(out);
  const Completion& c = (*out)[0];
  EXPECT_EQ(c.finish_reason, FinishReason::kEos);
  EXPECT_EQ(c.ids, std::vector<int32_t>(ref.begin(), ref.begin() + first + 1));
  EXPECT_EQ(c.logprobs.size(), c.ids.size());
}

TEST_F(GenerateTest, StopsOnStopStringsAndLengthLimits) {
  const RefModel& m = RefModelNamed("hf_qwen3_untied_bias");
  auto tok = tok::Tokenizer::Load(swerl::testing::DataPath("tokenizers/qwen3"));
  ASSERT_TRUE(tok) << tok.error().message();
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  DecodeFn decode = [&](std::span<const int32_t> ids) {
    auto text = tok->Decode(ids, /*skip_special=*/true);
    return text ? *text : std::string();
  };
  const std::vector<int32_t>& ref = m.greedy[3];  // 64 greedy tokens
  // A stop string made of the text of reference tokens 6..7: generation ends
  // at the first token that completes it (token 7 or earlier).
  auto piece = decode(std::span<const int32_t>(ref.data() + 6, 2));
  ASSERT_FALSE(piece.empty());
  GenerateOptions opt;
  opt.sampling.greedy = true;
  opt.max_new_tokens = 64;
  opt.vocab_limit = m.tokenizer_vocab;
  opt.stop_strings = {"this string never appears \x01", piece};
  auto out = Generate(*model, {m.prompts[3]}, opt, decode);
  ASSERT_TRUE(out) << out.error().message();
  const Completion& c = (*out)[0];
  EXPECT_EQ(c.finish_reason, FinishReason::kStop);
  ASSERT_LE(c.ids.size(), 8u);
  EXPECT_EQ(c.ids, std::vector<int32_t>(ref.begin(), ref.begin() + c.ids.size()));
  EXPECT_NE(decode(c.ids).find(piece), std::string::npos);
  // One token fewer does not contain it yet.
  EXPECT_EQ(decode(std::span<const int32_t>(c.ids.data(), c.ids.size() - 1)).find(piece),
            std::string::npos);

  opt.stop_strings.clear();
  opt.max_new_tokens = 3;
  out = Generate(*model, m.prompts, opt);
  ASSERT_TRUE(out);
  for (const Completion& comp : *out) {
    EXPECT_EQ(comp.ids.size(), 3u);
    EXPECT_EQ(comp.finish_reason, FinishReason::kLength);
  }
}

TEST_F(GenerateTest, RejectsBadRequests) {
  const RefModel& m = RefModelNamed("init_qwen3");
  auto model = Load(m.name);
  ASSERT_TRUE(model);
  GenerateOptions opt;
  auto r = Generate(*model, {{1, 2}, {}}, opt);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("prompt 1 is empty"), std::string::npos);
  r = Generate(*model, {{1, static_cast<int32_t>(m.vocab_size)}}, opt);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("outside the model's vocabulary"), std::string::npos);
  opt.sampling.temperature = 0;
  r = Generate(*model, {{1}}, opt);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("temperature"), std::string::npos);
  opt = GenerateOptions();
  opt.stop_strings = {"x"};
  r = Generate(*model, {{1}}, opt);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("stop strings"), std::string::npos);
}

}  // namespace
}  // namespace swerl::train

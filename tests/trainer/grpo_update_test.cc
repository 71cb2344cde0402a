// Update() end to end on a tiny random model: NaN handling, resume
// determinism, learning signal, μ passes, truncation masking, SFT, errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>
#include <string>
#include <vector>

#include "testing/testing.h"
#include "trainer/grpo/logprob.h"
#include "trainer/grpo/sequence_batch.h"
#include "trainer/grpo/sft.h"
#include "trainer/grpo/update.h"
#include "trainer/model/loader.h"
#include "trainer/optim/adamw.h"
#include "trainer/optim/schedule.h"

namespace swerl::train {
namespace {

constexpr int64_t kVocab = 96;
constexpr int64_t kVocabLimit = 90;

ModelConfig TinyConfig() {
  ModelConfig c;
  c.arch = Arch::kQwen3;
  c.vocab_size = kVocab;
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 8;
  c.max_position_embeddings = 128;
  c.initializer_range = 0.2;
  c.rope.theta = 10000.0;
  c.tie_word_embeddings = true;
  c.qk_norm = true;
  return c;
}

std::shared_ptr<Transformer> TinyModel(uint64_t seed, torch::Dtype dtype = torch::kFloat32) {
  auto m = std::make_shared<Transformer>(TinyConfig(), torch::kCPU, dtype);
  InitRandom(*m, seed);
  return m;
}

std::vector<NamedTensor> Named(Transformer& m) {
  std::vector<NamedTensor> out;
  for (const auto& item : m.named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

// `groups` groups of `g` completions, random ids, lengths 1..8, advantages
// ±, deterministic in `seed`. old_logprobs are plausible negatives.
std::vector<TrainSample> Samples(uint64_t seed, int groups = 2, int g = 3) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto randint = [&](int64_t lo, int64_t hi) {
    return at::randint(lo, hi, {1}, gen, torch::kInt64).item<int64_t>();
  };
  std::vector<TrainSample> out;
  for (int group = 0; group < groups; ++group) {
    std::vector<int32_t> prompt;
    for (int64_t i = 0, n = randint(3, 8); i < n; ++i)
      prompt.push_back(int32_t(randint(0, kVocabLimit)));
    for (int k = 0; k < g; ++k) {
      TrainSample s;
      s.prompt_ids = prompt;
      for (int64_t i = 0, n = randint(1, 9); i < n; ++i) {
        s.completion_ids.push_back(int32_t(randint(0, kVocabLimit)));
        s.old_logprobs.push_back(-4.5f + 0.1f * float(i));
      }
      s.advantage = (k % 2 == 0 ? 1.0 : -1.0) * (0.5 + 0.25 * k);
      s.truncated = s.completion_ids.size() == 8;
      out.push_back(std::move(s));
    }
  }
  return out;
}

UpdateOptions Options() {
  UpdateOptions o;
  o.vocab_limit = kVocabLimit;
  o.vocab_chunk = 32;
  o.micro_batch_tokens = 24;
  o.lr = 1e-3;
  o.policy.beta = 0.0;
  return o;
}

std::vector<torch::Tensor> Snapshot(Transformer& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.detach().clone());
  return out;
}

bool SameWeights(Transformer& m, const std::vector<torch::Tensor>& snap) {
  auto params = m.parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    if (!torch::equal(params[i].detach(), snap[i])) return false;
  }
  return true;
}

bool SameState(const OptimizerState& a, const OptimizerState& b) {
  if (a.step != b.step || a.tensors.size() != b.tensors.size()) return false;
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    if (a.tensors[i].first != b.tensors[i].first) return false;
    if (!torch::equal(a.tensors[i].second, b.tensors[i].second)) return false;
  }
  return true;
}

// Σ log p of `s`'s completion under `m` at temperature 1, no grad.
double SequenceLogProb(Transformer& m, const TrainSample& s) {
  torch::NoGradGuard no_grad;
  SequenceRef ref{s.prompt_ids, s.completion_ids};
  auto fwd = ForwardCompletions(m, std::span<const SequenceRef>(&ref, 1));
  auto lp = ChunkedLogProbs(fwd.hidden, m.output_weight(), fwd.targets, {1.0, kVocabLimit, 32});
  EXPECT_TRUE(lp);
  return lp->logp.sum().item<double>();
}

TEST(GrpoUpdateTest, NanLossReturnsAnErrorAndChangesNothing) {
  auto policy = TinyModel(1);
  auto reference = TinyModel(2);
  AdamW opt(Named(*policy), {});
  auto samples = Samples(3);
  UpdateOptions o = Options();
  o.policy.beta = 0.1;
  const Normaliser norm = LocalNormaliser(samples, false, 8);
  // One good step first, so the optimizer state is not all zeros.
  auto first = Update(*policy, reference.get(), opt, samples, o, norm);
  ASSERT_TRUE(first) << first.error().message();
  const auto weights = Snapshot(*policy);
  const OptimizerState state = opt.ExportState();

  {
    torch::NoGradGuard no_grad;
    reference->named_parameters()["model.norm.weight"][3] = std::numeric_limits<float>::quiet_NaN();
  }
  auto bad = Update(*policy, reference.get(), opt, samples, o, norm);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("loss is nan"), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("update pass 1 of 1"), std::string::npos);
  EXPECT_TRUE(SameWeights(*policy, weights));
  EXPECT_TRUE(SameState(opt.ExportState(), state));
  for (const auto& p : policy->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(GrpoUpdateTest, NonFiniteGradientNormReturnsAnErrorAndChangesNothing) {
  auto policy = TinyModel(1);
  AdamW opt(Named(*policy), {});
  auto samples = Samples(4);
  UpdateOptions o = Options();
  const Normaliser norm = LocalNormaliser(samples, false, 8);
  ASSERT_TRUE(Update(*policy, nullptr, opt, samples, o, norm));
  const auto weights = Snapshot(*policy);
  const OptimizerState state = opt.ExportState();
  // As if another rank's gradient carried an inf into the all-reduce.
  int calls = 0;
  o.reduce_gradients = [&]() -> Status {
    ++calls;
    EXPECT_EQ(opt.step(), 1);  // before the step
    torch::NoGradGuard no_grad;
    policy->named_parameters()["model.layers.1.mlp.up_proj.weight"].mutable_grad()[0][0] =
        std::numeric_limits<float>::infinity();
    return OkStatus();
  };
  auto bad = Update(*policy, nullptr, opt, samples, o, norm);
  ASSERT_FALSE(bad);
  EXPECT_EQ(calls, 1);
  EXPECT_NE(bad.error().message().find("model.layers.1.mlp.up_proj.weight"), std::string::npos)
      << bad.error().message();
  EXPECT_TRUE(SameWeights(*policy, weights));
  EXPECT_TRUE(SameState(opt.ExportState(), state));
}

// Four steps straight vs two steps, a checkpoint (weights + optimizer
// state), a fresh process-like reload, two more steps: bit-identical.
void CheckResume(torch::Dtype dtype) {
  const LrSchedule schedule{1e-3, 2, ScheduleKind::kCosine, 4, 1e-4};
  UpdateOptions o = Options();
  auto run = [&](Transformer& m, AdamW& opt, int64_t from, int64_t to) {
    for (int64_t step = from; step < to; ++step) {
      auto samples = Samples(100 + static_cast<uint64_t>(step));
      o.lr = schedule.At(step);
      auto r = Update(m, nullptr, opt, samples, o, LocalNormaliser(samples, false, 8));
      ASSERT_TRUE(r) << r.error().message();
    }
  };
  auto straight = TinyModel(5, dtype);
  AdamW straight_opt(Named(*straight), {});
  run(*straight, straight_opt, 0, 4);

  auto first = TinyModel(5, dtype);
  AdamW first_opt(Named(*first), {});
  run(*first, first_opt, 0, 2);
  swerl::testing::TempDir dir;
  ASSERT_TRUE(SaveModel(*first, dir.path(), dtype));
  const OptimizerState saved = first_opt.ExportState();

  auto resumed = LoadModel(dir.path(), torch::kCPU, dtype);
  ASSERT_TRUE(resumed);
  AdamW resumed_opt(Named(**resumed), {});
  ASSERT_TRUE(resumed_opt.ImportState(saved));
  EXPECT_EQ(resumed_opt.step(), 2);
  run(**resumed, resumed_opt, 2, 4);

  EXPECT_TRUE(SameWeights(**resumed, Snapshot(*straight)));
  EXPECT_TRUE(SameState(resumed_opt.ExportState(), straight_opt.ExportState()));
  // And the steps did move the weights.
  EXPECT_FALSE(SameWeights(*TinyModel(5, dtype), Snapshot(*straight)));
}

TEST(GrpoUpdateTest, ResumedRunEqualsUninterruptedRunFloat32) { CheckResume(torch::kFloat32); }

TEST(GrpoUpdateTest, ResumedRunEqualsUninterruptedRunBfloat16WithMasters) {
  CheckResume(torch::kBFloat16);
}

TEST(GrpoUpdateTest, ImportStateRejectsMismatchesAndChangesNothing) {
  auto policy = TinyModel(1);
  AdamW opt(Named(*policy), {});
  OptimizerState state = opt.ExportState();
  state.tensors.pop_back();
  auto r = opt.ImportState(state);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("is missing"), std::string::npos);
  state = opt.ExportState();
  state.tensors.emplace_back("model.bogus.exp_avg", torch::zeros({2}));
  r = opt.ImportState(state);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("model.bogus.exp_avg"), std::string::npos);
  state = opt.ExportState();
  state.tensors[0].second = torch::zeros({3});
  EXPECT_FALSE(opt.ImportState(state));
}

TEST(GrpoUpdateTest, PositiveAdvantageRaisesLogProbNegativeLowersIt) {
  auto policy = TinyModel(7);
  AdamW opt(Named(*policy), {0.9, 0.999, 1e-8, 0.0});
  auto samples = Samples(8, 1, 2);  // A = +0.5 and −0.75
  const double up_before = SequenceLogProb(*policy, samples[0]);
  const double down_before = SequenceLogProb(*policy, samples[1]);
  UpdateOptions o = Options();
  o.lr = 3e-3;
  for (int step = 0; step < 5; ++step) {
    auto r = Update(*policy, nullptr, opt, samples, o, LocalNormaliser(samples, false, 8));
    ASSERT_TRUE(r) << r.error().message();
  }
  EXPECT_GT(SequenceLogProb(*policy, samples[0]), up_before + 0.1);
  EXPECT_LT(SequenceLogProb(*policy, samples[1]), down_before - 0.1);
}

TEST(GrpoUpdateTest, FirstPassRatioIsOneLaterPassesClip) {
  auto policy = TinyModel(9);
  AdamW opt(Named(*policy), {});
  auto samples = Samples(10);
  UpdateOptions o = Options();
  o.lr = 5e-2;  // large, so the second pass sees ρ far from 1
  o.max_grad_norm = 0;
  const Normaliser norm = LocalNormaliser(samples, false, 8);
  PassCache cache;
  auto pass1 = AccumulateGradients(*policy, nullptr, samples, o, norm, &cache);
  ASSERT_TRUE(pass1);
  EXPECT_EQ(pass1->clip_low + pass1->clip_high, 0);
  EXPECT_GT(pass1->abs_dlogp_sum, 0);  // the rollout's made-up log-probs differ
  ASSERT_TRUE(opt.Step(o.lr, 0));
  policy->zero_grad();
  auto pass2 = AccumulateGradients(*policy, nullptr, samples, o, norm, &cache);
  ASSERT_TRUE(pass2);
  EXPECT_GT(pass2->clip_low + pass2->clip_high, 0);

  auto fresh = TinyModel(9);
  AdamW fresh_opt(Named(*fresh), {});
  o.epochs_per_batch = 3;
  auto r = Update(*fresh, nullptr, fresh_opt, samples, o, norm);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->passes, 3);
  EXPECT_EQ(r->grad_norms.size(), 3u);
  EXPECT_EQ(fresh_opt.step(), 3);
  EXPECT_GT(r->ClipLowFraction() + r->ClipHighFraction(), 0);
  EXPECT_EQ(r->loss_tokens, norm.tokens);
}

TEST(GrpoUpdateTest, MaskTruncatedCompletionsCarryNoGradient) {
  auto policy = TinyModel(11);
  auto samples = Samples(12);
  for (auto& s : samples) s.truncated = true;
  UpdateOptions o = Options();
  o.mask_truncated = true;
  o.loss = LossAggregation::kGrpo;
  const Normaliser norm = LocalNormaliser(samples, true, 8);
  EXPECT_EQ(norm.tokens, 0);
  EXPECT_EQ(norm.sequences, 6);
  PassCache cache;
  auto stats = AccumulateGradients(*policy, nullptr, samples, o, norm, &cache);
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_EQ(stats->masked_truncated, 6);
  EXPECT_EQ(stats->loss_tokens, 0);
  for (const auto& p : policy->parameters()) {
    if (p.grad().defined()) {
      EXPECT_EQ(p.grad().abs().max().item<double>(), 0.0);
    }
  }
  // Half truncated: the stats count them.
  for (size_t i = 0; i < samples.size(); ++i) samples[i].truncated = i % 2 == 0;
  policy->zero_grad();
  PassCache cache2;
  stats =
      AccumulateGradients(*policy, nullptr, samples, o, LocalNormaliser(samples, true, 8), &cache2);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->masked_truncated, 3);
}

TEST(GrpoUpdateTest, RejectsBadSamplesAndOptionsNamingThem) {
  auto policy = TinyModel(1);
  AdamW opt(Named(*policy), {});
  UpdateOptions o = Options();
  auto check = [&](std::vector<TrainSample> samples, const std::string& want,
                   const UpdateOptions& options) {
    auto r = Update(*policy, nullptr, opt, samples, options, LocalNormaliser(samples, false, 8));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find(want), std::string::npos) << r.error().message();
  };
  auto samples = Samples(1);
  samples[4].completion_ids[0] = kVocabLimit;
  check(samples, "train sample 4: completion token 0 is id 90", o);
  samples = Samples(1);
  samples[2].old_logprobs.pop_back();
  check(samples, "train sample 2:", o);
  samples = Samples(1);
  samples[1].prompt_ids.clear();
  check(samples, "train sample 1: empty prompt", o);
  UpdateOptions kl = o;
  kl.policy.beta = 0.01;
  check(Samples(1), "needs a reference model", kl);
  EXPECT_EQ(opt.step(), 0);
}

TEST(SftTest, GradientIsMinusMeanAnswerLogProbAndSplitsAdd) {
  auto model = TinyModel(13);
  std::vector<SftSample> samples;
  for (const auto& t : Samples(14)) samples.push_back({t.prompt_ids, t.completion_ids});
  Normaliser norm;
  for (const auto& s : samples) norm.tokens += static_cast<double>(s.answer_ids.size());

  // Reference: full logits per sequence, log_softmax over the allowed ids.
  torch::Tensor total = torch::zeros({});
  for (const auto& s : samples) {
    std::vector<int64_t> ids(s.prompt_ids.begin(), s.prompt_ids.end());
    ids.insert(ids.end(), s.answer_ids.begin(), s.answer_ids.end() - 1);
    const int64_t n = static_cast<int64_t>(ids.size());
    auto logits = model->Forward(torch::tensor(ids).unsqueeze(0), torch::arange(n).unsqueeze(0),
                                 torch::ones({1, n}, torch::kBool));
    auto logp = torch::log_softmax(logits[0]
                                       .narrow(0, static_cast<int64_t>(s.prompt_ids.size()) - 1,
                                               static_cast<int64_t>(s.answer_ids.size()))
                                       .narrow(1, 0, kVocabLimit),
                                   1);
    std::vector<int64_t> answer(s.answer_ids.begin(), s.answer_ids.end());
    total = total + logp.gather(1, torch::tensor(answer).unsqueeze(1)).sum();
  }
  auto ref_loss = -total / norm.tokens;
  ref_loss.backward();
  std::map<std::string, torch::Tensor> want;
  for (const auto& item : model->named_parameters()) want[item.key()] = item.value().grad().clone();
  model->zero_grad();

  for (int64_t budget : {1 << 20, 10}) {
    auto stats = AccumulateSftGradients(*model, samples, {kVocabLimit, 32, budget, 0}, norm);
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_NEAR(stats->loss, ref_loss.item<double>(), 1e-5);
    EXPECT_EQ(stats->tokens, norm.tokens);
    for (const auto& item : model->named_parameters()) {
      const auto& g = item.value().grad();
      const double err =
          (g - want[item.key()]).norm().item<double>() / want[item.key()].norm().item<double>();
      EXPECT_LE(err, 1e-5) << item.key() << " budget " << budget;
    }
    model->zero_grad();
  }
}

}  // namespace
}  // namespace swerl::train

// ChunkedLogProbs against log_softmax + gather through full logits (LibTorch
// autograd, float64), ComputeAdvantages' properties, LrSchedule.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "trainer/grpo/advantages.h"
#include "trainer/grpo/logprob.h"
#include "trainer/optim/schedule.h"

namespace swerl::train {
namespace {

struct Reference {
  torch::Tensor logp, entropy, grad_hidden, grad_weight;
};

// The textbook computation: full (N, V) logits, padded ids dropped, / T,
// log_softmax, gather; backward of Σ upstream · logp.
Reference FullLogProbs(const torch::Tensor& hidden, const torch::Tensor& weight,
                       const torch::Tensor& targets, double temperature, int64_t limit,
                       const torch::Tensor& upstream) {
  auto h = hidden.detach().clone().requires_grad_(true);
  auto w = weight.detach().clone().requires_grad_(true);
  auto logits = torch::matmul(h, w.t()).narrow(1, 0, limit) / temperature;
  auto logp_all = torch::log_softmax(logits, 1);
  auto logp = logp_all.gather(1, targets.unsqueeze(1)).squeeze(1);
  auto entropy = -(logp_all.exp() * logp_all).sum(1);
  (logp * upstream).sum().backward();
  return {logp.detach(), entropy.detach(), h.grad(), w.grad()};
}

double MaxAbs(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

TEST(ChunkedLogProbsTest, EqualsLogSoftmaxGatherForwardAndBackwardFloat64) {
  torch::manual_seed(0);
  const int64_t n = 37, h = 16, v = 101;
  struct Case {
    double temperature;
    int64_t limit, chunk;
  };
  // Chunks dividing nothing, larger than V, of one column; limits below V.
  for (const Case& c : {Case{1.0, 101, 16}, Case{0.7, 101, 7}, Case{1.3, 90, 13}, Case{0.5, 64, 1},
                        Case{2.0, 100, 500}, Case{1.0, 33, 33}}) {
    SCOPED_TRACE("T " + std::to_string(c.temperature) + " limit " + std::to_string(c.limit) +
                 " chunk " + std::to_string(c.chunk));
    auto hidden = torch::randn({n, h}, torch::kFloat64) * 2;
    auto weight = torch::randn({v, h}, torch::kFloat64);
    auto targets = torch::randint(0, c.limit, {n}, torch::kInt64);
    auto upstream = torch::randn({n}, torch::kFloat64);
    const Reference ref = FullLogProbs(hidden, weight, targets, c.temperature, c.limit, upstream);

    auto hg = hidden.clone().requires_grad_(true);
    auto wg = weight.clone().requires_grad_(true);
    auto out = ChunkedLogProbs(hg, wg, targets, {c.temperature, c.limit, c.chunk});
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(out->logp.scalar_type(), torch::kFloat64);
    EXPECT_LE(MaxAbs(out->logp, ref.logp), 1e-9);
    EXPECT_LE(MaxAbs(out->entropy, ref.entropy), 1e-9);
    EXPECT_FALSE(out->entropy.requires_grad());
    (out->logp * upstream).sum().backward();
    EXPECT_LE(MaxAbs(hg.grad(), ref.grad_hidden), 1e-9);
    EXPECT_LE(MaxAbs(wg.grad(), ref.grad_weight), 1e-9);
    // Padded rows carry no probability and get no gradient.
    if (c.limit < v) {
      EXPECT_EQ(wg.grad().narrow(0, c.limit, v - c.limit).abs().max().item<double>(), 0.0);
    }
  }
}

TEST(ChunkedLogProbsTest, Float32AndBfloat16StayCloseToFloat64) {
  torch::manual_seed(1);
  const int64_t n = 20, h = 32, v = 300;
  auto hidden = torch::randn({n, h}, torch::kFloat64);
  auto weight = torch::randn({v, h}, torch::kFloat64) * 0.5;
  auto targets = torch::randint(0, 280, {n}, torch::kInt64);
  auto upstream = torch::ones({n}, torch::kFloat64);
  const Reference ref = FullLogProbs(hidden, weight, targets, 0.9, 280, upstream);
  for (auto dtype : {torch::kFloat32, torch::kBFloat16}) {
    const double tol = dtype == torch::kFloat32 ? 1e-5 : 0.2;
    auto hg = hidden.to(dtype).requires_grad_(true);
    auto wg = weight.to(dtype).requires_grad_(true);
    auto out = ChunkedLogProbs(hg, wg, targets, {0.9, 280, 64});
    ASSERT_TRUE(out);
    EXPECT_EQ(out->logp.scalar_type(), torch::kFloat32);  // fp32 accumulation
    EXPECT_LE(MaxAbs(out->logp, ref.logp), tol);
    out->logp.sum().backward();
    EXPECT_EQ(hg.grad().scalar_type(), dtype);
    EXPECT_LE(MaxAbs(hg.grad(), ref.grad_hidden), tol * 10);
  }
}

TEST(ChunkedLogProbsTest, NoGradModeAndFrozenWeight) {
  torch::manual_seed(2);
  auto hidden = torch::randn({5, 8}, torch::kFloat64).requires_grad_(true);
  auto weight = torch::randn({30, 8}, torch::kFloat64);  // frozen: no grad wanted
  auto targets = torch::randint(0, 30, {5}, torch::kInt64);
  auto out = ChunkedLogProbs(hidden, weight, targets, {1.0, 0, 8});
  ASSERT_TRUE(out);
  out->logp.sum().backward();
  EXPECT_TRUE(hidden.grad().defined());
  EXPECT_FALSE(weight.grad().defined());
  torch::NoGradGuard no_grad;
  auto out2 = ChunkedLogProbs(hidden, weight, targets, {1.0, 0, 8});
  ASSERT_TRUE(out2);
  EXPECT_FALSE(out2->logp.requires_grad());
  EXPECT_TRUE(torch::equal(out2->logp, out->logp.detach()));
}

TEST(ChunkedLogProbsTest, RejectsBadInputsNamingThem) {
  auto hidden = torch::randn({4, 8});
  auto weight = torch::randn({20, 8});
  auto targets = torch::tensor({1, 2, 18, 3}, torch::kInt64);
  auto r = ChunkedLogProbs(hidden, weight, targets, {1.0, 18, 8});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("target 2 is id 18"), std::string::npos)
      << r.error().message();
  EXPECT_FALSE(ChunkedLogProbs(hidden, weight, targets, {0.0, 0, 8}));
  EXPECT_FALSE(ChunkedLogProbs(hidden, weight, targets, {1.0, 21, 8}));
  EXPECT_FALSE(ChunkedLogProbs(hidden, weight, targets, {1.0, 0, 0}));
  EXPECT_FALSE(ChunkedLogProbs(hidden, torch::randn({20, 7}), targets, {}));
  EXPECT_FALSE(ChunkedLogProbs(hidden, weight, targets.to(torch::kInt32), {}));
  EXPECT_FALSE(ChunkedLogProbs(hidden, weight.to(torch::kFloat64), targets, {}));
}

// ------------------------------------------------------------------ advantages

TEST(AdvantagesTest, ZeroStdGroupsAreExactlyZeroAndCounted) {
  const std::vector<double> rewards = {0.1, 0.1, 0.1, 1, -1, 0.5, -1, -1, -1};
  for (AdvStd mode : {AdvStd::kGroup, AdvStd::kBatch, AdvStd::kNone}) {
    auto a = ComputeAdvantages(rewards, 3, {mode, 1e-6});
    ASSERT_TRUE(a);
    EXPECT_EQ(a->zero_std_groups, 2);
    EXPECT_EQ(a->zero_std, (std::vector<bool>{true, false, true}));
    for (int i : {0, 1, 2, 6, 7, 8}) EXPECT_EQ(a->values[i], 0.0);
    EXPECT_NEAR(a->values[3] + a->values[4] + a->values[5], 0.0, 1e-12);
  }
  // eps = 0 is allowed: zero-std groups still never divide.
  auto a = ComputeAdvantages(rewards, 3, {AdvStd::kGroup, 0.0});
  ASSERT_TRUE(a);
  for (double v : a->values) EXPECT_TRUE(std::isfinite(v));
}

TEST(AdvantagesTest, GroupZScoreUsesBesselStd) {
  const std::vector<double> rewards = {1, 2, 3, 4};
  auto a = ComputeAdvantages(rewards, 4, {AdvStd::kGroup, 0.0});
  ASSERT_TRUE(a);
  const double std = std::sqrt(5.0 / 3.0);  // unbiased
  EXPECT_DOUBLE_EQ(a->values[0], -1.5 / std);
  EXPECT_DOUBLE_EQ(a->values[3], 1.5 / std);
}

TEST(AdvantagesTest, GroupOfOneHasMeanZeroStdOne) {
  const std::vector<double> rewards = {0.5, -1};
  auto g = ComputeAdvantages(rewards, 1, {AdvStd::kGroup, 1e-6});
  ASSERT_TRUE(g);
  EXPECT_DOUBLE_EQ(g->values[0], 0.5 / (1 + 1e-6));
  EXPECT_EQ(g->zero_std_groups, 0);
  auto n = ComputeAdvantages(rewards, 1, {AdvStd::kNone, 1e-6});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->values, rewards);
}

TEST(AdvantagesTest, BatchStdFromAllReducedMomentsEqualsOneProcess) {
  // Two "ranks" with two groups each: summing their moments gives the same
  // advantages as one process holding all four groups.
  std::vector<double> all = {1, 0, 0.3, -1, 0.8, 0.2, -1, 1, 0.5, 0.5, 0.1, 0.9};
  auto whole = ComputeAdvantages(all, 3, {AdvStd::kBatch, 1e-6});
  ASSERT_TRUE(whole);
  std::span<const double> r0(all.data(), 6), r1(all.data() + 6, 6);
  RewardMoments m0 = MomentsOf(r0), m1 = MomentsOf(r1);
  RewardMoments sum{m0.sum + m1.sum, m0.sum_sq + m1.sum_sq, m0.count + m1.count};
  auto a0 = ComputeAdvantages(r0, 3, {AdvStd::kBatch, 1e-6}, &sum);
  auto a1 = ComputeAdvantages(r1, 3, {AdvStd::kBatch, 1e-6}, &sum);
  ASSERT_TRUE(a0 && a1);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_NEAR(a0->values[i], whole->values[i], 1e-12);
    EXPECT_NEAR(a1->values[i], whole->values[6 + i], 1e-12);
  }
  // Without the global moments, a rank's own std differs.
  auto local = ComputeAdvantages(r0, 3, {AdvStd::kBatch, 1e-6});
  ASSERT_TRUE(local);
  EXPECT_GT(std::abs(local->values[0] - whole->values[0]), 1e-3);
}

TEST(AdvantagesTest, RejectsBadInput) {
  const std::vector<double> five = {1, 2, 3, 4, 5};
  EXPECT_FALSE(ComputeAdvantages(five, 2, {}));
  EXPECT_FALSE(ComputeAdvantages(five, 0, {}));
  const std::vector<double> nan = {1, std::numeric_limits<double>::quiet_NaN()};
  auto r = ComputeAdvantages(nan, 2, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("reward 1"), std::string::npos);
  EXPECT_TRUE(ParseAdvStd("batch") && *ParseAdvStd("batch") == AdvStd::kBatch);
  EXPECT_FALSE(ParseAdvStd("grp"));
}

// ------------------------------------------------------------------ schedule

TEST(LrScheduleTest, WarmupThenConstantOrCosine) {
  LrSchedule c{1e-6, 10, ScheduleKind::kConstant, 0, 0};
  ASSERT_TRUE(c.Validate());
  EXPECT_DOUBLE_EQ(c.At(0), 1e-7);  // never 0
  EXPECT_DOUBLE_EQ(c.At(9), 1e-6);
  EXPECT_DOUBLE_EQ(c.At(500), 1e-6);
  LrSchedule cos{1.0, 2, ScheduleKind::kCosine, 12, 0.1};
  ASSERT_TRUE(cos.Validate());
  EXPECT_DOUBLE_EQ(cos.At(0), 0.5);
  EXPECT_DOUBLE_EQ(cos.At(2), 1.0);
  EXPECT_NEAR(cos.At(7), 0.1 + 0.9 * 0.5, 1e-15);
  EXPECT_DOUBLE_EQ(cos.At(12), 0.1);
  EXPECT_DOUBLE_EQ(cos.At(100), 0.1);
  LrSchedule none{1.0, 0, ScheduleKind::kConstant, 0, 0};
  EXPECT_DOUBLE_EQ(none.At(0), 1.0);
  EXPECT_FALSE((LrSchedule{1.0, 5, ScheduleKind::kCosine, 5, 0}).Validate());
  EXPECT_FALSE((LrSchedule{-1.0, 5, ScheduleKind::kConstant, 0, 0}).Validate());
  EXPECT_FALSE(ParseScheduleKind("linear"));
}

}  // namespace
}  // namespace swerl::train

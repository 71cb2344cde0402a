// SampleTokens on hand-made logits: greedy, temperature, top-k, top-p,
// vocabulary masking and the log-probabilities it reports. A grid of
// uniforms u = (i + 0.5) / N turns inverse-CDF sampling into exact counts.
#include "trainer/generate/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

namespace swerl::train {
namespace {

constexpr int kGrid = 10000;

// Samples one row `kGrid` times (as a batch) and returns each id's share.
std::map<int64_t, double> Shares(const std::vector<float>& logits, const SamplingParams& p,
                                 int64_t limit, SampledTokens* first = nullptr) {
  auto row =
      torch::tensor(logits).unsqueeze(0).expand({kGrid, static_cast<int64_t>(logits.size())});
  auto u = (torch::arange(kGrid, torch::kFloat64) + 0.5) / kGrid;
  SampledTokens s = SampleTokens(row, p, limit, u);
  std::map<int64_t, double> shares;
  auto ids = s.ids.accessor<int64_t, 1>();
  for (int i = 0; i < kGrid; ++i) shares[ids[i]] += 1.0 / kGrid;
  if (first) *first = s;
  return shares;
}

std::vector<float> LogOf(const std::vector<double>& probs) {
  std::vector<float> out;
  for (double p : probs) out.push_back(static_cast<float>(std::log(p)));
  return out;
}

TEST(SamplerTest, GreedyTakesTheArgmaxBelowTheLimit) {
  auto logits = torch::tensor({0.f, 3.f, 1.f, 2.f, 1.f, 9.f}).reshape({2, 3});
  SamplingParams p;
  p.greedy = true;
  SampledTokens s = SampleTokens(logits, p, 3, torch::zeros({2}, torch::kFloat64));
  EXPECT_EQ(s.ids[0].item<int64_t>(), 1);
  EXPECT_EQ(s.ids[1].item<int64_t>(), 2);
  EXPECT_NEAR(s.logprobs[1].item<float>(),
              9 - std::log(std::exp(2.0) + std::exp(1.0) + std::exp(9.0)), 1e-5);
  EXPECT_EQ(s.sample_logprobs[1].item<float>(), 0.0f);
  // With a 2-token vocabulary id 2 is padding: never chosen, no mass.
  s = SampleTokens(logits, p, 2, torch::zeros({2}, torch::kFloat64));
  EXPECT_EQ(s.ids[0].item<int64_t>(), 1);
  EXPECT_EQ(s.ids[1].item<int64_t>(), 0);
  EXPECT_NEAR(s.logprobs[1].item<float>(), 2 - std::log(std::exp(2.0) + std::exp(1.0)), 1e-5);
}

TEST(SamplerTest, PlainSamplingFollowsTheSoftmax) {
  const std::vector<double> probs = {0.1, 0.2, 0.3, 0.4};
  SamplingParams p;
  SampledTokens s;
  auto shares = Shares(LogOf(probs), p, 4, &s);
  for (int id = 0; id < 4; ++id) EXPECT_NEAR(shares[id], probs[id], 1.5 / kGrid) << id;
  // logprobs and sample_logprobs: both log p at temperature 1.
  for (int i = 0; i < kGrid; i += 997) {
    const int64_t id = s.ids[i].item<int64_t>();
    EXPECT_NEAR(s.logprobs[i].item<float>(), std::log(probs[id]), 1e-5);
    EXPECT_NEAR(s.sample_logprobs[i].item<float>(), std::log(probs[id]), 1e-5);
  }
}

TEST(SamplerTest, TemperatureSharpensOrFlattens) {
  const std::vector<double> probs = {0.1, 0.2, 0.3, 0.4};
  for (double t : {0.5, 2.0}) {
    SamplingParams p;
    p.temperature = t;
    SampledTokens s;
    auto shares = Shares(LogOf(probs), p, 4, &s);
    double z = 0;
    for (double q : probs) z += std::pow(q, 1 / t);
    for (int id = 0; id < 4; ++id)
      EXPECT_NEAR(shares[id], std::pow(probs[id], 1 / t) / z, 1.5 / kGrid);
    // logprobs stay the temperature-1 policy; sample_logprobs are the
    // tempered distribution.
    const int64_t id = s.ids[0].item<int64_t>();
    EXPECT_NEAR(s.logprobs[0].item<float>(), std::log(probs[id]), 1e-5);
    EXPECT_NEAR(s.sample_logprobs[0].item<float>(), std::log(std::pow(probs[id], 1 / t) / z), 1e-5);
  }
}

TEST(SamplerTest, TopKKeepsTheKLargest) {
  const std::vector<double> probs = {0.05, 0.4, 0.1, 0.3, 0.15};
  SamplingParams p;
  p.top_k = 2;
  SampledTokens s;
  auto shares = Shares(LogOf(probs), p, 5, &s);
  EXPECT_EQ(shares.size(), 2u);
  EXPECT_NEAR(shares[1], 0.4 / 0.7, 1.5 / kGrid);
  EXPECT_NEAR(shares[3], 0.3 / 0.7, 1.5 / kGrid);
  const int64_t id = s.ids[0].item<int64_t>();
  EXPECT_NEAR(s.sample_logprobs[0].item<float>(), std::log(probs[id] / 0.7), 1e-5);
  EXPECT_NEAR(s.logprobs[0].item<float>(), std::log(probs[id]), 1e-5);
  // k at or above the vocabulary is no filter.
  p.top_k = 50;
  EXPECT_EQ(Shares(LogOf(probs), p, 5).size(), 5u);
}

TEST(SamplerTest, TopPKeepsTheSmallestSetReachingP) {
  const std::vector<double> probs = {0.15, 0.5, 0.05, 0.3};  // sorted: 0.5, 0.3, 0.15, 0.05
  SamplingParams p;
  p.top_p = 0.7;  // 0.5 < 0.7 so 0.3 joins; 0.8 >= 0.7 stops
  auto shares = Shares(LogOf(probs), p, 4);
  EXPECT_EQ(shares.size(), 2u);
  EXPECT_NEAR(shares[1], 0.5 / 0.8, 1.5 / kGrid);
  EXPECT_NEAR(shares[3], 0.3 / 0.8, 1.5 / kGrid);
  p.top_p = 0.9;
  EXPECT_EQ(Shares(LogOf(probs), p, 4).size(), 3u);
  p.top_p = 0.01;  // the most likely token always stays
  shares = Shares(LogOf(probs), p, 4);
  ASSERT_EQ(shares.size(), 1u);
  EXPECT_EQ(shares.begin()->first, 1);
  // Together with top-k (top-k first, as transformers orders them).
  p.top_p = 0.6;
  p.top_k = 3;  // {0.5, 0.3, 0.15} renormalised: 0.526, 0.316, 0.158
  shares = Shares(LogOf(probs), p, 4);
  EXPECT_EQ(shares.size(), 2u);
}

TEST(SamplerTest, NeverPicksMaskedIdsEvenAtTheEdgeOfTheCdf) {
  // The masked ids carry most of the raw mass and sit last.
  auto logits = torch::tensor({1.f, 2.f, 30.f, 30.f}).unsqueeze(0).expand({4, 4});
  auto u = torch::tensor({0.0, 0.5, 0.9999999999, std::nextafter(1.0, 0.0)}, torch::kFloat64);
  for (double top_p : {1.0, 0.99}) {
    SamplingParams p;
    p.top_p = top_p;
    SampledTokens s = SampleTokens(logits, p, 2, u);
    for (int i = 0; i < 4; ++i) EXPECT_LT(s.ids[i].item<int64_t>(), 2);
    EXPECT_TRUE(torch::isfinite(s.logprobs).all().item<bool>());
  }
}

TEST(SamplerTest, ValidatesParams) {
  SamplingParams p;
  EXPECT_TRUE(ValidateSamplingParams(p));
  p.temperature = 0;
  EXPECT_FALSE(ValidateSamplingParams(p));
  p.greedy = true;  // temperature is then ignored
  EXPECT_TRUE(ValidateSamplingParams(p));
  p = SamplingParams();
  p.top_p = 1.5;
  EXPECT_FALSE(ValidateSamplingParams(p));
  p = SamplingParams();
  p.top_k = -1;
  EXPECT_FALSE(ValidateSamplingParams(p));
}

TEST(SamplerTest, StreamsAreReproducibleAndDistinct) {
  std::set<uint64_t> seeds;
  for (uint64_t i = 0; i < 1000; ++i) seeds.insert(DeriveSeed(7, i));
  for (uint64_t s = 0; s < 1000; ++s) seeds.insert(DeriveSeed(s + 8, 0));
  EXPECT_EQ(seeds.size(), 2000u);
  UniformStream a(DeriveSeed(1, 2)), b(DeriveSeed(1, 2));
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double x = a.Next();
    EXPECT_EQ(x, b.Next());
    EXPECT_GE(x, 0.0);
    EXPECT_LT(x, 1.0);
    sum += x;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

}  // namespace
}  // namespace swerl::train

// SampleTokens on hand-made logits: greedy, temperature, top-k, top-p,
// vocabulary masking and the log-probabilities it reports. A grid of
// uniforms u = (i + 0.5) / N turns inverse-CDF sampling into exact counts.
#include "trainer/generate/sampler.h"

#include <gtest/gtest.h>

#include <bit>
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
    // policy_logprobs: the tempered distribution without top-k/top-p.
    for (int i = 0; i < kGrid; i += 997) {
      const int64_t j = s.ids[i].item<int64_t>();
      EXPECT_NEAR(s.policy_logprobs[i].item<float>(), std::log(std::pow(probs[j], 1 / t) / z),
                  1e-5);
    }
  }
}

TEST(SamplerTest, PolicyLogprobsIgnoreTopKAndTopPButNotTemperatureOrTheLimit) {
  // Two padded ids past the limit carry most of the raw mass.
  const std::vector<double> probs = {0.05, 0.4, 0.1, 0.3, 0.15};
  std::vector<float> logits = LogOf(probs);
  logits.push_back(9.f);
  logits.push_back(8.f);
  const double t = 0.6;
  double z = 0;
  for (double q : probs) z += std::pow(q, 1 / t);
  SamplingParams p;
  p.temperature = t;
  p.top_k = 3;
  p.top_p = 0.8;
  SampledTokens s;
  auto shares = Shares(logits, p, 5, &s);
  EXPECT_LE(shares.size(), 3u);
  for (int i = 0; i < kGrid; i += 499) {
    const int64_t id = s.ids[i].item<int64_t>();
    ASSERT_LT(id, 5);
    EXPECT_NEAR(s.policy_logprobs[i].item<float>(), std::log(std::pow(probs[id], 1 / t) / z), 1e-5);
    EXPECT_NEAR(s.logprobs[i].item<float>(), std::log(probs[id]), 1e-5);
    EXPECT_GT(s.sample_logprobs[i].item<float>(), s.policy_logprobs[i].item<float>());
  }
  // Greedy: the temperature is ignored, so the policy is the T = 1 one.
  p.greedy = true;
  SampledTokens g =
      SampleTokens(torch::tensor(logits).unsqueeze(0), p, 5, torch::zeros({1}, torch::kFloat64));
  EXPECT_EQ(g.ids[0].item<int64_t>(), 1);
  EXPECT_NEAR(g.policy_logprobs[0].item<float>(), std::log(0.4), 1e-5);
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
    EXPECT_TRUE(torch::isfinite(s.policy_logprobs).all().item<bool>());
  }
}

// The flat reference: the first id whose float64 cumulative probability
// exceeds u * total (what SampleTokens computes in two levels).
std::vector<int64_t> FlatInverseCdf(const torch::Tensor& probs, const torch::Tensor& u) {
  auto cdf = probs.to(torch::kFloat64).cumsum(-1);
  auto total = cdf.narrow(-1, cdf.size(-1) - 1, 1);
  auto pick = torch::searchsorted(cdf, (u.reshape({-1, 1}) * total).contiguous(), false, true);
  std::vector<int64_t> out;
  for (int64_t i = 0; i < pick.size(0); ++i) out.push_back(pick[i][0].item<int64_t>());
  return out;
}

TEST(SamplerTest, TheTwoLevelCdfPicksWhatAFlatFloat64CdfPicks) {
  // A large vocabulary (many blocks of the two-level search), rows from
  // nearly flat to peaked, a limit that cuts a block in two.
  const int64_t vocab = 40000, limit = 38500, rows = 32;
  torch::manual_seed(3);
  auto logits = torch::randn({rows, vocab}) * torch::linspace(0.01, 6.0, rows).unsqueeze(1);
  auto u = torch::rand({rows}, torch::kFloat64);
  u[0] = 0.0;
  u[1] = std::nextafter(1.0, 0.0);
  for (double t : {1.0, 0.7}) {
    SamplingParams p;
    p.temperature = t;
    torch::Tensor workspace;
    SampledTokens s = SampleTokens(logits, p, limit, u, &workspace);
    auto probs = torch::softmax(logits.narrow(1, 0, limit) / t, -1);
    std::vector<int64_t> want = FlatInverseCdf(probs, u);
    auto logp = torch::log_softmax(logits.narrow(1, 0, limit), -1);
    auto logq = torch::log_softmax(logits.narrow(1, 0, limit) / t, -1);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t id = s.ids[r].item<int64_t>();
      EXPECT_EQ(id, std::min(want[r], limit - 1)) << "row " << r << " t " << t;
      EXPECT_NEAR(s.logprobs[r].item<float>(), logp[r][id].item<float>(), 2e-5);
      EXPECT_NEAR(s.policy_logprobs[r].item<float>(), logq[r][id].item<float>(), 2e-5);
      EXPECT_EQ(s.sample_logprobs[r].item<float>(), s.policy_logprobs[r].item<float>());
    }
    // The workspace is reused, not regrown, by a second call with fewer rows.
    const void* data = workspace.data_ptr();
    SampledTokens again =
        SampleTokens(logits.narrow(0, 0, 10), p, limit, u.narrow(0, 0, 10), &workspace);
    EXPECT_EQ(workspace.data_ptr(), data);
    EXPECT_TRUE(torch::equal(again.ids, s.ids.narrow(0, 0, 10)));
  }
  // Top-p over the sorted candidates goes through the same search.
  SamplingParams p;
  p.top_p = 0.9;
  SampledTokens s = SampleTokens(logits, p, limit, u);
  auto [values, order] = logits.narrow(1, 0, limit).sort(-1, /*descending=*/true);
  auto probs = torch::softmax(values, -1);
  auto keep = (probs.cumsum(-1) - probs) < 0.9;
  keep.select(1, 0).fill_(true);
  std::vector<int64_t> want = FlatInverseCdf(probs * keep, u);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t last_kept = keep[r].sum().item<int64_t>() - 1;
    EXPECT_EQ(s.ids[r].item<int64_t>(), order[r][std::min(want[r], last_kept)].item<int64_t>())
        << "row " << r;
  }
}

TEST(SamplerTest, SharesAreExactAcrossBlocks) {
  // Mass on four ids in different blocks, the rest (and the ids past the
  // limit) with none to speak of.
  std::vector<float> logits(2200, -1e4f);
  const std::map<int64_t, double> probs = {{3, 0.1}, {1030, 0.2}, {2047, 0.3}, {2080, 0.4}};
  for (const auto& [id, q] : probs) logits[id] = static_cast<float>(std::log(q));
  logits[2150] = 50.f;
  auto shares = Shares(logits, SamplingParams(), 2100);
  EXPECT_EQ(shares.size(), 4u);
  for (const auto& [id, q] : probs) EXPECT_NEAR(shares[id], q, 1.5 / kGrid) << id;
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

TEST(SamplerTest, RolloutKeysFollowTheDocumentedDefinition) {
  // Values of the definition in sampling_params.h, computed independently
  // (Python integers mod 2^64).
  EXPECT_EQ(RolloutKey(0, 0, 0, 0), 0x5549bcb5eb23384cULL);
  EXPECT_EQ(RolloutKey(1234, 7, 42, 3), 0x10d99f3de45014dcULL);
  const uint64_t max = ~uint64_t{0};
  EXPECT_EQ(RolloutKey(max, max, max, max), 0xd7931486a9f9d864ULL);
  UniformStream u(RolloutKey(1234, 7, 42, 3));
  EXPECT_EQ(u.Next(), 0.009592641672545255);
  EXPECT_EQ(u.Next(), 0.8785538249886989);
  EXPECT_EQ(u.Next(), 0.2523026521313797);
}

TEST(SamplerTest, RolloutKeysAreDistinctAndWellMixed) {
  // Every field matters, including the order of the fields: no collisions
  // over a grid where fields swap values.
  std::set<uint64_t> keys;
  int64_t n = 0;
  for (uint64_t a = 0; a < 6; ++a)
    for (uint64_t b = 0; b < 6; ++b)
      for (uint64_t c = 0; c < 6; ++c)
        for (uint64_t d = 0; d < 6; ++d, ++n) keys.insert(RolloutKey(a, b, c, d));
  for (uint64_t i = 0; i < 1000; ++i, ++n) keys.insert(DeriveSeed(0, i));  // another domain
  EXPECT_EQ(static_cast<int64_t>(keys.size()), n);
  // Avalanche: flipping any one input bit flips about half the output bits.
  double flipped = 0;
  int64_t trials = 0;
  for (int field = 0; field < 4; ++field) {
    for (int bit = 0; bit < 64; ++bit) {
      uint64_t f[4] = {99, 1600, 273000, 15};
      const uint64_t base = RolloutKey(f[0], f[1], f[2], f[3]);
      f[field] ^= uint64_t{1} << bit;
      flipped += std::popcount(base ^ RolloutKey(f[0], f[1], f[2], f[3]));
      ++trials;
    }
  }
  EXPECT_NEAR(flipped / trials, 32.0, 1.5);
  // Each output bit is set about half the time over consecutive sample ids.
  for (int bit = 0; bit < 64; ++bit) {
    int ones = 0;
    for (uint64_t j = 0; j < 4096; ++j) ones += (RolloutKey(1, 2, 3, j) >> bit) & 1;
    EXPECT_NEAR(ones / 4096.0, 0.5, 0.04) << "bit " << bit;
  }
}

}  // namespace
}  // namespace swerl::train

// The GRPO loss, advantages, AdamW and whole-model gradients against the
// PyTorch / transformers references of tests/oracles/grpo_oracle.py.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "grpo_ref.h"
#include "trainer/grpo/advantages.h"
#include "trainer/grpo/loss.h"
#include "trainer/grpo/update.h"
#include "trainer/model/loader.h"
#include "trainer/optim/adamw.h"
#include "trainer/optim/schedule.h"

namespace swerl::train {
namespace {

using testing::GrpoManifest;
using testing::GrpoTensor;
using testing::RelError;

std::string Str(simdjson::dom::element e) { return std::string(std::string_view(e.get_string())); }

std::vector<double> ToVector(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// ------------------------------------------------------------------ loss cases

struct LossCase {
  std::string name;
  AdvantageOptions adv_options;
  int64_t group = 0;
  LossAggregation aggregation = LossAggregation::kDapo;
  PolicyLossOptions policy;
  bool mask_truncated = false;
  int64_t max_new_tokens = 0;
  std::vector<int64_t> lengths;
  std::vector<bool> truncated, zero_std;
  double tokens = 0, kl = 0, clip_low = 0, clip_high = 0, clip_dual = 0;
};

std::vector<LossCase> LossCases() {
  std::vector<LossCase> out;
  for (simdjson::dom::element c : GrpoManifest()["loss_cases"].get_array()) {
    LossCase lc;
    lc.name = Str(c["name"]);
    lc.adv_options.std = *ParseAdvStd(Str(c["adv_std"]));
    lc.adv_options.eps = double(c["eps"]);
    lc.group = int64_t(c["group"]);
    lc.aggregation = *ParseLossAggregation(Str(c["loss"]));
    lc.policy = {double(c["clip_low"]), double(c["clip_high"]), double(c["dual_clip"]),
                 double(c["beta"])};
    lc.mask_truncated = bool(c["mask_truncated"]);
    lc.max_new_tokens = int64_t(c["max_new_tokens"]);
    for (auto e : c["lengths"].get_array()) lc.lengths.push_back(int64_t(e));
    for (auto e : c["truncated"].get_array()) lc.truncated.push_back(bool(e));
    for (auto e : c["zero_std"].get_array()) lc.zero_std.push_back(bool(e));
    auto s = c["stats"];
    lc.tokens = double(s["tokens"]);
    lc.kl = double(s["kl"]);
    lc.clip_low = double(s["clip_low"]);
    lc.clip_high = double(s["clip_high"]);
    lc.clip_dual = double(s["clip_dual"]);
    out.push_back(std::move(lc));
  }
  return out;
}

struct TokenInputs {
  torch::Tensor advantages, weights, mask;
};

// Per-token advantage, weight and mask of sequences [begin, end).
TokenInputs Tokens(const LossCase& c, const std::vector<double>& adv, const Normaliser& norm,
                   size_t begin, size_t end) {
  std::vector<double> a, w, m;
  for (size_t i = begin; i < end; ++i) {
    const bool masked = c.mask_truncated && c.truncated[i];
    auto weight = TokenWeight(c.aggregation, norm, masked ? 0 : c.lengths[i]);
    EXPECT_TRUE(weight);
    for (int64_t j = 0; j < c.lengths[i]; ++j) {
      a.push_back(adv[i]);
      w.push_back(masked ? 0 : *weight);
      m.push_back(masked ? 0 : 1);
    }
  }
  const auto f64 = torch::kFloat64;
  return {torch::tensor(a, f64), torch::tensor(w, f64), torch::tensor(m, f64)};
}

int64_t TokenOffset(const LossCase& c, size_t seq) {
  int64_t n = 0;
  for (size_t i = 0; i < seq; ++i) n += c.lengths[i];
  return n;
}

Normaliser GlobalNormaliser(const LossCase& c, int64_t world) {
  Normaliser n;
  for (size_t i = 0; i < c.lengths.size(); ++i) {
    if (!(c.mask_truncated && c.truncated[i])) n.tokens += static_cast<double>(c.lengths[i]);
  }
  n.sequences = static_cast<double>(c.lengths.size());
  n.world = world;
  n.max_new_tokens = c.max_new_tokens;
  return n;
}

// The loss and d loss / d logp of sequences [begin, end).
std::pair<double, torch::Tensor> LossAndGrad(const LossCase& c, const std::vector<double>& adv,
                                             const Normaliser& norm, size_t begin, size_t end,
                                             PolicyLoss* stats = nullptr) {
  const std::string f = "loss.safetensors";
  const int64_t lo = TokenOffset(c, begin), hi = TokenOffset(c, end);
  auto logp = GrpoTensor(f, c.name + ".logp").slice(0, lo, hi).clone().requires_grad_(true);
  auto old = GrpoTensor(f, c.name + ".old").slice(0, lo, hi);
  auto ref = GrpoTensor(f, c.name + ".ref").slice(0, lo, hi);
  const TokenInputs t = Tokens(c, adv, norm, begin, end);
  auto loss = ComputePolicyLoss(logp, old, c.policy.beta != 0 ? ref : torch::Tensor(), t.advantages,
                                t.weights, t.mask, c.policy);
  EXPECT_TRUE(loss) << loss.error().message();
  if (!loss) return {0, torch::Tensor()};
  loss->loss.backward();
  if (stats != nullptr) *stats = *loss;
  return {loss->loss.item<double>(), logp.grad()};
}

TEST(GrpoLossOracleTest, AdvantagesLossAndGradientsEqualPyTorchFloat64) {
  const auto cases = LossCases();
  ASSERT_GE(cases.size(), 9u);
  for (const LossCase& c : cases) {
    SCOPED_TRACE(c.name);
    const auto rewards = ToVector(GrpoTensor("loss.safetensors", c.name + ".rewards"));
    auto adv = ComputeAdvantages(rewards, c.group, c.adv_options);
    ASSERT_TRUE(adv);
    EXPECT_LE(RelError(torch::tensor(adv->values, torch::kFloat64),
                       GrpoTensor("loss.safetensors", c.name + ".advantages")),
              1e-6);
    EXPECT_EQ(adv->zero_std, c.zero_std);

    const size_t seqs = c.lengths.size();
    PolicyLoss stats;
    auto [loss, grad] = LossAndGrad(c, adv->values, GlobalNormaliser(c, 1), 0, seqs, &stats);
    ASSERT_TRUE(grad.defined());
    const double ref_loss = GrpoTensor("loss.safetensors", c.name + ".loss").item<double>();
    EXPECT_LE(std::abs(loss - ref_loss), 1e-6 * std::abs(ref_loss)) << loss << " vs " << ref_loss;
    EXPECT_LE(RelError(grad, GrpoTensor("loss.safetensors", c.name + ".grad")), 1e-6);
    EXPECT_EQ(stats.tokens.item<double>(), c.tokens);
    EXPECT_NEAR(stats.kl.item<double>(), c.kl, 1e-9 * (1 + c.kl));
    EXPECT_EQ(stats.clip_low.item<double>(), c.clip_low);
    EXPECT_EQ(stats.clip_high.item<double>(), c.clip_high);
    EXPECT_EQ(stats.clip_dual.item<double>(), c.clip_dual);
  }
}

TEST(GrpoLossOracleTest, MicroBatchSplitsAndRanksGiveTheWholeBatchGradient) {
  for (const LossCase& c : LossCases()) {
    SCOPED_TRACE(c.name);
    const auto rewards = ToVector(GrpoTensor("loss.safetensors", c.name + ".rewards"));
    auto adv = ComputeAdvantages(rewards, c.group, c.adv_options);
    ASSERT_TRUE(adv);
    const size_t seqs = c.lengths.size();
    auto [whole_loss, whole] = LossAndGrad(c, adv->values, GlobalNormaliser(c, 1), 0, seqs);

    // Three micro-batches of one process: the losses and gradients add up.
    const size_t a = seqs / 3, b = 2 * seqs / 3;
    double split_loss = 0;
    std::vector<torch::Tensor> parts;
    for (auto [lo, hi] : {std::pair{size_t{0}, a}, {a, b}, {b, seqs}}) {
      auto [l, g] = LossAndGrad(c, adv->values, GlobalNormaliser(c, 1), lo, hi);
      split_loss += l;
      parts.push_back(g.defined() ? g : torch::zeros({0}, torch::kFloat64));
    }
    EXPECT_NEAR(split_loss, whole_loss, 1e-12 * (1 + std::abs(whole_loss)));
    EXPECT_LE(RelError(torch::cat(parts), whole), 1e-12);

    // Two ranks with whole groups each, world 2: the mean of the ranks'
    // gradients (what a mean all-reduce gives) is the whole gradient.
    const size_t half = (seqs / static_cast<size_t>(c.group) / 2) * static_cast<size_t>(c.group);
    auto [l0, g0] = LossAndGrad(c, adv->values, GlobalNormaliser(c, 2), 0, half);
    auto [l1, g1] = LossAndGrad(c, adv->values, GlobalNormaliser(c, 2), half, seqs);
    EXPECT_NEAR((l0 + l1) / 2, whole_loss, 1e-12 * (1 + std::abs(whole_loss)));
    EXPECT_LE(RelError(torch::cat({g0, g1}) / 2, whole), 1e-12);
  }
}

TEST(GrpoLossOracleTest, RejectsBadOptions) {
  auto t = torch::zeros({3}, torch::kFloat64);
  EXPECT_FALSE(ComputePolicyLoss(t, t, t, t, t, t, {1.0, 0.2, 0, 0}));
  EXPECT_FALSE(ComputePolicyLoss(t, t, t, t, t, t, {0.2, 0.2, 0.5, 0}));
  EXPECT_FALSE(ComputePolicyLoss(t, t, torch::Tensor(), t, t, t, {0.2, 0.2, 0, 0.1}));
  EXPECT_FALSE(ComputePolicyLoss(t, t, t, torch::zeros({2}, torch::kFloat64), t, t, {}));
  EXPECT_FALSE(TokenWeight(LossAggregation::kDrGrpo, {10, 2, 1, 0}, 3));
  EXPECT_FALSE(TokenWeight(LossAggregation::kDapo, {0, 2, 1, 0}, 3));
  EXPECT_FALSE(ParseLossAggregation("bnpo"));
}

// ------------------------------------------------------------------ AdamW

TEST(AdamWOracleTest, StepsEqualTorchAdamWWithScheduleAndClipping) {
  const std::string f = "adamw.safetensors";
  int cases = 0;
  for (simdjson::dom::element c : GrpoManifest()["adamw_cases"].get_array()) {
    const std::string name = Str(c["name"]);
    const bool bf16_exact = bool(c["bf16_exact"]);
    // Each case in its own dtype, and the bf16-exact ones again as bf16
    // parameters with fp32 masters (same weights and gradients, so the
    // masters must follow the fp32 reference).
    std::vector<bool> runs = {false};
    if (bf16_exact) runs.push_back(true);
    for (bool bf16 : runs) {
      SCOPED_TRACE(name + (bf16 ? " (bf16 + fp32 master)" : ""));
      ++cases;
      std::vector<std::string> names;
      for (auto e : c["params"].get_array()) names.push_back(Str(e));
      std::vector<NamedTensor> params;
      for (const auto& p : names) {
        auto init = GrpoTensor(f, name + ".init." + p).clone();
        if (bf16) init = init.to(torch::kBFloat16);
        params.emplace_back(p, init.requires_grad_(true));
      }
      AdamWOptions options{double(c["beta1"]), double(c["beta2"]), double(c["eps"]),
                           double(c["weight_decay"])};
      AdamW opt(params, options);
      LrSchedule schedule{double(c["lr"]), int64_t(c["warmup"]), *ParseScheduleKind(Str(c["kind"])),
                          int64_t(c["total"]), double(c["min_lr"])};
      ASSERT_TRUE(schedule.Validate());
      std::vector<double> norms, lrs;
      for (auto e : c["norms"].get_array()) norms.push_back(double(e));
      for (auto e : c["lrs"].get_array()) lrs.push_back(double(e));
      const int64_t steps = int64_t(c["steps"]);
      for (int64_t step = 0; step < steps; ++step) {
        for (auto& [p, t] : params) {
          auto g = GrpoTensor(f, name + ".grad." + std::to_string(step) + "." + p).clone();
          t.mutable_grad() = g.to(t.scalar_type());
        }
        EXPECT_NEAR(schedule.At(step), lrs[step], 1e-15 * lrs[step] + 1e-300);
        auto norm = opt.Step(schedule.At(step), double(c["max_norm"]));
        ASSERT_TRUE(norm) << norm.error().message();
        EXPECT_NEAR(*norm, norms[step], 1e-6 * norms[step]);
        const OptimizerState state = opt.ExportState();
        for (size_t i = 0; i < params.size(); ++i) {
          const auto& [p, t] = params[i];
          auto want = GrpoTensor(f, name + ".param." + std::to_string(step) + "." + p);
          if (bf16) {
            torch::Tensor master;
            for (const auto& [k, v] : state.tensors) {
              if (k == p + ".master") master = v;
            }
            ASSERT_TRUE(master.defined()) << p;
            EXPECT_EQ(master.scalar_type(), torch::kFloat32);
            EXPECT_LE(RelError(master, want), 1e-6) << p << " step " << step;
            EXPECT_TRUE(torch::equal(t.detach(), master.to(torch::kBFloat16))) << p;
          } else {
            EXPECT_LE(RelError(t, want), 1e-6) << p << " step " << step;
          }
        }
      }
      EXPECT_EQ(opt.step(), steps);
      const OptimizerState state = opt.ExportState();
      for (const auto& p : names) {
        for (const char* moment : {"exp_avg", "exp_avg_sq"}) {
          bool found = false;
          for (const auto& [k, v] : state.tensors) {
            if (k != p + "." + moment) continue;
            found = true;
            EXPECT_LE(RelError(v, GrpoTensor(f, name + "." + moment + "." + p)), 1e-6) << k;
          }
          EXPECT_TRUE(found) << p << "." << moment;
        }
      }
    }
  }
  EXPECT_GE(cases, 5);
}

// ------------------------------------------------------------------ whole model

struct ModelCase {
  std::string name, dir, ref_dir;
  UpdateOptions options;
  int64_t max_new_tokens = 0;
  std::vector<TrainSample> samples;
  double loss = 0, clip_low = 0, clip_high = 0, clip_dual = 0, kl = 0;
  std::vector<std::string> grads;
};

std::vector<ModelCase> ModelCases() {
  std::vector<ModelCase> out;
  for (simdjson::dom::element c : GrpoManifest()["model_cases"].get_array()) {
    ModelCase mc;
    mc.name = Str(c["name"]);
    mc.dir = Str(c["dir"]);
    mc.ref_dir = Str(c["ref_dir"]);
    UpdateOptions& o = mc.options;
    o.loss = *ParseLossAggregation(Str(c["loss"]));
    o.policy = {double(c["clip_low"]), double(c["clip_high"]), double(c["dual_clip"]),
                double(c["beta"])};
    o.old_logprobs = OldLogProbSource::kRollout;
    o.temperature = double(c["temperature"]);
    o.vocab_limit = int64_t(c["vocab_limit"]);
    o.vocab_chunk = 64;  // 300 allowed ids: five chunks, the last partial
    o.mask_truncated = bool(c["mask_truncated"]);
    o.micro_batch_tokens = 1 << 20;  // one micro-batch
    mc.max_new_tokens = int64_t(c["max_new_tokens"]);
    for (simdjson::dom::element s : c["samples"].get_array()) {
      TrainSample t;
      for (auto e : s["prompt"].get_array()) t.prompt_ids.push_back(int32_t(int64_t(e)));
      for (auto e : s["completion"].get_array()) t.completion_ids.push_back(int32_t(int64_t(e)));
      for (auto e : s["old_logprobs"].get_array()) t.old_logprobs.push_back(float(double(e)));
      t.advantage = double(s["advantage"]);
      t.truncated = bool(s["truncated"]);
      mc.samples.push_back(std::move(t));
    }
    mc.loss = double(c["loss_value"]);
    mc.kl = double(c["stats"]["kl"]);
    mc.clip_low = double(c["stats"]["clip_low"]);
    mc.clip_high = double(c["stats"]["clip_high"]);
    mc.clip_dual = double(c["stats"]["clip_dual"]);
    for (auto e : c["grads"].get_array()) mc.grads.push_back(Str(e));
    out.push_back(std::move(mc));
  }
  return out;
}

// Runs one pass and returns the gradients by name (copies), then clears them.
std::map<std::string, torch::Tensor> PassGradients(Transformer& policy, Transformer* reference,
                                                   const ModelCase& c, const UpdateOptions& o,
                                                   UpdateStats* stats_out = nullptr) {
  policy.zero_grad();
  PassCache cache;
  auto stats =
      AccumulateGradients(policy, reference, c.samples, o,
                          LocalNormaliser(c.samples, o.mask_truncated, c.max_new_tokens), &cache);
  EXPECT_TRUE(stats) << stats.error().message();
  if (stats && stats_out != nullptr) *stats_out = *stats;
  std::map<std::string, torch::Tensor> grads;
  for (const auto& item : policy.named_parameters()) {
    if (item.value().grad().defined()) grads[item.key()] = item.value().grad().clone();
  }
  policy.zero_grad();
  return grads;
}

// Counts the CheckpointedLayer nodes in the graph behind `t`.
int CountCheckpointNodes(const torch::Tensor& t) {
  std::vector<torch::autograd::Node*> stack = {t.grad_fn().get()};
  std::set<torch::autograd::Node*> seen;
  int count = 0;
  while (!stack.empty()) {
    auto* node = stack.back();
    stack.pop_back();
    if (node == nullptr || !seen.insert(node).second) continue;
    if (node->name().find("CheckpointedLayer") != std::string::npos) ++count;
    for (const auto& edge : node->next_edges()) stack.push_back(edge.function.get());
  }
  return count;
}

TEST(GrpoModelOracleTest, OneMicroBatchGradientsEqualTransformers) {
  const auto cases = ModelCases();
  ASSERT_EQ(cases.size(), 3u);
  for (const ModelCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto policy = LoadModel(c.dir, torch::kCPU, torch::kFloat32);
    ASSERT_TRUE(policy) << policy.error().message();
    std::shared_ptr<Transformer> reference;
    if (c.options.policy.beta != 0) {
      auto r = LoadModel(c.ref_dir, torch::kCPU, torch::kFloat32);
      ASSERT_TRUE(r);
      reference = *r;
      for (auto& p : reference->parameters()) p.requires_grad_(false);
    }
    UpdateStats stats;
    auto plain = PassGradients(**policy, reference.get(), c, c.options, &stats);
    ASSERT_EQ(plain.size(), c.grads.size());
    for (const auto& name : c.grads) {
      ASSERT_TRUE(plain.count(name)) << name;
      EXPECT_LE(RelError(plain[name], GrpoTensor("model.safetensors", c.name + ".grad." + name)),
                1e-4)
          << name;
    }
    EXPECT_EQ(stats.micro_batches, 1);
    EXPECT_NEAR(stats.loss, c.loss, 1e-5 * std::abs(c.loss));
    EXPECT_EQ(stats.clip_low, c.clip_low);
    EXPECT_EQ(stats.clip_high, c.clip_high);
    EXPECT_EQ(stats.clip_dual, c.clip_dual);
    EXPECT_NEAR(stats.kl_sum, c.kl, 1e-4 * (1 + c.kl));
    // The forward's log-probs (Δ against the rollout's) and entropies.
    auto ref_logp = GrpoTensor("model.safetensors", c.name + ".logp");
    auto ref_entropy = GrpoTensor("model.safetensors", c.name + ".entropy");
    std::vector<float> old;
    std::vector<float> mask;
    for (const auto& s : c.samples) {
      old.insert(old.end(), s.old_logprobs.begin(), s.old_logprobs.end());
      mask.insert(mask.end(), s.completion_ids.size(),
                  c.options.mask_truncated && s.truncated ? 0.f : 1.f);
    }
    const double dlogp = (ref_logp - torch::tensor(old)).abs().sum().item<double>();
    EXPECT_NEAR(stats.abs_dlogp_sum, dlogp, 1e-4 * dlogp);
    const double entropy = (ref_entropy * torch::tensor(mask)).sum().item<double>();
    EXPECT_NEAR(stats.entropy_sum, entropy, 1e-4 * entropy);

    // Activation checkpointing: the same gradients (it is engaged: one
    // node per layer in the graph).
    (*policy)->set_activation_checkpointing(true);
    {
      auto ids = torch::tensor({{1, 2, 3}}, torch::kInt64);
      auto h = (*policy)->Hidden(ids, torch::tensor({{0, 1, 2}}, torch::kInt64),
                                 torch::ones({1, 3}, torch::kBool));
      EXPECT_EQ(CountCheckpointNodes(h), (*policy)->config().num_hidden_layers);
      torch::NoGradGuard no_grad;
      auto h2 = (*policy)->Hidden(ids, torch::tensor({{0, 1, 2}}, torch::kInt64),
                                  torch::ones({1, 3}, torch::kBool));
      EXPECT_FALSE(h2.requires_grad());
    }
    auto checkpointed = PassGradients(**policy, reference.get(), c, c.options);
    (*policy)->set_activation_checkpointing(false);
    for (const auto& name : c.grads) {
      EXPECT_LE(RelError(checkpointed[name], plain[name]), 1e-6) << name;
      EXPECT_LE(
          RelError(checkpointed[name], GrpoTensor("model.safetensors", c.name + ".grad." + name)),
          1e-4)
          << name;
    }
  }
}

TEST(GrpoModelOracleTest, MicroBatchesAccumulateToTheOneBatchGradient) {
  for (const ModelCase& c : ModelCases()) {
    SCOPED_TRACE(c.name);
    auto policy = LoadModel(c.dir, torch::kCPU, torch::kFloat32);
    ASSERT_TRUE(policy);
    std::shared_ptr<Transformer> reference;
    if (c.options.policy.beta != 0) reference = *LoadModel(c.ref_dir, torch::kCPU, torch::kFloat32);
    auto whole = PassGradients(**policy, reference.get(), c, c.options);
    for (int64_t budget : {1, 12, 30}) {
      UpdateOptions o = c.options;
      o.micro_batch_tokens = budget;
      UpdateStats stats;
      auto split = PassGradients(**policy, reference.get(), c, o, &stats);
      EXPECT_GT(stats.micro_batches, 1) << budget;
      for (const auto& [name, g] : whole) EXPECT_LE(RelError(split[name], g), 1e-5) << name;
    }
    // With checkpointing too.
    (*policy)->set_activation_checkpointing(true);
    UpdateOptions o = c.options;
    o.micro_batch_tokens = 12;
    auto split = PassGradients(**policy, reference.get(), c, o);
    for (const auto& [name, g] : whole) EXPECT_LE(RelError(split[name], g), 1e-5) << name;
  }
}

}  // namespace
}  // namespace swerl::train

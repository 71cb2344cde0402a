// One GRPO step of the trainer on the CPU, timed phase by phase, for
// bench/trainer/grpo_step.sh (which runs hf_grpo_step.py, the same step in
// PyTorch eager with transformers, beside it). Prints one JSON line on
// stdout. Each phase can run in a process of its own, so that the peak RSS
// it reports (VmHWM) belongs to that phase and the model load alone:
//
//   --phase rollout  RolloutAndScore (GenerateGroups: G samples of every
//                    prompt, no EOS, so each has --max-new-tokens tokens;
//                    then decoding and the reward below) and the group
//                    advantages; writes the step batch to --batch.
//   --phase update   reads --batch and runs Update (micro-batches by token
//                    budget, chunked log-probs, dapo loss, one AdamW step).
//   --phase step     RunGrpoStep end to end in one process (the trainer's
//                    own timers; --batch unused): a cross-check that the
//                    split phases time the same work.
//
// Usage: swerl_grpo_bench --phase rollout|update|step --model DIR
//          --prompts FILE.jsonl [--batch FILE.jsonl] [--group 8]
//          [--max-new-tokens 64] [--temperature 1] [--threads 1] [--seed 0]
//          [--micro-batch-tokens 8192] [--vocab-chunk 4096] [--lr 1e-6]
// FILE.jsonl (prompts): one {"ids": [...]} per line, one group each.
// The batch file: one line per sample, group after group:
//   {"group": g, "reward": r, "advantage": a, "ids": [...], "old_logprobs": [...]}
#include <ATen/Parallel.h>
#include <time.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "swerl/reward/group_scorer.h"
#include "swerl/tok/tokenizer.h"
#include "trainer/grpo/advantages.h"
#include "trainer/grpo/update.h"
#include "trainer/loop/grpo_step.h"
#include "trainer/loop/rollout.h"
#include "trainer/model/loader.h"
#include "trainer/model/transformer.h"
#include "trainer/optim/adamw.h"

namespace {

namespace train = swerl::train;
namespace reward = swerl::reward;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "swerl_grpo_bench: %s\n", why.c_str());
  std::exit(2);
}

// The numbers of the array after "key": in a line of the bench's own files
// (no JSON library needed for them); empty when the key is absent.
std::vector<double> NumbersAfter(const std::string& line, const std::string& key) {
  std::vector<double> out;
  const size_t at = line.find("\"" + key + "\"");
  if (at == std::string::npos) return out;
  const size_t open = line.find('[', at);
  const size_t close = line.find(']', open);
  if (open == std::string::npos || close == std::string::npos) return out;
  const char* p = line.c_str() + open + 1;
  const char* end = line.c_str() + close;
  while (p < end) {
    char* next = nullptr;
    const double v = std::strtod(p, &next);
    if (next == p) {
      ++p;
      continue;
    }
    out.push_back(v);
    p = next;
  }
  return out;
}

// The number after "key": in such a line; NaN when absent.
double NumberAfter(const std::string& line, const std::string& key) {
  const size_t at = line.find("\"" + key + "\"");
  if (at == std::string::npos) return std::nan("");
  const size_t colon = line.find(':', at);
  if (colon == std::string::npos) return std::nan("");
  return std::strtod(line.c_str() + colon + 1, nullptr);
}

std::vector<std::vector<int32_t>> ReadPrompts(const std::string& path) {
  std::vector<std::vector<int32_t>> prompts;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::vector<int32_t> ids;
    for (double v : NumbersAfter(line, "ids")) ids.push_back(static_cast<int32_t>(v));
    if (!ids.empty()) prompts.push_back(std::move(ids));
  }
  if (prompts.empty()) Die("no prompts in '" + path + "'");
  return prompts;
}

// A field of /proc/self/status in MiB: VmRSS (now) or VmHWM (the peak so
// far, what getrusage's ru_maxrss reports).
double StatusMib(const char* field) {
  std::ifstream in("/proc/self/status");
  const std::string prefix = std::string(field) + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return std::atof(line.c_str() + prefix.size()) / 1024.0;
  }
  return std::nan("");
}

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The bench's reward, computed the same way by hf_grpo_step.py: the share
// of ASCII letters among the bytes of the decoded completion. A random
// model samples near-uniform tokens, so it varies within every group (the
// SWE-RL reward would give every unparsable output -1: no advantage, and a
// step that trains nothing).
class LetterShareScorer final : public reward::GroupScorer {
 public:
  swerl::Result<reward::GroupScores> ScoreGroups(
      std::span<const reward::ScoreGroup> groups) override {
    reward::GroupScores scores;
    for (const reward::ScoreGroup& g : groups) {
      std::vector<reward::Score>& out = scores.emplace_back();
      for (const std::string& text : g.outputs) {
        size_t letters = 0;
        for (unsigned char c : text) letters += ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? 1 : 0;
        reward::Score s;
        s.reward =
            static_cast<double>(letters) / static_cast<double>(std::max<size_t>(text.size(), 1));
        out.push_back(std::move(s));
      }
    }
    return scores;
  }
  std::string Describe() const override { return "ASCII-letter share (bench)"; }
};

struct Flags {
  std::string phase, model_dir, prompts_path, batch_path;
  int64_t group = 8, max_new = 64, threads = 1, micro_batch_tokens = 8192, vocab_chunk = 4096;
  double temperature = 1.0, lr = 1e-6;
  uint64_t seed = 0;
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) Die("missing value after " + a);
    const char* v = argv[++i];
    if (a == "--phase")
      f.phase = v;
    else if (a == "--model")
      f.model_dir = v;
    else if (a == "--prompts")
      f.prompts_path = v;
    else if (a == "--batch")
      f.batch_path = v;
    else if (a == "--group")
      f.group = std::atol(v);
    else if (a == "--max-new-tokens")
      f.max_new = std::atol(v);
    else if (a == "--temperature")
      f.temperature = std::atof(v);
    else if (a == "--threads")
      f.threads = std::atol(v);
    else if (a == "--seed")
      f.seed = std::strtoull(v, nullptr, 10);
    else if (a == "--micro-batch-tokens")
      f.micro_batch_tokens = std::atol(v);
    else if (a == "--vocab-chunk")
      f.vocab_chunk = std::atol(v);
    else if (a == "--lr")
      f.lr = std::atof(v);
    else
      Die("unknown flag " + a);
  }
  if (f.phase != "rollout" && f.phase != "update" && f.phase != "step") {
    Die("--phase must be rollout, update or step");
  }
  if (f.model_dir.empty() || f.prompts_path.empty()) Die("--model and --prompts are required");
  if (f.phase != "step" && f.batch_path.empty()) Die("--batch is required");
  if (f.group < 2) Die("--group must be at least 2 (advantages need a group)");
  return f;
}

// What the trainer passes for a run on this model and tokenizer
// (cmd_grpo.cc), with the bench's sizes: dapo, clip-higher 0.2/0.28,
// beta 0, μ = 1, π_old recomputed, no EOS.
train::GrpoStepOptions StepOptions(const Flags& f, const swerl::tok::Tokenizer& tokenizer) {
  train::GrpoStepOptions o;
  o.group_size = f.group;
  o.run_seed = f.seed;
  o.generate.sampling.temperature = f.temperature;
  o.generate.max_new_tokens = f.max_new;  // no eos_ids: every completion runs to the limit
  o.generate.vocab_limit = tokenizer.vocab_size();
  o.generate.pad_id = tokenizer.pad_id().value_or(0);
  train::UpdateOptions& u = o.update;
  u.loss = train::LossAggregation::kDapo;
  u.policy.clip_low = 0.2;
  u.policy.clip_high = 0.28;
  u.policy.beta = 0;
  u.temperature = f.temperature;
  u.vocab_limit = tokenizer.vocab_size();
  u.vocab_chunk = f.vocab_chunk;
  u.micro_batch_tokens = f.micro_batch_tokens;
  u.lr = f.lr;
  u.max_grad_norm = 1.0;
  u.pad_id = o.generate.pad_id;
  return o;
}

std::unique_ptr<train::AdamW> MakeOptimizer(train::Transformer& model) {
  std::vector<train::NamedTensor> params;
  for (const auto& item : model.named_parameters()) params.emplace_back(item.key(), item.value());
  return std::make_unique<train::AdamW>(std::move(params), train::AdamWOptions{});
}

std::vector<train::DrawnSeed> Seeds(const std::vector<std::vector<int32_t>>& prompts) {
  std::vector<train::DrawnSeed> seeds(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    seeds[i].draw = i;
    seeds[i].seed_id = static_cast<int64_t>(i);
    seeds[i].seed.instance_id = "bench-" + std::to_string(i);
    seeds[i].prompt_ids = prompts[i];
  }
  return seeds;
}

int RunRollout(const Flags& f, train::Transformer& model, const swerl::tok::Tokenizer& tokenizer,
               const std::vector<std::vector<int32_t>>& prompts, double rss_load_mib) {
  const train::GrpoStepOptions o = StepOptions(f, tokenizer);
  const std::vector<train::DrawnSeed> seeds = Seeds(prompts);
  LetterShareScorer scorer;
  train::GenerateStats gen;
  train::RolloutTimes times;
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = CpuSeconds();
  auto samples = train::RolloutAndScore(model, tokenizer, scorer, seeds, f.group, o.generate,
                                        f.seed, /*step=*/1, &gen, &times);
  if (!samples) Die(samples.error().message());
  std::vector<double> rewards;
  for (const train::ScoredSample& s : *samples) rewards.push_back(s.score.reward);
  auto adv = train::ComputeAdvantages(rewards, f.group, o.advantages);
  if (!adv) Die(adv.error().message());
  const double cpu_seconds = CpuSeconds() - cpu0;
  // Reward = everything after sampling: decoding, scoring, advantages.
  const double reward_seconds = Since(t0) - times.generate_seconds;

  std::FILE* out = std::fopen(f.batch_path.c_str(), "w");
  if (out == nullptr) Die("cannot write '" + f.batch_path + "'");
  int64_t zero_std = 0;
  for (bool z : adv->zero_std) zero_std += z ? 1 : 0;
  double mean = 0;
  for (double r : rewards) mean += r / static_cast<double>(rewards.size());
  for (size_t k = 0; k < samples->size(); ++k) {
    const train::Completion& c = (*samples)[k].completion;
    std::fprintf(out, "{\"group\": %zu, \"reward\": %.17g, \"advantage\": %.17g, \"ids\": [",
                 k / static_cast<size_t>(f.group), rewards[k], adv->values[k]);
    for (size_t j = 0; j < c.ids.size(); ++j) std::fprintf(out, "%s%d", j ? ", " : "", c.ids[j]);
    std::fprintf(out, "], \"old_logprobs\": [");
    for (size_t j = 0; j < c.policy_logprobs.size(); ++j) {
      std::fprintf(out, "%s%.9g", j ? ", " : "", static_cast<double>(c.policy_logprobs[j]));
    }
    std::fprintf(out, "]}\n");
  }
  if (std::fclose(out) != 0) Die("cannot write '" + f.batch_path + "'");

  std::printf(
      "{\"engine\": \"swerl\", \"phase\": \"rollout\", \"prompts\": %ld, \"group\": %ld, "
      "\"prompt_tokens\": %ld, \"completions\": %ld, \"generated_tokens\": %ld, "
      "\"rollout_seconds\": %.6f, \"reward_seconds\": %.6f, \"cpu_seconds\": %.6f, "
      "\"reward_mean\": %.6f, \"zero_std_groups\": %ld, \"rss_load_mib\": %.1f, "
      "\"peak_rss_mib\": %.1f}\n",
      static_cast<long>(gen.prompts), static_cast<long>(f.group),
      static_cast<long>(gen.prompt_tokens), static_cast<long>(gen.completions),
      static_cast<long>(gen.generated_tokens), times.generate_seconds, reward_seconds, cpu_seconds,
      mean, static_cast<long>(zero_std), rss_load_mib, StatusMib("VmHWM"));
  return 0;
}

int RunUpdate(const Flags& f, train::Transformer& model, const swerl::tok::Tokenizer& tokenizer,
              const std::vector<std::vector<int32_t>>& prompts, double rss_load_mib) {
  const train::GrpoStepOptions o = StepOptions(f, tokenizer);
  std::vector<train::TrainSample> samples;
  std::ifstream in(f.batch_path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const double group = NumberAfter(line, "group");
    if (!(group >= 0 && group < static_cast<double>(prompts.size()))) {
      Die("batch line " + std::to_string(samples.size() + 1) + ": no such group");
    }
    train::TrainSample s;
    s.prompt_ids = prompts[static_cast<size_t>(group)];
    for (double v : NumbersAfter(line, "ids")) s.completion_ids.push_back(static_cast<int32_t>(v));
    for (double v : NumbersAfter(line, "old_logprobs"))
      s.old_logprobs.push_back(static_cast<float>(v));
    s.advantage = NumberAfter(line, "advantage");
    s.truncated = static_cast<int64_t>(s.completion_ids.size()) >= f.max_new;
    samples.push_back(std::move(s));
  }
  if (samples.empty()) Die("no samples in '" + f.batch_path + "'");
  auto optimizer = MakeOptimizer(model);
  const train::Normaliser norm =
      train::LocalNormaliser(samples, o.update.mask_truncated, o.generate.max_new_tokens);
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = CpuSeconds();
  auto stats = train::Update(model, nullptr, *optimizer, samples, o.update, norm);
  const double cpu_seconds = CpuSeconds() - cpu0;
  const double seconds = Since(t0);
  if (!stats) Die(stats.error().message());
  std::printf(
      "{\"engine\": \"swerl\", \"phase\": \"update\", \"sequences\": %ld, "
      "\"completion_tokens\": %ld, \"micro_batches\": %ld, \"update_seconds\": %.6f, "
      "\"cpu_seconds\": %.6f, \"loss\": %.9g, \"grad_norm\": %.9g, \"mean_abs_dlogp\": %.9g, "
      "\"entropy_mean\": %.9g, \"rss_load_mib\": %.1f, \"peak_rss_mib\": %.1f}\n",
      static_cast<long>(stats->sequences), static_cast<long>(stats->completion_tokens),
      static_cast<long>(stats->micro_batches), seconds, cpu_seconds, stats->MeanLoss(),
      stats->grad_norms.front(), stats->MeanAbsDeltaLogp(), stats->MeanEntropy(), rss_load_mib,
      StatusMib("VmHWM"));
  return 0;
}

int RunStep(const Flags& f, train::Transformer& model, const swerl::tok::Tokenizer& tokenizer,
            const std::vector<std::vector<int32_t>>& prompts, double rss_load_mib) {
  const train::GrpoStepOptions o = StepOptions(f, tokenizer);
  const std::vector<train::DrawnSeed> seeds = Seeds(prompts);
  LetterShareScorer scorer;
  auto optimizer = MakeOptimizer(model);
  const auto t0 = std::chrono::steady_clock::now();
  auto step = train::RunGrpoStep(model, nullptr, *optimizer, scorer, tokenizer, seeds, 1, o);
  const double seconds = Since(t0);
  if (!step) Die(step.error().message());
  std::printf(
      "{\"engine\": \"swerl\", \"phase\": \"step\", \"generated_tokens\": %ld, "
      "\"rollout_seconds\": %.6f, \"reward_seconds\": %.6f, \"update_seconds\": %.6f, "
      "\"seconds\": %.6f, \"grad_norm\": %.9g, \"rss_load_mib\": %.1f, \"peak_rss_mib\": %.1f}\n",
      static_cast<long>(step->generated_tokens), step->rollout_seconds, step->reward_seconds,
      step->update_seconds, seconds,
      step->update.grad_norms.empty() ? std::nan("") : step->update.grad_norms.front(),
      rss_load_mib, StatusMib("VmHWM"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags f = ParseFlags(argc, argv);
  at::set_num_threads(static_cast<int>(f.threads));
  const std::vector<std::vector<int32_t>> prompts = ReadPrompts(f.prompts_path);
  auto tokenizer = swerl::tok::Tokenizer::Load(f.model_dir);
  if (!tokenizer) Die(tokenizer.error().message());
  auto model = train::LoadModel(f.model_dir, torch::kCPU, torch::kFloat32);
  if (!model) Die(model.error().message());
  const double rss_load_mib = StatusMib("VmRSS");  // before the optimizer's state
  try {
    if (f.phase == "rollout") return RunRollout(f, **model, *tokenizer, prompts, rss_load_mib);
    if (f.phase == "update") return RunUpdate(f, **model, *tokenizer, prompts, rss_load_mib);
    return RunStep(f, **model, *tokenizer, prompts, rss_load_mib);
  } catch (const c10::Error& e) {
    Die(e.what_without_backtrace());
  }
}

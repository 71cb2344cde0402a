// swerl-train eval: a model on a shard's seeds — K samples (or one greedy
// answer) per seed scored with the SWE-RL reward: mean reward, format-error
// rate and exact-fix rate (reward 1.0), plus one NDJSON line per seed.
#include <fcntl.h>
#include <unistd.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "command.h"
#include "swerl/cli/paths.h"
#include "swerl/io/output.h"
#include "swerl/json/json_writer.h"
#include "swerl/reward/command_scorer.h"
#include "swerl/reward/group_scorer.h"
#include "swerl/shard/shard.h"
#include "swerl/shard/shard_set.h"
#include "trainer/data/chat_prompt.h"
#include "trainer/data/seed_stream.h"
#include "trainer/device.h"
#include "trainer/loop/rollout.h"
#include "trainer/model/loader.h"

namespace swerl::train {
namespace {

struct EvalCliOptions {
  std::vector<std::string> seeds;
  std::string model, tokenizer, out;
  std::string split = "eval";
  double eval_fraction = 0;
  int64_t samples = 1;
  bool greedy = false;
  int64_t max_new_tokens = 1024;
  int64_t max_prompt_tokens = 12288;
  double temperature = 1.0, top_p = 1.0;
  uint64_t seed = 0;
  int64_t batch_seeds = 4;
  std::string reward_cmd;
  double reward_timeout = 600;
  bool completions = false;
  std::string device = "auto", dtype = "auto";
  int torch_threads = 0;  // 0: LibTorch's default
};

int RunEval(const EvalCliOptions& o, Context& ctx) {
  ApplyCommonFlags(ctx, "eval");
  auto& log = cli::Log::Get();
  // Per-seed lines go to --out or standard output, never onto an input.
  std::vector<io::NamedPath> inputs = {{"--model", o.model}, {"--tokenizer", o.tokenizer}};
  for (const std::string& seeds : o.seeds) inputs.push_back({"--seeds", seeds});
  if (!cli::DistinctFiles(inputs, {{"--out", o.out}, {"standard output", "-"}})) {
    return cli::kExitError;
  }
  auto fail = [&](const Error& e) {
    log.Error(e.message());
    return cli::kExitError;
  };
  if (o.torch_threads > 0) at::set_num_threads(o.torch_threads);
  auto placement = ParsePlacement(o.device, o.dtype);
  if (!placement) return fail(placement.error());
  auto tokenizer = tok::Tokenizer::Load(o.tokenizer.empty() ? o.model : o.tokenizer);
  if (!tokenizer) return fail(tokenizer.error());
  auto model = LoadModel(o.model, placement->device, placement->dtype);
  if (!model) return fail(model.error());
  if ((*model)->config().vocab_size < tokenizer->vocab_size()) {
    return fail(Error(Code::kInvalidInput, "model '" + o.model +
                                               "' has fewer embedding rows than the tokenizer's " +
                                               std::to_string(tokenizer->vocab_size()) + " ids"));
  }
  auto paths = shard::ExpandShardPatterns(o.seeds);
  if (!paths) return fail(paths.error());
  auto shards = shard::ShardSet::Open(*paths);
  if (!shards) return fail(shards.error());
  auto chat = ChatPrompt::Create(*tokenizer, shards->system_prompt());
  if (!chat) return fail(chat.error());
  const std::vector<shard::SeedRef>& refs = shards->refs();
  const shard::Split split = o.split == "train"  ? shard::Split::kTrain
                             : o.split == "eval" ? shard::Split::kEval
                                                 : shard::Split::kAll;
  const std::vector<int64_t> ids = SplitIds(refs, split, o.eval_fraction);
  if (ids.empty()) {
    return fail(Error(Code::kInvalidInput, shards->Describe() + " has no seeds in split '" +
                                               o.split + "' (" + std::to_string(refs.size()) +
                                               " seeds, --eval-fraction " +
                                               std::to_string(o.eval_fraction) +
                                               "; use --split all to evaluate every seed)"));
  }

  std::unique_ptr<reward::GroupScorer> scorer;
  if (o.reward_cmd.empty()) {
    scorer = std::make_unique<reward::InProcessScorer>();
  } else {
    auto cmd = reward::CommandScorer::Start(
        {.command = o.reward_cmd, .timeout_seconds = o.reward_timeout});
    if (!cmd) return fail(cmd.error());
    scorer = std::move(*cmd);
  }
  GenerateOptions gen;
  gen.sampling.greedy = o.greedy;
  gen.sampling.temperature = o.temperature;
  gen.sampling.top_p = o.top_p;
  gen.max_new_tokens = o.max_new_tokens;
  gen.vocab_limit = tokenizer->vocab_size();
  gen.pad_id = tokenizer->pad_id().value_or(0);
  gen.eos_ids = EndOfTurnIds(*tokenizer);
  for (int64_t id : (*model)->config().eos_token_ids) {
    if (std::find(gen.eos_ids.begin(), gen.eos_ids.end(), id) == gen.eos_ids.end()) {
      gen.eos_ids.push_back(id);
    }
  }
  const int64_t k = o.greedy ? 1 : o.samples;

  io::BufferedOutput out(STDOUT_FILENO, "stdout");
  std::unique_ptr<io::BufferedOutput> file_out;
  int fd = -1;
  if (!o.out.empty()) {
    fd = ::open(o.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail(Error(Code::kIo, "cannot create '" + o.out + "'"));
    file_out = std::make_unique<io::BufferedOutput>(fd, o.out);
  }
  io::BufferedOutput& sink = file_out ? *file_out : out;

  int64_t seeds_done = 0, skipped = 0, samples_n = 0, format_errors = 0, exact = 0;
  double reward_sum = 0;
  std::string line;
  for (size_t begin = 0; begin < ids.size(); begin += static_cast<size_t>(o.batch_seeds)) {
    std::vector<DrawnSeed> batch;
    for (size_t i = begin; i < std::min(ids.size(), begin + o.batch_seeds); ++i) {
      auto seed = shards->Read(ids[i]);
      if (!seed) return fail(seed.error());
      std::vector<int32_t> prompt = chat->Encode(seed->prompt);
      if (o.max_prompt_tokens > 0 && static_cast<int64_t>(prompt.size()) > o.max_prompt_tokens) {
        ++skipped;
        continue;
      }
      batch.push_back({0, std::move(*seed), ids[i], std::move(prompt)});
    }
    if (batch.empty()) continue;
    auto scored =
        RolloutAndScore(**model, *tokenizer, *scorer, batch, k, gen, o.seed, 0, nullptr, nullptr);
    if (!scored) return fail(scored.error());
    for (size_t g = 0; g < batch.size(); ++g) {
      line.clear();
      json::JsonWriter w(&line);
      w.BeginObject();
      w.Key("seed_id");
      w.Int(batch[g].seed_id);
      w.Key("instance_id");
      w.String(batch[g].seed.instance_id);
      double sum = 0;
      int64_t seed_exact = 0, seed_errors = 0;
      w.Key("rewards");
      w.BeginArray();
      for (int64_t j = 0; j < k; ++j) {
        const ScoredSample& s = (*scored)[g * k + j];
        w.Double(s.score.reward);
        sum += s.score.reward;
        seed_exact += s.score.reward == 1.0;
        seed_errors += !s.score.error.empty();
      }
      w.EndArray();
      w.Key("errors");
      w.BeginArray();
      for (int64_t j = 0; j < k; ++j) {
        const ScoredSample& s = (*scored)[g * k + j];
        if (s.score.error.empty()) {
          w.Null();
        } else {
          w.String(s.score.error);
        }
      }
      w.EndArray();
      w.Key("mean_reward");
      w.Double(sum / static_cast<double>(k));
      w.Key("exact");
      w.Int(seed_exact);
      if (o.completions) {
        w.Key("completions");
        w.BeginArray();
        for (int64_t j = 0; j < k; ++j) w.String((*scored)[g * k + j].text);
        w.EndArray();
      }
      w.EndObject();
      line += '\n';
      if (Status st = sink.Write(line); !st) {
        return st.error().code() == Code::kCancelled ? cli::kExitOk : fail(st.error());
      }
      ++seeds_done;
      samples_n += k;
      reward_sum += sum;
      exact += seed_exact;
      format_errors += seed_errors;
    }
  }
  if (Status st = sink.Flush(); !st) return fail(st.error());
  if (fd >= 0 && ::close(fd) != 0) return fail(Error(Code::kIo, "cannot close '" + o.out + "'"));
  const double n = static_cast<double>(std::max<int64_t>(samples_n, 1));
  const double mean = samples_n ? reward_sum / n : std::numeric_limits<double>::quiet_NaN();
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "%lld seeds, %lld samples: mean reward %.4f, format errors %.1f%%, exact fixes "
      "%.1f%%%s",
      static_cast<long long>(seeds_done), static_cast<long long>(samples_n), mean,
      100.0 * format_errors / n, 100.0 * exact / n,
      skipped ? (", " + std::to_string(skipped) + " skipped (prompt over budget)").c_str() : "");
  log.Summary(buf);
  if (ctx.json) {
    cli::JsonSummary()
        .Add("seeds", seeds_done)
        .Add("samples", samples_n)
        .Add("skipped_over_budget", skipped)
        .Add("mean_reward", mean)
        .Add("format_error_rate", format_errors / n)
        .Add("exact_fix_rate", exact / n)
        .Emit();
  }
  return seeds_done > 0 ? cli::kExitOk
                        : fail(Error(Code::kInvalidInput, "no seed fits --max-prompt-tokens " +
                                                              std::to_string(o.max_prompt_tokens)));
}

}  // namespace

void RegisterEval(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<EvalCliOptions>();
  CLI::App* cmd = root.add_subcommand(
      "eval",
      "Score a model on a shard's seeds: mean reward, format-error rate, exact-fix rate "
      "(reward 1.0), one NDJSON line per seed");
  cmd->add_option("--seeds", o->seeds,
                  "The shard; repeat it, or quote a glob ('out/*.db'), to score several shards "
                  "as one")
      ->required();
  cmd->add_option("--model", o->model, "A Hugging Face model directory (e.g. RUN/step_N)")
      ->required();
  cmd->add_option("--tokenizer", o->tokenizer, "Default: the model directory");
  cmd->add_option("--out", o->out, "Per-seed NDJSON here instead of stdout");
  cmd->add_option("--split", o->split, "Seeds: eval (held out by --eval-fraction), train or all")
      ->capture_default_str()
      ->check(CLI::IsMember({"eval", "train", "all"}));
  cmd->add_option("--eval-fraction", o->eval_fraction, "The held-out fraction of the training run")
      ->capture_default_str()
      ->check(cli::InRange(0.0, 1.0));
  cmd->add_option("--samples", o->samples, "Samples per seed (K)")
      ->capture_default_str()
      ->check(cli::InRange(int64_t{1}, int64_t{1} << 20));
  cmd->add_flag("--greedy", o->greedy, "One greedy answer per seed");
  cmd->add_option("--max-new-tokens", o->max_new_tokens, "Tokens per answer")
      ->capture_default_str()
      ->check(cli::InRange(int64_t{1}, int64_t{1} << 30));
  cmd->add_option("--max-prompt-tokens", o->max_prompt_tokens,
                  "Seeds with longer prompts are skipped and counted (0: no limit)")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--temperature", o->temperature, "Sampling temperature")
      ->capture_default_str()
      ->check(cli::Above(0));
  cmd->add_option("--top-p", o->top_p, "Nucleus sampling")
      ->capture_default_str()
      ->check(cli::InRange(0.0, 1.0));
  cmd->add_option("--seed", o->seed, "Sampling streams")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--batch-seeds", o->batch_seeds, "Seeds sampled together")
      ->capture_default_str()
      ->check(cli::InRange(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--reward-cmd", o->reward_cmd, "Score with this command (see grpo)");
  cmd->add_option("--reward-timeout", o->reward_timeout, "Seconds --reward-cmd may take per batch")
      ->capture_default_str()
      ->check(cli::Above(0));
  cmd->add_flag("--completions", o->completions, "Include each answer's text in the NDJSON");
  cmd->add_option("--torch-threads", o->torch_threads, "LibTorch intra-op threads (0: its default)")
      ->capture_default_str()
      ->check(cli::InRange(0, 1024));
  cmd->add_option("--device", o->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "auto, fp32, bf16 or fp16")->capture_default_str();
  AddCommonFlags(cmd, ctx);
  cmd->callback([o, &ctx] { ctx.run = [o, &ctx] { return RunEval(*o, ctx); }; });
}

}  // namespace swerl::train

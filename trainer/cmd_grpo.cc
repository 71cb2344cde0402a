// swerl-train grpo: GRPO on a curated shard (SPEC §6) in one process — the
// policy samples G answers per seed, the SWE-RL reward (or --reward-cmd)
// scores them, and the same process updates the policy: no weight sync
// between a trainer and an inference server. The step is
// loop/grpo_step.h; this file holds the flags, the loop, checkpoints and
// logging.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>

#include "command.h"
#include "swerl/cli/progress.h"
#include "swerl/reward/command_scorer.h"
#include "swerl/reward/group_scorer.h"
#include "trainer/checkpoint/checkpoint.h"
#include "trainer/generate/generator.h"
#include "trainer/grpo/loss.h"
#include "trainer/loop/grpo_step.h"
#include "trainer/loop/training_run.h"
#include "trainer/metrics/keys.h"
#include "trainer/metrics/run_log.h"
#include "trainer/train_cli.h"

namespace swerl::train {
namespace {

struct GrpoCliOptions {
  TrainOptions train;
  int64_t group_size = 16;
  int64_t max_new_tokens = 0;  // 0: max_context_tokens − the step's longest prompt
  int64_t max_context_tokens = 16384;
  double temperature = 1.0;
  double top_p = 1.0;
  std::string loss = "dapo";
  std::string adv_std = "group";
  double adv_eps = 1e-6;
  double clip_low = 0.2, clip_high = 0.28, dual_clip = 0;
  double beta = 0.001;
  int64_t epochs_per_batch = 1;
  bool mask_truncated = false;
  bool drop_zero_std = false;
  std::string reward_cmd;
  double reward_timeout = 600;
  bool rollouts = true;
};

int RunGrpo(const GrpoCliOptions& o, const std::string& config, Context& ctx) {
  ApplyCommonFlags(ctx, "grpo");
  auto& log = cli::Log::Get();
  if (!DistinctRunFiles(o.train)) return cli::kExitError;
  auto fail = [&](const Error& e) {
    log.Error(e.message());
    return cli::kExitError;
  };
  GrpoStepOptions step_options;
  step_options.group_size = o.group_size;
  step_options.run_seed = o.train.seed;
  auto adv_std = ParseAdvStd(o.adv_std);
  auto loss = ParseLossAggregation(o.loss);
  if (!adv_std) return fail(adv_std.error());
  if (!loss) return fail(loss.error());
  step_options.advantages.std = *adv_std;
  step_options.advantages.eps = o.adv_eps;
  step_options.drop_zero_std = o.drop_zero_std;
  UpdateOptions& u = step_options.update;
  u.loss = *loss;
  u.policy.clip_low = o.clip_low;
  u.policy.clip_high = o.clip_high;
  u.policy.dual_clip = o.dual_clip;
  u.policy.beta = o.beta;
  u.temperature = o.temperature;
  u.vocab_chunk = o.train.vocab_chunk;
  u.micro_batch_tokens = o.train.micro_batch_tokens;
  u.epochs_per_batch = o.epochs_per_batch;
  u.mask_truncated = o.mask_truncated;
  u.activation_checkpointing = o.train.activation_checkpointing;
  u.max_grad_norm = o.train.max_grad_norm;

  auto started = TrainingRun::Start(o.train, "grpo", config, /*with_reference=*/o.beta > 0);
  if (!started) return fail(started.error());
  TrainingRun& run = **started;
  QuietOtherRanks(run);
  u.before_last_backward = run.ArmHook();
  u.reduce_gradients = run.ReduceGradientsHook();
  step_options.reduce_normaliser = run.NormaliserReducer();
  step_options.reduce_moments = run.MomentsReducer();
  u.vocab_limit = run.vocab_limit();
  u.pad_id = run.pad_id();
  GenerateOptions& gen = step_options.generate;
  gen.sampling.temperature = o.temperature;
  gen.sampling.top_p = o.top_p;
  gen.vocab_limit = run.vocab_limit();
  gen.pad_id = run.pad_id();
  gen.eos_ids = EndOfTurnIds(run.tokenizer());
  for (int64_t id : run.policy().config().eos_token_ids) {
    if (std::find(gen.eos_ids.begin(), gen.eos_ids.end(), id) == gen.eos_ids.end()) {
      gen.eos_ids.push_back(id);
    }
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

  log.Info("resolved configuration (saved as " + run.run_dir() + "/config.toml):\n" + config);
  log.Info(std::string("placement: ") + run.placement().device.str() + ", " +
           std::string(c10::toString(run.placement().dtype)) + "; chat format " +
           run.chat().format() + "; " + std::to_string(run.seeds().size()) +
           " training seeds of " + run.seeds().shards().Describe() + "; reward: " + scorer->Describe() + "; " + run.DescribeDistribution());
  if (!run.resumed_from().empty()) {
    log.Info("resuming from " + run.resumed_from() + " (step " + std::to_string(run.start_step()) +
             ")");
  }

  const int64_t total = o.train.steps;
  if (run.start_step() >= total) {
    log.Summary("nothing to do: the run already has " + std::to_string(run.start_step()) +
                " steps (raise --steps to continue it)");
    return cli::kExitOk;
  }
  metrics::StepMetrics last;
  int64_t step = run.start_step();
  cli::Progress progress(run.main_rank() && cli::ProgressEnabled(ctx.progress),
                         [&] { return metrics::ProgressText(step, o.train.steps, last); });
  for (step = run.start_step() + 1; step <= total; ++step) {
    const auto t0 = std::chrono::steady_clock::now();
    run.BeginStep(step);
    auto drawn = run.seeds().Next(o.train.prompts_per_step);
    if (!drawn) return fail(std::move(drawn).error().With("step " + std::to_string(step)));
    int64_t longest = 0;
    for (const DrawnSeed& d : *drawn) {
      longest = std::max<int64_t>(longest, static_cast<int64_t>(d.prompt_ids.size()));
    }
    gen.max_new_tokens = o.max_new_tokens > 0
                             ? o.max_new_tokens
                             : std::max<int64_t>(1, o.max_context_tokens - longest);
    u.lr = run.schedule().At(step - 1);
    auto result = RunGrpoStep(run.policy(), run.reference(), run.optimizer(), *scorer,
                              run.tokenizer(), run.RankSeeds(*drawn), step, step_options);
    if (!result) {
      progress.Done();
      log.Error(result.error().message());
      log.Error("the run stopped at step " + std::to_string(step) +
                "; its last complete checkpoint is intact (continue with --resume " +
                run.run_dir() + ")");
      return cli::kExitError;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    metrics::StepMetrics& m = result->metrics;
    namespace key = metrics::key;
    const double tokens = static_cast<double>(result->generated_tokens) +
                          static_cast<double>(result->update.completion_tokens);
    m.AddSum(key::kTokensPerS, seconds > 0 ? tokens / seconds : 0);  // over ranks
    m.AddMax(key::kRolloutS, result->rollout_seconds);
    m.AddMax(key::kRewardS, result->reward_seconds);
    m.AddMax(key::kUpdateS, result->update_seconds);
    m.AddMax(key::kStepS, seconds);
    if (Status st = run.LogStep(step, m); !st) return fail(st.error());
    if (o.rollouts) {
      if (Status st = run.LogRollouts(step, result->rollouts); !st) return fail(st.error());
    }
    last = std::move(m);
    progress.Tick();
    log.Info(metrics::ProgressText(step, total, last));
    if ((o.train.save_every > 0 && step % o.train.save_every == 0) || step == total) {
      if (Status st = run.SaveCheckpoint(step); !st) {
        progress.Done();
        log.Error(st.error().message());
        log.Error("the previous checkpoint is intact (continue with --resume " + run.run_dir() +
                  ")");
        return cli::kExitError;
      }
    }
  }
  progress.Done();
  if (run.main_rank())
    log.Summary(metrics::ProgressText(total, total, last) + "; skipped (prompt over budget): " +
                std::to_string(run.seeds().skipped_over_budget()) + "; checkpoint " +
                CheckpointDir(run.run_dir(), total));
  if (ctx.json && run.main_rank()) {
    EmitRunSummary(total, CheckpointDir(run.run_dir(), total), run.seeds().skipped_over_budget(),
                   last);
  }
  return cli::kExitOk;
}

}  // namespace

void RegisterGrpo(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<GrpoCliOptions>();
  CLI::App* cmd = root.add_subcommand(
      "grpo",
      "GRPO on a shard (SPEC §6): sample --group-size answers per seed, score them with the "
      "SWE-RL reward (or --reward-cmd), update the policy; checkpoints, metrics and rollouts "
      "under the run directory");
  AddTrainOptions(cmd, &o->train);
  cmd->add_option("--group-size", o->group_size, "Samples per seed (G)")
      ->capture_default_str()
      ->check(cli::InRange(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--max-new-tokens", o->max_new_tokens,
                  "Tokens per completion (0: --max-context-tokens minus the step's longest prompt)")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--max-context-tokens", o->max_context_tokens, "Prompt + completion budget")
      ->capture_default_str()
      ->check(cli::InRange(int64_t{2}, int64_t{1} << 30));
  cmd->add_option("--temperature", o->temperature, "Sampling temperature (log-probs use it too)")
      ->capture_default_str()
      ->check(cli::Above(0));
  cmd->add_option("--top-p", o->top_p, "Nucleus sampling")
      ->capture_default_str()
      ->check(cli::InRange(0.0, 1.0));
  cmd->add_option("--loss", o->loss, "Loss aggregation: dapo (token mean), grpo, dr_grpo")
      ->capture_default_str()
      ->check(CLI::IsMember({"dapo", "grpo", "dr_grpo"}));
  cmd->add_option("--adv-std", o->adv_std, "Advantage scaling: group, batch or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"group", "batch", "none"}));
  cmd->add_option("--adv-eps", o->adv_eps, "Added to the std before dividing")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--clip-low", o->clip_low, "ε_low: the ratio's floor is 1 − ε_low")
      ->capture_default_str()
      ->check(cli::InRange(0.0, 1.0));
  cmd->add_option("--clip-high", o->clip_high, "ε_high: the ratio's ceiling is 1 + ε_high")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--dual-clip", o->dual_clip, "verl's dual clip c for A < 0 (0: off)")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--beta", o->beta,
                  "k3 KL coefficient against the starting model (0: no reference model)")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--epochs-per-batch", o->epochs_per_batch, "Optimizer steps per batch (μ)")
      ->capture_default_str()
      ->check(cli::InRange(int64_t{1}, int64_t{1000}));
  cmd->add_flag("--mask-truncated", o->mask_truncated,
                "Completions cut at --max-new-tokens carry no loss");
  cmd->add_flag("--drop-zero-std", o->drop_zero_std,
                "Leave groups whose rewards are all equal out of the update");
  cmd->add_option("--reward-cmd", o->reward_cmd,
                  "Score with a long-lived command speaking swerl reward's lines "
                  "(schemas/records/reward.md) instead of the in-process SWE-RL reward");
  cmd->add_option("--reward-timeout", o->reward_timeout, "Seconds --reward-cmd may take per step")
      ->capture_default_str()
      ->check(cli::Above(0));
  cmd->add_flag("--rollouts,!--no-rollouts", o->rollouts,
                "Write every sample to RUN/rollouts/step_N.ndjson.gz")
      ->default_str("true");
  AddConfigOption(cmd);
  AddCommonFlags(cmd, ctx);
  cmd->footer(
      "The run directory holds config.toml (the resolved settings), metrics.jsonl, tb/ "
      "(TensorBoard), rollouts/ and step_NNNNNNNN/ checkpoints, each a Hugging Face model "
      "directory plus optimizer state (schemas/records/metrics.md, trainer/README.md). "
      "--resume RUN continues exactly where the last complete checkpoint left off. " +
      std::string(cli::kExitCodesHelp));
  cmd->callback([o, cmd, &ctx] {
    const std::string config = ResolvedConfig(cmd);
    ctx.run = [o, config, &ctx] { return RunGrpo(*o, config, ctx); };
  });
}

}  // namespace swerl::train

// swerl-train sft: the paper's SFT baseline — cross-entropy on the answer
// tokens only, the answer being the seed's oracle SEARCH/REPLACE blocks in
// the SWE-RL output format (data/sft_answer.h). Same run directory,
// checkpoints, resume, metrics and memory rules as grpo (loop/training_run.h).
#include <chrono>

#include "command.h"
#include "swerl/cli/progress.h"
#include "trainer/checkpoint/checkpoint.h"
#include "trainer/data/sft_answer.h"
#include "trainer/grpo/sft.h"
#include "trainer/loop/training_run.h"
#include "trainer/metrics/keys.h"
#include "trainer/train_cli.h"

namespace swerl::train {
namespace {

struct SftCliOptions {
  TrainOptions train;
};

int RunSft(const SftCliOptions& o, const std::string& config, Context& ctx) {
  ApplyCommonFlags(ctx, "sft");
  auto& log = cli::Log::Get();
  if (!DistinctRunFiles(o.train)) return cli::kExitError;
  auto fail = [&](const Error& e) {
    log.Error(e.message());
    return cli::kExitError;
  };
  auto started = TrainingRun::Start(o.train, "sft", config, /*with_reference=*/false);
  if (!started) return fail(started.error());
  TrainingRun& run = **started;
  QuietOtherRanks(run);
  log.Info("resolved configuration (saved as " + run.run_dir() + "/config.toml):\n" + config);
  log.Info("placement: " + run.placement().device.str() + "; " + run.DescribeDistribution());
  const int64_t total = o.train.steps;
  if (run.start_step() >= total) {
    log.Summary("nothing to do: the run already has " + std::to_string(run.start_step()) +
                " steps (raise --steps to continue it)");
    return cli::kExitOk;
  }
  SftOptions sft;
  sft.vocab_limit = run.vocab_limit();
  sft.vocab_chunk = o.train.vocab_chunk;
  sft.micro_batch_tokens = o.train.micro_batch_tokens;
  sft.pad_id = run.pad_id();
  sft.before_last_backward = run.ArmHook();
  const auto reduce_gradients = run.ReduceGradientsHook();
  const auto reduce_normaliser = run.NormaliserReducer();
  run.policy().set_activation_checkpointing(o.train.activation_checkpointing);

  metrics::StepMetrics last;
  int64_t step = run.start_step();
  cli::Progress progress(run.main_rank() && cli::ProgressEnabled(ctx.progress),
                         [&] { return metrics::ProgressText(step, total, last); });
  namespace key = metrics::key;
  for (step = run.start_step() + 1; step <= total; ++step) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string where = "step " + std::to_string(step);
    run.BeginStep(step);
    auto drawn = run.seeds().Next(o.train.prompts_per_step);
    if (!drawn) return fail(std::move(drawn).error().With(where));
    std::vector<SftSample> samples;
    Normaliser norm;
    for (const DrawnSeed& d : run.RankSeeds(*drawn)) {
      samples.push_back({d.prompt_ids, run.chat().EncodeAnswer(SftAnswer(d.seed))});
      norm.tokens += static_cast<double>(samples.back().answer_ids.size());
      norm.sequences += 1;
    }
    if (reduce_normaliser) {  // the token mean is over every rank's answers
      if (Status st = reduce_normaliser(&norm); !st) return fail(std::move(st).error().With(where));
    }
    run.policy().train();
    run.optimizer().ZeroGrad();
    auto stats = AccumulateSftGradients(run.policy(), samples, sft, norm);
    const double lr = run.schedule().At(step - 1);
    Status reduced = OkStatus();
    // Every rank takes part in the reduction, even one whose own part failed.
    if (reduce_gradients) reduced = reduce_gradients();
    Result<double> grad_norm = !stats     ? Result<double>(stats.error())
                               : !reduced ? Result<double>(reduced.error())
                                          : run.optimizer().Step(lr, o.train.max_grad_norm);
    run.optimizer().ZeroGrad();
    if (!grad_norm) {
      progress.Done();
      log.Error(std::move(grad_norm).error().With(where).message());
      log.Error("the run stopped at " + where +
                "; its last complete checkpoint is intact "
                "(continue with --resume " +
                run.run_dir() + ")");
      return cli::kExitError;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    metrics::StepMetrics m;
    m.AddSum(key::kLoss, stats->loss);  // ranks' shares of the step loss
    m.Set(key::kGradNorm, *grad_norm);
    m.Set(key::kLearningRate, lr);
    m.AddSum(key::kTokensPerS, seconds > 0 ? stats->tokens / seconds : 0);  // over ranks
    m.AddMax(key::kUpdateS, seconds);
    m.AddMax(key::kStepS, seconds);
    if (Status st = run.LogStep(step, m); !st) return fail(st.error());
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
    log.Summary(metrics::ProgressText(total, total, last) + "; checkpoint " +
                CheckpointDir(run.run_dir(), total));
  if (ctx.json && run.main_rank()) {
    EmitRunSummary(total, CheckpointDir(run.run_dir(), total), run.seeds().skipped_over_budget(),
                   last);
  }
  return cli::kExitOk;
}

}  // namespace

void RegisterSft(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<SftCliOptions>();
  CLI::App* cmd = root.add_subcommand(
      "sft",
      "Supervised fine-tuning on a shard: cross-entropy on each seed's oracle answer (its real "
      "change as SEARCH/REPLACE blocks in the SWE-RL format), the paper's SFT baseline");
  AddTrainOptions(cmd, &o->train);
  AddConfigOption(cmd);
  AddCommonFlags(cmd, ctx);
  cmd->footer("The run directory is laid out as grpo's (trainer/README.md). " +
              std::string(cli::kExitCodesHelp));
  cmd->callback([o, cmd, &ctx] {
    const std::string config = ResolvedConfig(cmd);
    ctx.run = [o, config, &ctx] { return RunSft(*o, config, ctx); };
  });
}

}  // namespace swerl::train

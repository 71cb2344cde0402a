#include "trainer/train_cli.h"

#include "swerl/cli/flags.h"
#include "swerl/cli/log.h"
#include "swerl/cli/paths.h"
#include "swerl/cli/summary.h"

namespace swerl::train {

void AddTrainOptions(CLI::App* cmd, TrainOptions* o) {
  cmd->add_option("--seeds", o->seeds,
                  "The shard to train on (swerl export --out); repeat it, or quote a glob "
                  "('out/*.db'), to train on several shards as one dataset");
  cmd->add_option("--model", o->model, "The starting model: a Hugging Face directory");
  cmd->add_option("--tokenizer", o->tokenizer,
                  "tokenizer.json or its directory (default: the model directory)");
  cmd->add_option("--out", o->out, "The run directory to create");
  cmd->add_option("--resume", o->resume,
                  "Continue the run in this directory from its latest complete checkpoint "
                  "(its config.toml supplies every setting the command line does not)");
  cmd->add_option("--steps", o->steps, "Optimizer steps of the whole run")
      ->capture_default_str()
      ->check(cli::InRange(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--prompts-per-step", o->prompts_per_step, "Seeds drawn per step")
      ->capture_default_str()
      ->check(cli::InRange(int64_t{1}, int64_t{1} << 30));
  cmd->add_option("--max-prompt-tokens", o->max_prompt_tokens,
                  "Seeds whose prompt is longer are skipped and counted (0: no limit)")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--eval-fraction", o->eval_fraction,
                  "Seeds held out for `swerl-train eval` (by instance id; 0: none)")
      ->capture_default_str()
      ->check(cli::InRange(0.0, 1.0));
  cmd->add_option("--seed", o->seed, "The run's seed: draw order and sampling streams")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--lr", o->lr, "Peak learning rate")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--warmup", o->warmup, "Linear warm-up steps")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--schedule", o->schedule, "After warm-up: constant or cosine (to --min-lr)")
      ->capture_default_str()
      ->check(CLI::IsMember({"constant", "cosine"}));
  cmd->add_option("--min-lr", o->min_lr, "The cosine schedule's floor")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--weight-decay", o->weight_decay, "AdamW's decoupled weight decay (matrices)")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--adam-beta1", o->adam_beta1, "AdamW β1")
      ->capture_default_str()
      ->check(cli::InRange(0.0, 1.0));
  cmd->add_option("--adam-beta2", o->adam_beta2, "AdamW β2")
      ->capture_default_str()
      ->check(cli::InRange(0.0, 1.0));
  cmd->add_option("--adam-eps", o->adam_eps, "AdamW ε")
      ->capture_default_str()
      ->check(cli::Above(0));
  cmd->add_option("--max-grad-norm", o->max_grad_norm, "Global gradient-norm clip (0: no clipping)")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--micro-batch-tokens", o->micro_batch_tokens,
                  "Tokens (padded rows × width) per forward/backward; gradients accumulate")
      ->capture_default_str()
      ->check(cli::InRange(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--vocab-chunk", o->vocab_chunk,
                  "Vocabulary rows per chunk of the fused lm_head → log-prob")
      ->capture_default_str()
      ->check(cli::InRange(int64_t{1}, int64_t{1} << 30));
  cmd->add_flag("--activation-checkpointing,!--no-activation-checkpointing",
                o->activation_checkpointing,
                "Recompute each decoder layer in the backward instead of keeping its activations");
  cmd->add_option("--save-every", o->save_every,
                  "Write a checkpoint every N steps (0: only at the end)")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_option("--keep-last", o->keep_last, "Complete checkpoints kept (0: all)")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  cmd->add_flag("--tensorboard,!--no-tensorboard", o->tensorboard,
                "Write TensorBoard event files under RUN/tb")
      ->default_str("true");
  cmd->add_option("--device", o->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--dtype", o->dtype,
                  "Compute dtype: auto (fp32 on CPU, bf16 on CUDA), fp32, bf16")
      ->capture_default_str();
  cmd->add_option("--torch-threads", o->torch_threads,
                  "LibTorch intra-op threads (0: LibTorch's default)")
      ->capture_default_str()
      ->check(cli::AtLeast(0));
  // Data parallel: read only when torchrun or srun started the process.
  cmd->add_option("--backend", o->backend,
                  "Data-parallel collectives: auto (nccl on CUDA, gloo on CPU), gloo or nccl")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "gloo", "nccl"}));
  cmd->add_option("--dist-timeout", o->dist_timeout,
                  "Seconds a rank waits for the others in a collective before the run stops")
      ->capture_default_str()
      ->check(cli::Above(0));
  cmd->add_option("--zero", o->zero,
                  "ZeRO stage: 0 (optimizer state on every rank) or 1 (sharded across ranks)")
      ->capture_default_str()
      ->check(cli::InRange(0, 1));
  cmd->add_option("--bucket-mb", o->bucket_mb,
                  "Gradient bucket size in MiB (reduced while the backward runs)")
      ->capture_default_str()
      ->check(cli::Above(0));
}

void QuietOtherRanks(const TrainingRun& run) {
  if (run.main_rank()) return;
  auto& log = cli::Log::Get();
  log.set_prefix("swerl-train rank " + std::to_string(run.rank()));
  if (log.enabled(cli::Level::kInfo)) log.set_level(cli::Level::kWarning);
}

bool DistinctRunFiles(const TrainOptions& o) {
  // With --resume, the saved configuration's --out names the same run.
  const io::NamedPath run =
      o.resume.empty() ? io::NamedPath{"--out", o.out} : io::NamedPath{"--resume", o.resume};
  std::vector<io::NamedPath> inputs = {{"--model", o.model}, {"--tokenizer", o.tokenizer}};
  for (const std::string& seeds : o.seeds) inputs.push_back({"--seeds", seeds});
  return cli::DistinctFiles(inputs, {run});
}

void EmitRunSummary(int64_t steps, const std::string& checkpoint, int64_t skipped_over_budget,
                    const metrics::StepMetrics& last) {
  cli::JsonSummary summary;
  summary.Add("steps", steps)
      .Add("checkpoint", checkpoint)
      .Add("skipped_over_budget", skipped_over_budget);
  for (const auto& [key, value] : last.Values()) summary.Add(key, value);
  summary.Emit();
}

}  // namespace swerl::train

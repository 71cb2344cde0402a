#!/usr/bin/env bash
# Data-parallel training steps on the CPU: swerl-train sft on the same
# global batch in 1 process and in 2 Gloo processes under the venv's real
# torchrun (with and without --zero 1). SFT exchanges exactly what a GRPO
# update exchanges (bucketed gradient reductions, the global token count,
# the step metrics) without sampling noise in the timings. Model: a random
# Qwen3 (HIDDEN, LAYERS, the real 151,669-token Qwen3 vocabulary, tied
# embeddings); data: the demo world's shard (scripts/demo.sh with
# DEMO_TRAIN=0), PROMPTS prompts per step, STEPS steps of which the first is
# left out of the means (warm-up; it also learns the gradient hooks' order).
# Reports per configuration: step and update seconds, the bytes one rank
# hands to collectives per step against 4 x the parameter count, the
# seconds the gradient reduction still took after the backward (what the
# overlap did not hide) as a share of the update, and optimizer MiB per
# rank; and the same 2 processes with one bucket (no overlap possible) to
# show how much of the reduction the buckets hide. Writes
# BUILD_DIR/bench/dist_step.json.
#
# Usage: bench/trainer/dist_step.sh BUILD_DIR   (env: SWERL_PYTHON, HIDDEN, LAYERS,
#        PROMPTS, STEPS, MICRO_BATCH_TOKENS, MAX_PROMPT_TOKENS, BUCKET_MB)
set -euo pipefail
build=${1:?usage: bench/trainer/dist_step.sh BUILD_DIR}
build=$(cd "$build" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
py=${SWERL_PYTHON:-$HOME/.cache/swerl/venv/bin/python}
torchrun=$(dirname "$py")/torchrun
hidden=${HIDDEN:-256}
layers=${LAYERS:-4}
prompts=${PROMPTS:-8}
steps=${STEPS:-5}
micro=${MICRO_BATCH_TOKENS:-4096}
max_prompt=${MAX_PROMPT_TOKENS:-1536}
bucket=${BUCKET_MB:-25}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/bench"

echo "dist_step: the demo world's shard" >&2
DEMO_TRAIN=0 DEMO_OUT="$work/demo" bash "$root/scripts/demo.sh" "$build" > "$work/demo.log" 2>&1 ||
  { tail -20 "$work/demo.log" >&2; exit 2; }
"$build/swerl-train" init -q --arch qwen3 --tokenizer "$root/tests/data/tokenizers/qwen3" \
  --out "$work/model" --hidden "$hidden" --layers "$layers" --heads 4 --kv-heads 2 --seed 1
# The same shape with a separate lm_head: its gradient (as large as the
# embedding's) is final early in the backward, so its reduction can overlap.
"$build/swerl-train" init -q --arch qwen3 --tokenizer "$root/tests/data/tokenizers/qwen3" \
  --out "$work/untied" --hidden "$hidden" --layers "$layers" --heads 4 --kv-heads 2 --seed 1 --untied

common=(sft -q --seeds "$work/demo/shard.db" --steps "$steps"
        --prompts-per-step "$prompts" --max-prompt-tokens "$max_prompt" --micro-batch-tokens "$micro"
        --lr 1e-4 --warmup 0 --seed 5 --no-tensorboard)
run() {  # run NAME THREADS NPROC [flags]  (--model defaults to the tied one)
  local name=$1 threads=$2 nproc=$3
  shift 3
  [[ " $* " == *" --model "* ]] || set -- --model "$work/model" "$@"
  echo "dist_step: $name" >&2
  if [[ $nproc == 1 ]]; then
    OMP_NUM_THREADS=$threads "$build/swerl-train" "${common[@]}" --torch-threads "$threads" \
      --out "$work/$name" "$@"
  else
    OMP_NUM_THREADS=$threads "$torchrun" --no-python --standalone --nproc-per-node "$nproc" \
      "$build/swerl-train" "${common[@]}" --torch-threads "$threads" --out "$work/$name" "$@" \
      > "$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; exit 2; }
  fi
}
run one_1t 1 1
run one_2t 2 1
run two_1t 1 2 --bucket-mb "$bucket"
run two_1t_zero1 1 2 --bucket-mb "$bucket" --zero 1
# One bucket holding every gradient: it can only leave after the backward,
# so its wait is the whole reduction (what the overlap above hides).
run two_1t_one_bucket 1 2 --bucket-mb 100000
run untied_two_1t 1 2 --bucket-mb "$bucket" --model "$work/untied"
run untied_two_1t_one_bucket 1 2 --bucket-mb 100000 --model "$work/untied"

"$py" - "$work" "$build/bench/dist_step.json" "$hidden" "$layers" "$prompts" "$steps" <<'PY'
import json, math, os, platform, statistics, sys
from safetensors import safe_open
work, out, hidden, layers, prompts, steps = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
def count(model):
    with safe_open(os.path.join(work, model, "model.safetensors"), "np") as f:
        return sum(math.prod(f.get_slice(k).get_shape()) for k in f.keys())
params, untied_params = count("model"), count("untied")
def metrics(name):
    rows = [json.loads(l) for l in open(os.path.join(work, name, "metrics.jsonl"))][1:]
    mean = lambda k: statistics.mean(r[k] for r in rows) if rows and k in rows[0] else None
    return {k: mean(k) for k in ("step_s", "update_s", "comm_bytes", "comm_wait_s", "optimizer_mib", "loss")}
names = ["one_1t", "one_2t", "two_1t", "two_1t_zero1", "two_1t_one_bucket", "untied_two_1t",
         "untied_two_1t_one_bucket"]
res = {n: metrics(n) for n in names}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
report = {"machine": f"{os.cpu_count()} vCPU {cpu}", "params": params, "untied_params": untied_params, "hidden": hidden, "layers": layers,
          "prompts_per_step": prompts, "steps_measured": steps - 1, "runs": res}
json.dump(report, open(out, "w"), indent=1)
base = res["one_1t"]["step_s"]
print(f"data-parallel SFT step, {report['machine']}; Qwen3 h{hidden} L{layers}, {params/1e6:.1f}M params "
      f"(fp32 gradient {params*4/2**20:.0f} MiB; untied {untied_params/1e6:.1f}M), {prompts} prompts/step, "
      f"mean of steps 2..{steps}")
def fmt(v, spec):
    return "" if v is None else format(v, spec)
print(f"{'run':<26}{'step s':>8}{'vs 1p1t':>9}{'update s':>10}{'comm MiB/step':>15}{'/ 4*params':>12}"
      f"{'exposed comm s':>16}{'% of update':>13}{'optim MiB/rank':>16}")
labels = ["1 process, 1 thread", "1 process, 2 threads", "2 Gloo processes x 1", "2 x 1, --zero 1",
          "2 x 1, one bucket", "untied: 2 x 1", "untied: 2 x 1, one bucket"]
for n, label in zip(names, labels):
    r = res[n]
    cb, wait, mib = r["comm_bytes"], r["comm_wait_s"], r["optimizer_mib"]
    print(f"{label:<26}{r['step_s']:>8.2f}{base / r['step_s']:>8.2f}x{r['update_s']:>10.2f}"
          f"{fmt(cb and cb / 2**20, '.0f'):>15}"
          f"{fmt(cb and cb / (4 * (untied_params if n.startswith('untied') else params)), '.2f'):>12}"
          f"{fmt(wait, '.3f'):>16}{fmt(wait and 100 * wait / r['update_s'], '.1f'):>13}{fmt(mib, '.0f'):>16}")
for tag, prefix in (("tied", ""), ("untied", "untied_")):
    ob, ov = res[prefix + "two_1t_one_bucket"]["comm_wait_s"], res[prefix + "two_1t"]["comm_wait_s"]
    report[f"overlap_hidden_fraction_{tag}"] = 1 - ov / ob if ob else None
    print(f"overlap ({tag}): {ov:.3f} s exposed with buckets vs {ob:.3f} s for one bucket after the "
          f"backward: {100 * (1 - ov / ob):.0f}% of the reduction hidden")
json.dump(report, open(out, "w"), indent=1)
print("mean loss of the measured steps (must agree):", {n: round(res[n]["loss"], 6) for n in names})
PY

#!/usr/bin/env bash
# One GRPO step on the CPU, phase by phase: swerl_grpo_bench (the trainer's
# RolloutAndScore and Update) against hf_grpo_step.py (transformers'
# generate and TRL's update in PyTorch eager) on the same random Qwen3
# checkpoint (hidden 256, 4 layers, the real 151,669-token vocabulary), the
# same PROMPTS prompts of 64-192 random ids, the same G, NEW_TOKENS new
# tokens (no EOS), temperature, reward (the ASCII-letter share of the
# decoded text), loss (dapo, clip-higher 0.2/0.28, beta 0), micro-batches
# (padded tokens <= MICRO_BATCH_TOKENS) and one AdamW step, THREADS threads.
# Every phase runs in a process of its own, so each peak RSS (VmHWM) is that
# phase's plus the model load; both updates train on the swerl rollout's
# batch (same tokens, same advantages), and their gradient norms are
# compared. The engines alternate ROUNDS times. Prints a table; writes
# BUILD_DIR/bench/grpo_step.json.
#
# Usage: bench/trainer/grpo_step.sh BUILD_DIR   (env: SWERL_PYTHON, HIDDEN, LAYERS,
#        PROMPTS, GROUP, NEW_TOKENS, TEMPERATURE, THREADS, MICRO_BATCH_TOKENS,
#        VOCAB_CHUNK, LOGP=trl|log_softmax, ROUNDS)
set -euo pipefail
build=${1:?usage: bench/trainer/grpo_step.sh BUILD_DIR}
build=$(cd "$build" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
py=${SWERL_PYTHON:-$HOME/.cache/swerl/venv/bin/python}
hidden=${HIDDEN:-256}
layers=${LAYERS:-4}
prompts=${PROMPTS:-4}
group=${GROUP:-8}
new_tokens=${NEW_TOKENS:-64}
temperature=${TEMPERATURE:-1.0}
threads=${THREADS:-1}
micro=${MICRO_BATCH_TOKENS:-4096}
chunk=${VOCAB_CHUNK:-4096}
logp=${LOGP:-trl}
rounds=${ROUNDS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/bench"
load_start=$(cut -d' ' -f1 /proc/loadavg)

"$build/swerl-train" init -q --arch qwen3 --tokenizer "$root/tests/data/tokenizers/qwen3" --out "$work/model" \
  --hidden "$hidden" --layers "$layers" --heads 4 --kv-heads 2 --seed 1
"$py" - "$prompts" > "$work/prompts.jsonl" <<'PY'
import json, random, sys
rng = random.Random(0)
for _ in range(int(sys.argv[1])):
    print(json.dumps({"ids": [rng.randrange(151643) for _ in range(rng.randint(64, 192))]}))
PY

args=(--model "$work/model" --prompts "$work/prompts.jsonl" --group "$group"
      --max-new-tokens "$new_tokens" --temperature "$temperature" --threads "$threads"
      --micro-batch-tokens "$micro" --vocab-chunk "$chunk")
export OMP_NUM_THREADS=$threads
for round in $(seq "$rounds"); do
  echo "grpo_step: round $round of $rounds" >&2
  "$build/bench/swerl_grpo_bench" --phase rollout --batch "$work/batch.$round.jsonl" "${args[@]}" \
    > "$work/swerl.rollout.$round.json"
  "$py" "$root/bench/trainer/hf_grpo_step.py" --phase rollout --batch "$work/hf_batch.$round.jsonl" \
    "${args[@]}" 2> "$work/hf.log" > "$work/hf.rollout.$round.json" || { cat "$work/hf.log" >&2; exit 2; }
  "$build/bench/swerl_grpo_bench" --phase update --batch "$work/batch.$round.jsonl" "${args[@]}" \
    > "$work/swerl.update.$round.json"
  "$py" "$root/bench/trainer/hf_grpo_step.py" --phase update --batch "$work/batch.$round.jsonl" \
    --logp "$logp" "${args[@]}" 2> "$work/hf.log" > "$work/hf.update.$round.json" \
    || { cat "$work/hf.log" >&2; exit 2; }
done

"$py" - "$work" "$build/bench/grpo_step.json" "$load_start" <<PY
import json, os, sys
work, out_path, load_start = sys.argv[1], sys.argv[2], float(sys.argv[3])
rounds = $rounds
config = dict(hidden=$hidden, layers=$layers, prompts=$prompts, group=$group, new_tokens=$new_tokens,
              temperature=$temperature, threads=$threads, micro_batch_tokens=$micro, vocab_chunk=$chunk,
              logp="$logp", loss="dapo", clip=[0.2, 0.28], beta=0.0, lr=1e-6, max_grad_norm=1.0)
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
import transformers, torch
machine = dict(cpu=cpu, cores=os.cpu_count(), load_start=load_start, load_end=os.getloadavg()[0],
               torch=torch.__version__, transformers=transformers.__version__)
runs = []
for r in range(1, rounds + 1):
    runs.append({e: {p: json.load(open(f"{work}/{e}.{p}.{r}.json")) for p in ("rollout", "update")}
                 for e in ("swerl", "hf")})
first = runs[0]["swerl"]["rollout"]
print(f"qwen3 hidden {config['hidden']}, {config['layers']} layers, vocab 151,680 (151,669 sampled), fp32, "
      f"{config['threads']} thread(s); {config['prompts']} prompts ({first['prompt_tokens']} tokens) x G={config['group']}, "
      f"{config['new_tokens']} new tokens, temperature {config['temperature']}, no EOS; update: dapo, clip 0.2/0.28, "
      f"beta 0, {runs[0]['swerl']['update']['micro_batches']} micro-batch(es) of <= {config['micro_batch_tokens']} "
      f"padded tokens, AdamW, transformers log-probs '{config['logp']}'")
print(f"{cpu}, {machine['cores']} cores, load average {load_start:.1f} at the start, "
      f"{machine['load_end']:.1f} at the end; torch {machine['torch']}, transformers {machine['transformers']}")
print(f"{'round':>5} {'phase':<8} {'swerl s':>8} {'hf s':>8} {'speed':>6} {'cpu-s ratio':>11} "
      f"{'swerl MiB':>9} {'hf MiB':>8} {'ratio':>6} {'swerl +MiB':>10} {'hf +MiB':>8} {'ratio':>6}")
rows = {"rollout": [], "reward": [], "update": []}
for r, run in enumerate(runs, 1):
    s, h = run["swerl"], run["hf"]
    for phase, key in (("rollout", "rollout_seconds"), ("reward", "reward_seconds"), ("update", "update_seconds")):
        proc = "update" if phase == "update" else "rollout"
        ss, hs = s[proc][key], h[proc][key]
        row = dict(swerl_s=ss, hf_s=hs, speed=hs / ss)
        line = f"{r:>5} {phase:<8} {ss:>8.3f} {hs:>8.3f} {hs / ss:>6.2f} "
        if phase == "reward":
            line += f"{'':>11}"
        else:
            row["cpu_speed"] = h[proc]["cpu_seconds"] / s[proc]["cpu_seconds"]
            line += f"{row['cpu_speed']:>11.2f}"
        if phase != "reward":
            sp, hp = s[proc]["peak_rss_mib"], h[proc]["peak_rss_mib"]
            sd, hd = sp - s[proc]["rss_load_mib"], hp - h[proc]["rss_load_mib"]
            row.update(swerl_peak_mib=sp, hf_peak_mib=hp, peak_ratio=sp / hp, swerl_extra_mib=sd,
                       hf_extra_mib=hd, extra_ratio=sd / hd)
            line += f" {sp:>9.0f} {hp:>8.0f} {sp / hp:>6.2f} {sd:>10.0f} {hd:>8.0f} {sd / hd:>6.2f}"
        print(line)
        rows[phase].append(row)
summary = {}
for phase, rs in rows.items():
    best_s, best_h = min(x["swerl_s"] for x in rs), min(x["hf_s"] for x in rs)
    summary[phase] = dict(best_swerl_s=best_s, best_hf_s=best_h, speed_of_bests=best_h / best_s,
                          speed_range=[min(x["speed"] for x in rs), max(x["speed"] for x in rs)])
    if phase != "reward":
        summary[phase]["peak_ratio"] = max(x["peak_ratio"] for x in rs)
        summary[phase]["extra_ratio"] = max(x["extra_ratio"] for x in rs)
for phase in ("rollout", "update"):
    x = summary[phase]
    print(f"{phase}: best-of swerl {x['best_swerl_s']:.2f} s, transformers {x['best_hf_s']:.2f} s, "
          f"speed {x['speed_of_bests']:.2f}x (rounds {x['speed_range'][0]:.2f}-{x['speed_range'][1]:.2f}); "
          f"peak RSS ratio {x['peak_ratio']:.2f}, above-load ratio {x['extra_ratio']:.2f} (worst round)")
checks = []
for run in runs:
    su, hu = run["swerl"]["update"], run["hf"]["update"]
    checks.append(dict(swerl_grad_norm=su["grad_norm"], hf_grad_norm=hu["grad_norm"],
                       grad_norm_rel_diff=abs(su["grad_norm"] - hu["grad_norm"]) / hu["grad_norm"],
                       swerl_mean_abs_dlogp=su["mean_abs_dlogp"], hf_mean_abs_dlogp=hu["mean_abs_dlogp"]))
worst = max(c["grad_norm_rel_diff"] for c in checks)
print(f"check: grad norms before clipping agree to {worst:.1e} (relative; round 1: swerl "
      f"{checks[0]['swerl_grad_norm']:.6f}, transformers {checks[0]['hf_grad_norm']:.6f}); mean |log p - "
      f"the swerl sampler's log p|: swerl {max(c['swerl_mean_abs_dlogp'] for c in checks):.1e}, "
      f"transformers {max(c['hf_mean_abs_dlogp'] for c in checks):.1e} (its softmax also spans the 11 padded rows)")
json.dump(dict(config=config, machine=machine, rounds=runs, summary=summary, checks=checks),
          open(out_path, "w"), indent=1)
if worst > 1e-3:
    sys.exit("grpo_step: the two updates disagree")
PY

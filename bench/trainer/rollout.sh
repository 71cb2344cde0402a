#!/usr/bin/env bash
# GRPO rollout speed on the CPU: swerl_rollout_bench (GenerateGroups: one
# prefill per group, the cache repeated for its G samples) against
# transformers' generate(num_return_sequences=G, do_sample=True) on the
# same random Qwen3 checkpoint (hidden 256, 4 layers, the real
# 151,669-token vocabulary), the same prompts (GROUPS_PER_BATCH prompts of
# 64-192 tokens per batch, BATCHES batches), the same temperature, no EOS
# (every completion has NEW_TOKENS tokens), one LibTorch thread. The two
# engines alternate ROUNDS times; prints every round (wall-clock tokens/s,
# and tokens per CPU-second, which moves less on a shared machine) and the
# best-of and spread of tokens/s and of the ratios.
#
# Usage: bench/trainer/rollout.sh BUILD_DIR   (env: SWERL_PYTHON, HIDDEN, LAYERS,
#        GROUP, GROUPS_PER_BATCH, BATCHES, NEW_TOKENS, TEMPERATURE, THREADS, ROUNDS)
set -euo pipefail
build=${1:?usage: bench/trainer/rollout.sh BUILD_DIR}
build=$(cd "$build" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
py=${SWERL_PYTHON:-$HOME/.cache/swerl/venv/bin/python}
hidden=${HIDDEN:-256}
layers=${LAYERS:-4}
group=${GROUP:-8}
per_batch=${GROUPS_PER_BATCH:-4}
batches=${BATCHES:-2}
new_tokens=${NEW_TOKENS:-64}
temperature=${TEMPERATURE:-1.0}
threads=${THREADS:-1}
rounds=${ROUNDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build/swerl-train" init -q --arch qwen3 --tokenizer "$root/tests/data/tokenizers/qwen3" --out "$work/model" \
  --hidden "$hidden" --layers "$layers" --heads 4 --kv-heads 2 --seed 1
"$py" - "$((per_batch * batches))" > "$work/prompts.jsonl" <<'PY'
import json, random, sys
rng = random.Random(0)
for _ in range(int(sys.argv[1])):
    print(json.dumps({"ids": [rng.randrange(151643) for _ in range(rng.randint(64, 192))]}))
PY

args=(--group "$group" --groups-per-batch "$per_batch" --max-new-tokens "$new_tokens"
      --temperature "$temperature" --threads "$threads")
for round in $(seq "$rounds"); do
  OMP_NUM_THREADS=$threads "$build/bench/swerl_rollout_bench" --model "$work/model" \
    --prompts "$work/prompts.jsonl" "${args[@]}" > "$work/ours.$round.json"
  OMP_NUM_THREADS=$threads "$py" "$root/bench/trainer/hf_rollout.py" --model "$work/model" \
    --prompts "$work/prompts.jsonl" "${args[@]}" 2> /dev/null > "$work/hf.$round.json"
done

"$py" - "$work" "$rounds" "$hidden" "$layers" "$group" "$per_batch" "$batches" "$new_tokens" \
  "$temperature" "$threads" <<'PY'
import json, os, sys
work, rounds = sys.argv[1], int(sys.argv[2])
hidden, layers, group, per_batch, batches, new_tokens, temperature, threads = sys.argv[3:11]
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
print(f"qwen3 hidden {hidden}, {layers} layers, vocab 151,680, fp32, {threads} thread(s); "
      f"{batches} batches of {per_batch} prompts (64-192 tokens) x G={group}, "
      f"{new_tokens} new tokens, temperature {temperature}, no EOS")
print(f"{cpu}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
print(f"{'round':>5} {'engine':<14} {'prefill s':>9} {'decode s':>9} {'tok/s':>8} {'decode tok/s':>13} "
      f"{'tok/cpu-s':>10}")
ratios, cpu_ratios, ours_tps, hf_tps = [], [], [], []
for r in range(1, rounds + 1):
    ours = json.load(open(f"{work}/ours.{r}.json"))
    hf = json.load(open(f"{work}/hf.{r}.json"))
    for name, s in (("swerl", ours), ("transformers", hf)):
        print(f"{r:>5} {name:<14} {s['prefill_seconds']:>9.2f} {s['decode_seconds']:>9.2f} "
              f"{s['tokens_per_second']:>8.1f} {s['decode_tokens_per_second']:>13.1f} "
              f"{s['tokens_per_cpu_second']:>10.1f}")
    ours_tps.append(ours["tokens_per_second"])
    hf_tps.append(hf["tokens_per_second"])
    ratios.append(ours["tokens_per_second"] / hf["tokens_per_second"])
    cpu_ratios.append(ours["tokens_per_cpu_second"] / hf["tokens_per_cpu_second"])
    print(f"{r:>5} {'ratio':<14} {'':>9} {'':>9} {ratios[-1]:>8.2f} {'':>13} {cpu_ratios[-1]:>10.2f}")
print(f"best-of tok/s: swerl {max(ours_tps):.1f} (spread {min(ours_tps):.1f}-{max(ours_tps):.1f}), "
      f"transformers {max(hf_tps):.1f} (spread {min(hf_tps):.1f}-{max(hf_tps):.1f}); "
      f"ratio of bests {max(ours_tps) / max(hf_tps):.2f}, per-round ratios {min(ratios):.2f}-{max(ratios):.2f}, "
      f"per-round CPU-time ratios {min(cpu_ratios):.2f}-{max(cpu_ratios):.2f}")
PY

#!/usr/bin/env bash
# CPU generation speed: `swerl-train generate` against transformers'
# generate on the same random Qwen3 checkpoint (hidden 256, 4 layers, the
# real 151,669-token vocabulary), the same prompts (8 ragged prompts of
# 64-192 tokens per batch, 3 batches) and greedy decoding of 64 new tokens,
# at 1 and 2 LibTorch threads. Prints prefill and decode tokens/s and their
# ratio, and checks that both produced the same tokens.
#
# Usage: bench/trainer/run.sh BUILD_DIR   (env: SWERL_PYTHON, THREADS="1 2",
#        HIDDEN, LAYERS, NEW_TOKENS, BATCH)
set -euo pipefail
build=${1:?usage: bench/trainer/run.sh BUILD_DIR}
build=$(cd "$build" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
py=${SWERL_PYTHON:-$HOME/.cache/swerl/venv/bin/python}
threads_list=${THREADS:-"1 2"}
hidden=${HIDDEN:-256}
layers=${LAYERS:-4}
new_tokens=${NEW_TOKENS:-64}
batch=${BATCH:-8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build/swerl-train" init -q --arch qwen3 --tokenizer "$root/tests/data/tokenizers/qwen3" --out "$work/model" \
  --hidden "$hidden" --layers "$layers" --heads 4 --kv-heads 2 --seed 1
"$py" - "$batch" > "$work/prompts.jsonl" <<'PY'
import json, random, sys
rng = random.Random(0)
for _ in range(int(sys.argv[1])):
    print(json.dumps({"ids": [rng.randrange(151643) for _ in range(rng.randint(64, 192))]}))
PY
cat "$work/prompts.jsonl" "$work/prompts.jsonl" "$work/prompts.jsonl" > "$work/prompts3.jsonl"

for threads in $threads_list; do
  "$build/swerl-train" generate --model "$work/model" --greedy --max-new-tokens "$new_tokens" \
    --batch-size "$batch" --torch-threads "$threads" --device cpu --json \
    < "$work/prompts3.jsonl" > "$work/ours.$threads.jsonl" 2> "$work/ours.$threads.err"
  grep '^{' "$work/ours.$threads.err" > "$work/ours.$threads.stats"
  "$py" "$root/bench/trainer/hf_generate.py" --model "$work/model" --prompts "$work/prompts.jsonl" --repeat 3 \
    --max-new-tokens "$new_tokens" --batch-size "$batch" --threads "$threads" \
    --out "$work/hf.$threads.jsonl" 2> /dev/null > "$work/hf.$threads.stats"
done

"$py" - "$work" "$threads_list" "$hidden" "$layers" "$new_tokens" "$batch" <<'PY'
import json, os, platform, sys
work, threads_list = sys.argv[1], sys.argv[2].split()
hidden, layers, new_tokens, batch = sys.argv[3:7]
def ids(path):
    return [json.loads(line)["ids"] for line in open(path)]
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
print(f"qwen3 hidden {hidden}, {layers} layers, vocab 151,680, fp32; 3 batches of {batch} prompts "
      f"(64-192 tokens), greedy, {new_tokens} new tokens")
print(f"{cpu}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
print(f"{'threads':>7} {'engine':<14} {'prefill tok/s':>14} {'decode tok/s':>13}")
for t in threads_list:
    ours = json.load(open(f"{work}/ours.{t}.stats"))
    hf = json.load(open(f"{work}/hf.{t}.stats"))
    same = ids(f"{work}/ours.{t}.jsonl") == ids(f"{work}/hf.{t}.jsonl")
    for name, s in (("swerl-train", ours), ("transformers", hf)):
        print(f"{t:>7} {name:<14} {s['prefill_tokens_per_second']:>14.0f} {s['decode_tokens_per_second']:>13.1f}")
    print(f"{t:>7} {'ratio':<14} {ours['prefill_tokens_per_second'] / hf['prefill_tokens_per_second']:>14.2f} "
          f"{ours['decode_tokens_per_second'] / hf['decode_tokens_per_second']:>13.2f}"
          f"   (same tokens: {'yes' if same else 'NO'})")
PY

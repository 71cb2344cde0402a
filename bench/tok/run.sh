#!/usr/bin/env bash
# Tokenizer encode throughput, ours against Hugging Face `tokenizers` (the
# reference, 0.23.3 in the oracle venv) on one thread, for both fixture
# tokenizers, on the same generated corpus (tests/oracles/tok_corpus.py:
# code, prose in ~30 scripts, emoji, whitespace, digits, combining marks,
# special-token strings, random code points, long runs).
#   ours: tests' tok_tool bench (Tokenizer::EncodeInto over every text, one
#         thread, tokenizer loaded before the clock starts);
#   HF:   bench/tok/hf_bench.py with RAYON_NUM_THREADS=1, the faster of
#         encode_batch and an encode loop.
# Both take the best of ROUNDS; both must produce the same number of ids.
#   bench/tok/run.sh BUILD_DIR     (env: SIZE_MB=5, ROUNDS=3, SEED=1, PYTHON)
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZE_MB=${SIZE_MB:-5}
ROUNDS=${ROUNDS:-3}
SEED=${SEED:-1}
PYTHON=${PYTHON:-$HOME/.cache/swerl/venv/bin/python}
TOOL=$BUILD/tests/tok_tool
DATA_DIR=$BUILD/bench-data
OUT_DIR=$BUILD/bench
mkdir -p "$DATA_DIR" "$OUT_DIR"
[[ -x $TOOL ]] || { echo "missing $TOOL (ninja -C $BUILD tests/tok_tool)" >&2; exit 2; }

CORPUS=$DATA_DIR/tok-corpus-$SEED-$SIZE_MB.ndjson
if [[ ! -s $CORPUS ]]; then
  echo "generating $CORPUS ..." >&2
  "$PYTHON" "$ROOT/tests/oracles/tok_corpus.py" --size-mb "$SIZE_MB" --seed "$SEED" > "$CORPUS.tmp"
  mv "$CORPUS.tmp" "$CORPUS"
fi

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
declare -A OURS HF
for model in qwen3 llama3; do
  dir=$ROOT/tests/data/tokenizers/$model
  OURS[$model]=$("$TOOL" bench "$dir" "$CORPUS" "$ROUNDS")
  HF[$model]=$(RAYON_NUM_THREADS=1 "$PYTHON" "$ROOT/bench/tok/hf_bench.py" "$dir" "$CORPUS" "$ROUNDS")
done

"$PYTHON" - "$CPU" "$(nproc)" "$CORPUS" "$OUT_DIR/tok.json" "${OURS[qwen3]}" "${HF[qwen3]}" \
  "${OURS[llama3]}" "${HF[llama3]}" <<'PY'
import json, sys
cpu, cores, corpus, out = sys.argv[1:5]
rows, ok = {}, True
for k, model in enumerate(["qwen3", "llama3"]):
    ours, hf = json.loads(sys.argv[5 + 2 * k]), json.loads(sys.argv[6 + 2 * k])
    ok &= ours["tokens"] == hf["tokens"]
    rows[model] = {"bytes": ours["bytes"], "tokens": ours["tokens"], "hf_tokens": hf["tokens"],
                   "ours_seconds": ours["seconds"], "hf_seconds": hf["seconds"],
                   "hf_batch_seconds": hf["batch_seconds"], "hf_loop_seconds": hf["loop_seconds"],
                   "ours_mb_s": ours["bytes"] / ours["seconds"] / 1e6,
                   "hf_mb_s": hf["bytes"] / hf["seconds"] / 1e6}
with open(out, "w") as f:
    json.dump({"machine": f"{cpu}, {cores} cores", "corpus": corpus, "same_token_counts": ok,
               "models": rows}, f, indent=1)
print(f"\ntokenizer encode, one thread, on {cpu} ({cores} cores); corpus {corpus}")
print(f"{'model':8s} {'MB':>6s} {'tokens':>10s} {'ours MB/s':>10s} {'HF MB/s':>9s} {'ratio':>7s}")
for model, r in rows.items():
    print(f"{model:8s} {r['bytes'] / 1e6:6.2f} {r['tokens']:10d} {r['ours_mb_s']:10.2f} "
          f"{r['hf_mb_s']:9.2f} {r['ours_mb_s'] / r['hf_mb_s']:6.1f}x")
print(f"token counts equal: {ok}; json: {out}")
sys.exit(0 if ok else 1)
PY

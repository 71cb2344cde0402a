#!/usr/bin/env bash
# `swerl reward` throughput against the CPython reference
# (tests/oracles/reward_oracle.py: R's calculate_search_replace_reward on
# CPython's difflib, called once per model output) on the same inputs, in
# two shapes made by gen_cases.py from real source files:
#   independent: CASES requests, one output each (files 1-50 KB, oracle
#                diffs and outputs 1-20 KB);
#   groups:      NGROUPS seeds x GROUP_SIZE outputs sharing context and oracle
#                (the "outputs" form: what GRPO scores every step).
# Commands run round-robin REPEAT times (the Python reference in the first
# PY_REPEAT rounds only: it is the slow one); the best wall time of each
# counts. The results of every swerl run must equal Python's.
#   bench/reward/run.sh BUILD_DIR
#   (env: CASES, NGROUPS, GROUP_SIZE, REPEAT, PY_REPEAT, PYTHON, SEED)
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SWERL=$BUILD/swerl
CASES=${CASES:-600}
NGROUPS=${NGROUPS:-40}
GROUP_SIZE=${GROUP_SIZE:-16}
REPEAT=${REPEAT:-3}
PY_REPEAT=${PY_REPEAT:-1}
PYTHON=${PYTHON:-/usr/bin/python3}
SEED=${SEED:-7}
DATA_DIR=$BUILD/bench-data
OUT_DIR=$BUILD/bench
mkdir -p "$DATA_DIR" "$OUT_DIR"

declare -A DATA COUNT WALL RSS
DATA[independent]=$DATA_DIR/reward-independent-$SEED-$CASES.ndjson
DATA[groups]=$DATA_DIR/reward-groups-$SEED-$NGROUPS-$GROUP_SIZE.ndjson
for shape in independent groups; do
  if [[ ! -s ${DATA[$shape]} ]]; then
    n=$CASES
    [[ $shape == groups ]] && n=$NGROUPS
    echo "generating ${DATA[$shape]} ($n requests) ..." >&2
    "$PYTHON" "$ROOT/bench/reward/gen_cases.py" --shape "$shape" --count "$n" --seed "$SEED" \
      --group "$GROUP_SIZE" > "${DATA[$shape]}.tmp"
    mv "${DATA[$shape]}.tmp" "${DATA[$shape]}"
  fi
done
COUNT[independent]=$(wc -l < "${DATA[independent]}")
COUNT[groups]=$((NGROUPS * GROUP_SIZE))

NAMES=(python swerl_j1 swerl_j2)
cmd() {  # cmd NAME FILE
  case $1 in
    python) echo "$PYTHON $ROOT/tests/oracles/reward_oracle.py $2" ;;
    swerl_j1) echo "$SWERL reward -j 1 -q $2" ;;
    swerl_j2) echo "$SWERL reward -j 2 -q $2" ;;
  esac
}

# Round-robin over shapes and commands, so that drift in the machine's speed
# hits all alike; each run's results are kept for the identity check.
for ((round = 0; round < REPEAT; round++)); do
  for shape in independent groups; do
    for name in "${NAMES[@]}"; do
      if [[ $name == python ]] && ((round >= PY_REPEAT)); then continue; fi
      out=$OUT_DIR/reward-$shape-$name.out
      # shellcheck disable=SC2046
      /usr/bin/time -f '%e %M' -o "$OUT_DIR/time.txt" $(cmd $name "${DATA[$shape]}") \
        > "$out" 2> "$OUT_DIR/reward-$shape-$name.stderr"
      read -r wall rss < "$OUT_DIR/time.txt"
      key=$shape.$name
      if [[ -z ${WALL[$key]:-} ]] || awk "BEGIN{exit !($wall < ${WALL[$key]})}"; then
        WALL[$key]=$wall
        RSS[$key]=$rss
      fi
    done
  done
done

# Identical results (rewards, errors, per-file similarities) from every run.
IDENTICAL=true
for shape in independent groups; do
  for name in swerl_j1 swerl_j2; do
    if ! "$PYTHON" "$ROOT/bench/reward/compare.py" "$OUT_DIR/reward-$shape-python.out" \
        "$OUT_DIR/reward-$shape-$name.out"; then
      IDENTICAL=false
    fi
  done
done

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  printf '{"machine":"%s, %s cores","repeat":%s,"python_repeat":%s,"identical":%s' \
    "$CPU" "$(nproc)" "$REPEAT" "$PY_REPEAT" "$IDENTICAL"
  for shape in independent groups; do
    printf ',"%s":{"requests":%s,"outputs":%s,"input_bytes":%s,"runs":{' "$shape" \
      "$(wc -l < "${DATA[$shape]}")" "${COUNT[$shape]}" "$(stat -c %s "${DATA[$shape]}")"
    sep=""
    for n in "${NAMES[@]}"; do
      key=$shape.$n
      printf '%s"%s":{"seconds":%s,"peak_rss_kb":%s,"outputs_per_s":%s}' "$sep" "$n" \
        "${WALL[$key]}" "${RSS[$key]}" \
        "$(awk -v c="${COUNT[$shape]}" -v w="${WALL[$key]}" 'BEGIN{printf "%.1f", c/(w>0?w:0.005)}')"
      sep=","
    done
    printf '}}'
  done
  printf '}\n'
} > "$OUT_DIR/reward.json"

echo
echo "swerl reward benchmark on $CPU ($(nproc) cores); best of $REPEAT (python: $PY_REPEAT)"
printf '%-12s %-10s %9s %12s %10s %9s\n' shape command seconds "outputs/s" "peak RSS" speedup
for shape in independent groups; do
  for n in "${NAMES[@]}"; do
    key=$shape.$n
    awk -v s="$shape" -v n="$n" -v w="${WALL[$key]}" -v c="${COUNT[$shape]}" -v r="${RSS[$key]}" \
      -v p="${WALL[$shape.python]}" \
      'BEGIN{if (w <= 0) w = 0.005; printf "%-12s %-10s %9.2f %12.0f %8.0fMB %8.1fx\n", s, n, w, c/w, r/1024, p/w}'
  done
done
awk -v p="${WALL[independent.python]}" -v a="${WALL[independent.swerl_j1]}" \
    -v q="${WALL[groups.python]}" -v b="${WALL[groups.swerl_j1]}" \
  'BEGIN{if (a <= 0) a = 0.005; if (b <= 0) b = 0.005;
         printf "one thread vs Python: independent %.1fx (target >= 20x), groups %.1fx (target >= 50x)\n", p/a, q/b}'
echo "inputs: ${COUNT[independent]} independent outputs, $NGROUPS groups x $GROUP_SIZE outputs"
echo "results identical to Python: $IDENTICAL"
echo "json: $OUT_DIR/reward.json"
[[ $IDENTICAL == true ]]

#!/usr/bin/env bash
# `swerl events` throughput on >= 1 GB of realistic GH Archive JSON (the real
# fixture events re-emitted with fresh ids, gzip -6), against in the same run:
# the Python baseline (gzip + json, bench/events/baseline.py), `zcat` and
# `igzip -d` alone. Commands run round-robin REPEAT times; the best wall time
# of each counts.
#   bench/events/run.sh BUILD_DIR      (env: BENCH_BYTES, REPEAT, PYTHON)
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SWERL=$BUILD/swerl
BYTES=${BENCH_BYTES:-1100000000}
REPEAT=${REPEAT:-5}
PYTHON=${PYTHON:-python3}
DATA_DIR=$BUILD/bench-data
OUT_DIR=$BUILD/bench
mkdir -p "$DATA_DIR" "$OUT_DIR"
DATA=$DATA_DIR/events-$BYTES.json.gz

if [[ ! -s $DATA ]]; then
  echo "generating $DATA ($BYTES bytes of JSON, gzip -6) ..." >&2
  "$PYTHON" "$ROOT/bench/events/gen_events.py" \
      --fixture "$ROOT/tests/data/gharchive/2021-07-21-few-hours.json" --bytes "$BYTES" \
    | gzip -6 > "$DATA.tmp"
  mv "$DATA.tmp" "$DATA"
fi
RAW_BYTES=$(igzip -dc "$DATA" | wc -c)
LINES=$(igzip -dc "$DATA" | wc -l)

# Each round runs every command once (stdout to /dev/null), round-robin, so
# that drift in the machine's speed hits all commands alike; the best wall
# time of each over REPEAT rounds counts, with the peak RSS of that run.
declare -A WALL RSS CMDS ROUNDS  # ROUNDS[name]: every round's wall time
NAMES=(python zcat igzip swerl_j1 swerl_j2)
CMDS[python]="$PYTHON $ROOT/bench/events/baseline.py $DATA"
CMDS[zcat]="zcat $DATA"
CMDS[igzip]="igzip -dc $DATA"
CMDS[swerl_j1]="$SWERL events -j 1 --no-progress $DATA"
CMDS[swerl_j2]="$SWERL events -j 2 --no-progress $DATA"
for ((round = 0; round < REPEAT; round++)); do
  for name in "${NAMES[@]}"; do
    # shellcheck disable=SC2086
    /usr/bin/time -f '%e %M' -o "$OUT_DIR/time.txt" ${CMDS[$name]} > /dev/null 2> "$OUT_DIR/$name.stderr"
    read -r wall rss < "$OUT_DIR/time.txt"
    ROUNDS[$name]="${ROUNDS[$name]:-} $wall"
    if [[ -z ${WALL[$name]:-} ]] || awk "BEGIN{exit !($wall < ${WALL[$name]})}"; then
      WALL[$name]=$wall
      RSS[$name]=$rss
    fi
  done
done

# Same records from both tools (sanity: the benchmark compares equal work).
SW_RECORDS=$("$SWERL" events -j 2 -q "$DATA" | wc -l)
PY_RECORDS=$("$PYTHON" "$ROOT/bench/events/baseline.py" "$DATA" | wc -l)

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  printf '{"machine":"%s, %s cores","input_json_bytes":%s,"input_events":%s,' "$CPU" "$(nproc)" "$RAW_BYTES" "$LINES"
  printf '"records_swerl":%s,"records_python":%s,"runs":{' "$SW_RECORDS" "$PY_RECORDS"
  sep=""
  for n in zcat igzip swerl_j1 swerl_j2 python; do
    rounds=$(echo ${ROUNDS[$n]} | tr ' ' ',')
    printf '%s"%s":{"seconds":%s,"peak_rss_kb":%s,"rounds":[%s]}' "$sep" "$n" "${WALL[$n]}" \
      "${RSS[$n]}" "$rounds"
    sep=","
  done
  printf '}}\n'
} > "$OUT_DIR/events.json"

echo
echo "swerl events benchmark on $CPU ($(nproc) cores)"
echo "input: $(awk "BEGIN{printf \"%.2f\", $RAW_BYTES/1e9}") GB JSON, $LINES events, gzip $(stat -c %s "$DATA") bytes; best of $REPEAT"
printf '%-28s %9s %10s %12s %10s %9s\n' command seconds "MB/s" "events/s" "peak RSS" "speedup"
for n in python zcat igzip swerl_j1 swerl_j2; do
  w=${WALL[$n]}
  awk -v n="$n" -v w="$w" -v b="$RAW_BYTES" -v l="$LINES" -v r="${RSS[$n]}" -v p="${WALL[python]}" \
    'BEGIN{printf "%-28s %9.2f %10.0f %12.0f %8.0fMB %8.1fx\n", n, w, b/w/1e6, l/w, r/1024, p/w}'
done
awk -v a="${WALL[swerl_j1]}" -v b="${WALL[swerl_j2]}" -v g="${WALL[igzip]}" \
  'BEGIN{printf "swerl time vs igzip -d alone: %.2fx (-j1), %.2fx (-j2)\n", a/g, b/g}'
# The same ratios per round (each command's neighbours in time as its
# baseline), median over the rounds: steadier than best-of when the VM's
# speed drifts between rounds.
median_ratio() {  # median over rounds of ROUNDS[$1] / ROUNDS[$2]
  paste <(tr ' ' '\n' <<< "${ROUNDS[$1]}" | sed '/^$/d') \
        <(tr ' ' '\n' <<< "${ROUNDS[$2]}" | sed '/^$/d') |
    awk '{print $1 / $2}' | sort -g |
    awk '{v[NR] = $1} END {printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
echo "median over $REPEAT rounds: -j1 $(median_ratio python swerl_j1)x Python," \
  "$(median_ratio swerl_j1 igzip)x igzip's time; -j2 $(median_ratio python swerl_j2)x Python," \
  "$(median_ratio swerl_j2 igzip)x igzip's time; Python at 1/$(median_ratio python igzip) of igzip's speed"
echo "records: swerl $SW_RECORDS, python $PY_RECORDS"
echo "json: $OUT_DIR/events.json"

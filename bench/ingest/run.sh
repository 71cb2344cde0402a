#!/usr/bin/env bash
# `swerl ingest` throughput into a fresh database, against a Python
# sqlite3 baseline in the same run (bench/README.md).
#   bench/ingest/run.sh [BUILD_DIR]    env: RECORDS (default 500000), REPEAT (5)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build}
SWERL=$BUILD/swerl
RECORDS=${RECORDS:-500000}
REPEAT=${REPEAT:-5}
PYTHON=${PYTHON:-python3}
DATA=$BUILD/bench-data/records-v2-$RECORDS.ndjson  # v2: gen_records.py with fresh entities
OUT=$BUILD/bench
mkdir -p "$BUILD/bench-data" "$OUT"
if [[ ! -s $DATA ]]; then
  echo "generating $DATA ..."
  "$SWERL" events -q "$ROOT/tests/data/gharchive/2021-07-21-few-hours.json" \
    "$ROOT/tests/data/gharchive/trimmed-era.json" | "$PYTHON" "$HERE/gen_records.py" "$RECORDS" > "$DATA.tmp"
  mv "$DATA.tmp" "$DATA"
fi
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
declare -A BEST RSS
run() {  # name command...
  local name=$1; shift
  rm -f "$OUT/ingest.db"*
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > /dev/null 2> "$OUT/ingest-$name.stderr"
  read -r secs rss < "$OUT/time.txt"
  if [[ -z ${BEST[$name]:-} ]] || awk "BEGIN{exit !($secs < ${BEST[$name]})}"; then
    BEST[$name]=$secs RSS[$name]=$rss
  fi
}
for ((i = 0; i < REPEAT; i++)); do
  run python "$PYTHON" "$HERE/baseline.py" "$OUT/ingest.db" < "$DATA"
  run swerl "$SWERL" ingest -q --db "$OUT/ingest.db" "$DATA"
done
echo "swerl ingest benchmark on $CPU ($(nproc) cores, one thread), $RECORDS records, best of $REPEAT"
printf '%-8s %9s %12s %10s %8s\n' command seconds records/s "peak RSS" speedup
for name in python swerl; do
  awk -v n="$name" -v s="${BEST[$name]}" -v r="$RECORDS" -v m="${RSS[$name]}" -v p="${BEST[python]}" \
    'BEGIN { printf "%-8s %9.2f %12.0f %8.0fMB %7.1fx\n", n, s, r / s, m / 1024, p / s }'
done
printf '{"machine":"%s","records":%d,"python":{"seconds":%s,"peak_rss_kb":%s},"swerl":{"seconds":%s,"peak_rss_kb":%s}}\n' \
  "$CPU" "$RECORDS" "${BEST[python]}" "${RSS[python]}" "${BEST[swerl]}" "${RSS[swerl]}" > "$OUT/ingest.json"

#!/usr/bin/env bash
# How `swerl ingest` and `swerl link` slow down as one store grows: DAYS
# consecutive generated days (gen_day.py --day-index 0..DAYS-1, each with new
# entities, scattered repository ids) ingested one after another into the
# same store, then linked. Per day: wall and CPU seconds, records/s, bytes
# the process wrote (WAL and checkpoints: /usr/bin/time %O), the store's size
# and the load average. Each day's files are deleted once ingested.
#   bench/day/grow.sh [BUILD_DIR]      env: DAYS (4), DAY_DIR (BUILD_DIR/bench-data/grow),
#                                      PEAK_EVENTS, TROUGH_RATIO, PYTHON
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-$HERE/../../build}" && pwd)
SWERL=$BUILD/swerl
DAYS=${DAYS:-4}
DIR=${DAY_DIR:-$BUILD/bench-data/grow}
PYTHON=${PYTHON:-python3}
rm -rf "$DIR"
mkdir -p "$DIR"
DB=$DIR/grow.db
printf '%-4s %9s %8s %8s %9s %9s %8s %9s %9s %8s %7s\n' day records "ingest s" "cpu s" records/s "written" "w/grown" "store GB" "link s" "link cpu" "load"
for ((d = 0; d < DAYS; d++)); do
  "$PYTHON" "$HERE/gen_day.py" --out "$DIR/hours" --day-index "$d" --gzip-level 1 \
    --peak-events "${PEAK_EVENTS:-257000}" --trough-ratio "${TROUGH_RATIO:-0.5}" > /dev/null
  "$SWERL" events -q -j 2 "$DIR"/hours/*.json.gz > "$DIR/day.ndjson"
  rm -rf "$DIR/hours"
  records=$(wc -l < "$DIR/day.ndjson")
  before=$(( $(stat -c %s "$DB" 2>/dev/null || echo 0) ))
  load=$(cut -d' ' -f1 /proc/loadavg)
  sync
  /usr/bin/time -f '%e %U %S %O' -o "$DIR/ingest.time" "$SWERL" ingest -q --db "$DB" "$DIR/day.ndjson"
  sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null
  after=$(stat -c %s "$DB")
  /usr/bin/time -f '%e %U %S' -o "$DIR/link.time" "$SWERL" link -q --db "$DB"
  rm -f "$DIR/day.ndjson"
  read -r w u s o < "$DIR/ingest.time"
  read -r lw lu ls < "$DIR/link.time"
  awk -v d="$d" -v n="$records" -v w="$w" -v u="$u" -v s="$s" -v o="$o" -v b="$before" -v a="$after" \
      -v lw="$lw" -v lu="$lu" -v ls="$ls" -v l="$load" 'BEGIN {
    printf "%-4d %9d %8.2f %8.2f %9.0f %7.2fGB %8.1fx %9.2f %9.2f %8.2f %7s\n", d, n, w, u + s, n / w,
      o * 512 / 1e9, o * 512 / (a - b), a / 1e9, lw, lu + ls, l }'
done

#!/usr/bin/env bash
# `swerl export --format hf|verl` (Parquet for other trainers) against the
# shard and NDJSON exports and against a pyarrow script writing the same files
# from the NDJSON, on the curate benchmark's store (bench/curate/README.md,
# "Parquet for other trainers").
#   bench/curate/formats.sh [BUILD_DIR]
#   env: COMMITS (4000), PRS (400), SEED (1), REPEAT (3: best of), PYTHON (the
#        oracle venv's python: it needs pyarrow)
# The store is made as bench/curate/run.sh makes it (not timed), then ranked
# (`swerl relevant -k 5`, as run.sh's export stage sees it) and filtered.
# Timed, round-robin: from the store (every instance, `--all`: the oracle
# self-check included) the shard, NDJSON, hf and verl; from the shard
# (`--seeds`: read and write only) NDJSON, hf and verl; and
# formats_baseline.py hf|verl over the NDJSON. Checks: each Python file
# equals swerl's value by value; the files from the store equal those from
# the shard; two runs give the same bytes.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
SWERL=$BUILD/swerl
COMMITS=${COMMITS:-4000}
PRS=${PRS:-400}
SEED=${SEED:-1}
REPEAT=${REPEAT:-3}
PYTHON=${PYTHON:-${SWERL_VENV:-$HOME/.cache/swerl/venv}/bin/python}
DATA=$BUILD/bench-data/assemble-c$COMMITS-p$PRS-s$SEED
OUT=$BUILD/bench
WORK=$OUT/formats-work
mkdir -p "$BUILD/bench-data" "$OUT"

"$PYTHON" "$ROOT/bench/assemble/gen_repo.py" "$DATA" --commits "$COMMITS" --prs "$PRS" --seed "$SEED"

rm -rf "$WORK"
mkdir -p "$WORK/rounds"
STORE=$WORK/store.db
echo "making the store (not timed) ..."
"$SWERL" ingest -q --db "$STORE" /dev/null
"$PYTHON" "$HERE/gen_meta.py" prs "$STORE" "$DATA/prs.tsv" --seed "$SEED"
"$SWERL" clone -q --no-progress --db "$STORE" --repos "$WORK/mirrors" \
  --url-template "file://$DATA/src/{owner}/{name}.git"
"$SWERL" assemble -q --db "$STORE" --repos "$WORK/mirrors"
"$PYTHON" "$HERE/gen_meta.py" issues "$STORE" --seed "$SEED"
"$SWERL" link -q --db "$STORE"
"$SWERL" relevant -q --db "$STORE" --repos "$WORK/mirrors" -k 5
"$SWERL" filter -q --db "$STORE" --preset seeds
sqlite3 "$STORE" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
NINST=$(sqlite3 "$STORE" "SELECT count(*) FROM instances WHERE status = 'assembled'")

declare -A BEST RSS
keep() {
  local secs rss
  read -r secs rss < "$OUT/time.txt"
  if [[ -z ${BEST[$1]:-} ]] || awk "BEGIN{exit !($secs < ${BEST[$1]})}"; then
    BEST[$1]=$secs RSS[$1]=$rss
  fi
}
timed() {  # name stdout-file command...
  local name=$1 out=$2
  shift 2
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > "$out" 2> "$OUT/formats-$name.stderr" || {
    echo "formats: $name failed:" >&2
    tail -5 "$OUT/formats-$name.stderr" >&2
    exit 1
  }
  keep "$name"
}
SYSTEM=$ROOT/data/prompts/thinking_system.txt
echo "timing: $REPEAT rounds ..."
for ((i = 0; i < REPEAT; i++)); do
  rm -f "$WORK"/*.parquet "$WORK/shard.db"
  timed store-shard /dev/null "$SWERL" export -q --db "$STORE" --all --out "$WORK/shard.db"
  timed store-ndjson "$WORK/seeds.ndjson" "$SWERL" export -q --db "$STORE" --all --ndjson
  timed store-hf /dev/null "$SWERL" export -q --db "$STORE" --all --format hf --out "$WORK/store-hf.parquet"
  timed store-verl /dev/null "$SWERL" export -q --db "$STORE" --all --format verl --out "$WORK/store-verl.parquet"
  timed shard-ndjson "$WORK/shard.ndjson" "$SWERL" export -q --seeds "$WORK/shard.db" --ndjson
  for f in hf verl; do
    timed "shard-$f" /dev/null "$SWERL" export -q --seeds "$WORK/shard.db" --format "$f" --out "$WORK/shard-$f.parquet"
    cp "$WORK/shard-$f.parquet" "$WORK/rounds/shard-$f.$i.parquet"
    timed "shard-$f-j1" /dev/null "$SWERL" export -q --seeds "$WORK/shard.db" --format "$f" -j 1 --out "$WORK/shard-$f-j1.parquet"
    timed "py-$f" /dev/null "$PYTHON" "$HERE/formats_baseline.py" "$f" "$WORK/seeds.ndjson" \
      "$WORK/py-$f.parquet" --system-prompt "$SYSTEM"
  done
done

# Checks (not timed).
cmp -s "$WORK/seeds.ndjson" "$WORK/shard.ndjson" || { echo "formats: the shard's NDJSON differs from the store's" >&2; exit 1; }
for f in hf verl; do
  "$PYTHON" "$HERE/formats_baseline.py" "$f" "$WORK/seeds.ndjson" "$WORK/check-$f.parquet" \
    --system-prompt "$SYSTEM" --check "$WORK/shard-$f.parquet" 2> /dev/null
  "$PYTHON" - "$WORK/store-$f.parquet" "$WORK/shard-$f.parquet" <<'PY'
import sys, pyarrow.parquet as pq
a, b = (pq.read_table(p) for p in sys.argv[1:])
sys.exit(0 if a.equals(b, check_metadata=False) else "formats: %s differs from %s" % tuple(sys.argv[1:]))
PY
  cmp -s "$WORK/rounds/shard-$f.0.parquet" "$WORK/shard-$f-j1.parquet" ||
    { echo "formats: $f: -j 1 wrote other bytes" >&2; exit 1; }
  for ((i = 1; i < REPEAT; i++)); do
    cmp -s "$WORK/rounds/shard-$f.0.parquet" "$WORK/rounds/shard-$f.$i.parquet" ||
      { echo "formats: $f: round $i wrote other bytes" >&2; exit 1; }
  done
done
NSEEDS=$(wc -l < "$WORK/seeds.ndjson")
NDJSON_MB=$(awk -v b="$(stat -c %s "$WORK/seeds.ndjson")" 'BEGIN{printf "%.1f", b / 1e6}')
size() { awk -v b="$(stat -c %s "$1")" 'BEGIN{printf "%.1f MB", b / 1e6}'; }

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo
echo "swerl export formats on $CPU ($(nproc) cores), best of $REPEAT; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$NINST assembled instances, $NSEEDS seeds pass the oracle self-check; NDJSON $NDJSON_MB MB"
printf '%-58s %8s %9s %9s %10s\n' command seconds seeds/s "peak RSS" output
JSON_ROWS=""
row() {  # name label output-size
  awk -v l="$2" -v s="${BEST[$1]}" -v n="$NSEEDS" -v m="${RSS[$1]}" -v o="$3" \
    'BEGIN { printf "%-58s %8.2f %9.0f %7.0fMB %10s\n", l, s, n / s, m / 1024, o }'
  JSON_ROWS+=$(printf '%s{"command":"%s","seconds":%s,"peak_rss_kb":%s,"output":"%s"}' \
    "${JSON_ROWS:+,}" "$2" "${BEST[$1]}" "${RSS[$1]}" "$3")
}
row store-shard "swerl export --db --all --out shard.db" "$(size "$WORK/shard.db")"
row store-ndjson "swerl export --db --all --ndjson" "$(size "$WORK/seeds.ndjson")"
row store-hf "swerl export --db --all --format hf" "$(size "$WORK/store-hf.parquet")"
row store-verl "swerl export --db --all --format verl" "$(size "$WORK/store-verl.parquet")"
row shard-ndjson "swerl export --seeds shard.db --ndjson" "$(size "$WORK/shard.ndjson")"
row shard-hf-j1 "swerl export --seeds shard.db --format hf -j 1" "$(size "$WORK/shard-hf.parquet")"
row shard-hf "swerl export --seeds shard.db --format hf -j $(nproc)" "$(size "$WORK/shard-hf.parquet")"
row shard-verl-j1 "swerl export --seeds shard.db --format verl -j 1" "$(size "$WORK/shard-verl.parquet")"
row shard-verl "swerl export --seeds shard.db --format verl -j $(nproc)" "$(size "$WORK/shard-verl.parquet")"
row py-hf "python formats_baseline.py hf (pyarrow, from NDJSON)" "$(size "$WORK/py-hf.parquet")"
row py-verl "python formats_baseline.py verl (pyarrow, from NDJSON)" "$(size "$WORK/py-verl.parquet")"
for f in hf verl; do
  awk -v f="$f" -v p="${BEST[py-$f]}" -v s="${BEST[shard-$f]}" -v s1="${BEST[shard-$f-j1]}" -v d="${BEST[store-$f]}" -v sh="${BEST[store-shard]}" \
    'BEGIN { printf "%s: swerl --seeds %.1fx (-j 1: %.1fx) the pyarrow script; from the store %.2fx the time of the shard export\n", f, p / s, p / s1, d / sh }'
done
echo "checks: pyarrow's files equal swerl's value by value; store and shard exports equal; $REPEAT runs and -j 1, same bytes"
printf '{"machine":"%s","cores":%d,"instances":%d,"seeds":%d,"repeat":%d,"ndjson_mb":%s,"rows":[%s]}\n' \
  "$CPU" "$(nproc)" "$NINST" "$NSEEDS" "$REPEAT" "$NDJSON_MB" "$JSON_ROWS" > "$OUT/formats.json"
echo "-> $OUT/formats.json"

#!/usr/bin/env bash
# The cost of the filter's trust detectors (issue 21): `swerl filter
# --preset seeds` with every detector on against the filter as it was
# before them (contamination window, benchmark instances, benchmark near
# duplicates, in-run near duplicates, leaked_fix, the degenerate-reward
# controls, secrets and the licence allowlist all off), and each detector
# alone on
# top of that, on the curate benchmark's store (bench/curate/run.sh's
# input: gen_repo.py + gen_meta.py through the real CLI, not timed).
#   bench/curate/detectors.sh [BUILD_DIR]
#   env: COMMITS (4000), PRS (400), SEED (1), REPEAT (5: best of)
# Two modes: --db on a fresh copy of the store (what the pipeline runs) and
# NDJSON over `swerl export --all --ndjson` of it (the filter alone, no
# SQLite). A third row times an empty input: the fixed start-up cost (rules,
# and with the benchmark rules the index of data/benchmarks/, built once).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
SWERL=$BUILD/swerl
COMMITS=${COMMITS:-4000}
PRS=${PRS:-400}
SEED=${SEED:-1}
REPEAT=${REPEAT:-5}
PYTHON=${PYTHON:-python3}
DATA=$BUILD/bench-data/assemble-c$COMMITS-p$PRS-s$SEED
OUT=$BUILD/bench
WORK=$OUT/detectors-work
mkdir -p "$BUILD/bench-data" "$OUT"

"$PYTHON" "$ROOT/bench/assemble/gen_repo.py" "$DATA" --commits "$COMMITS" --prs "$PRS" --seed "$SEED"
rm -rf "$WORK"
mkdir -p "$WORK"
STORE=$WORK/assembled.db
echo "making the store (not timed) ..."
"$SWERL" ingest -q --db "$STORE" /dev/null
"$PYTHON" "$HERE/gen_meta.py" prs "$STORE" "$DATA/prs.tsv" --seed "$SEED"
"$SWERL" clone -q --no-progress --db "$STORE" --repos "$WORK/mirrors" \
  --url-template "file://$DATA/src/{owner}/{name}.git"
"$SWERL" assemble -q --db "$STORE" --repos "$WORK/mirrors"
"$PYTHON" "$HERE/gen_meta.py" issues "$STORE" --seed "$SEED"
"$SWERL" link -q --db "$STORE"
sqlite3 "$STORE" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
NINST=$(sqlite3 "$STORE" "SELECT count(*) FROM instances WHERE status = 'assembled'")
"$SWERL" export -q --db "$STORE" --all --ndjson > "$WORK/seeds.ndjson"
: > "$WORK/empty.ndjson"

# The rules: the seeds preset's selection, then the detectors' switches.
rules() {  # name window instance near dedup leaks controls secrets license
  {
    printf '[seed]\nrequire_closing_issue = true\nrequire_bugfix_signal = true\n'
    printf 'require_contents = true\ndrop_utf8_repaired = true\n'
    printf '[contamination]\nbenchmark_instances = %s\nnear_duplicates = %s\n' "$3" "$4"
    [[ $2 == true ]] && printf 'created_after = "2000-01-01"\n'
    printf '[dedup]\nnear = %s\n' "$5"
    printf '[leaks]\nenabled = %s\n[controls]\nenabled = %s\n' "$6" "$7"
    printf '[secrets]\nenabled = %s\n[license]\nenabled = %s\n' "$8" "$9"
  } > "$WORK/$1.toml"
}
rules today false false false false false false false false
rules all true true true true true true true true
rules window true false false false false false false false
rules instance false true false false false false false false
rules benchmark_near false false true false false false false false
rules near_dedup false false false true false false false false
rules leaked_fix false false false false true false false false
rules controls false false false false false true false false
rules secrets false false false false false false true false
rules license false false false false false false false true
CONFIGS=(today all window instance benchmark_near near_dedup leaked_fix controls secrets license)

declare -A BEST
keep() {  # key seconds
  if [[ -z ${BEST[$1]:-} ]] || awk "BEGIN{exit !($2 < ${BEST[$1]})}"; then BEST[$1]=$2; fi
}
run() {  # key command...
  local key=$1
  shift
  /usr/bin/time -f "%e %U %S" -o "$WORK/time.txt" "$@" > /dev/null 2> "$WORK/$key.stderr"
  read -r wall user sys < "$WORK/time.txt"
  keep "$key" "$wall"
  keep "cpu-$key" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
}
echo "timing $REPEAT rounds of ${#CONFIGS[@]} configurations ..."
for ((i = 0; i < REPEAT; i++)); do
  for c in "${CONFIGS[@]}"; do
    rm -f "$WORK/f.db" "$WORK/f.db-wal" "$WORK/f.db-shm"
    cp "$STORE" "$WORK/f.db"
    run "db-$c" "$SWERL" filter -q --db "$WORK/f.db" --rules "$WORK/$c.toml"
    run "nd-$c" "$SWERL" filter -q --rules "$WORK/$c.toml" "$WORK/seeds.ndjson"
    run "empty-$c" "$SWERL" filter -q --rules "$WORK/$c.toml" "$WORK/empty.ndjson"
  done
done
FUNNEL=$("$SWERL" filter --json --rules "$WORK/all.toml" "$WORK/seeds.ndjson" 2>&1 >/dev/null | tail -n 1)

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo
echo "swerl filter detectors on $CPU ($(nproc) cores), best of $REPEAT; $NINST instances"
printf '%-16s %8s %8s %10s %8s %10s %8s %10s\n' rules "--db s" "vs today" "NDJSON s" "vs today" \
  "cpu s" "vs today" "empty in s"
for c in "${CONFIGS[@]}"; do
  awk -v c="$c" -v d="${BEST[db-$c]}" -v d0="${BEST[db-today]}" -v n="${BEST[nd-$c]}" \
    -v n0="${BEST[nd-today]}" -v p="${BEST[cpu-nd-$c]}" -v p0="${BEST[cpu-nd-today]}" \
    -v e="${BEST[empty-$c]}" \
    'BEGIN { printf "%-16s %8.2f %7.2fx %10.2f %7.2fx %10.2f %7.2fx %10.2f\n", c, d, d / d0, n,
             n / n0, p, p / p0, e }'
done
# What each seed costs once the start-up is paid: (NDJSON - empty) / seeds.
awk -v a="${BEST[nd-all]}" -v ae="${BEST[empty-all]}" -v t="${BEST[nd-today]}" \
  -v te="${BEST[empty-today]}" -v n="$(wc -l < "$WORK/seeds.ndjson")" \
  'BEGIN { printf "per seed after start-up (NDJSON): today %.2f ms, all %.2f ms (%.2fx)\n",
           (t - te) * 1000 / n, (a - ae) * 1000 / n, (a - ae) / (t - te) }'
echo "cpu s: user + system seconds of the NDJSON run (best of $REPEAT), steadier than wall time on a"
echo "  shared machine; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rules: today = the seeds preset without the eight detectors; all = every detector on"
echo "  (created_after 2000-01-01: the window is checked, nothing is outside it); others = today + one"
echo "funnel (all, NDJSON): $FUNNEL"

#!/usr/bin/env bash
# The curation stages `swerl relevant`, `swerl filter --db` and `swerl export`
# on a generated store, each against a Python baseline doing the same work in
# the same run (bench/curate/README.md).
#   bench/curate/run.sh [BUILD_DIR]
#   env: COMMITS (default 4000), PRS (400), SEED (1), REPEAT (3: best of),
#        RELEVANT_EVERY (1: the Python ranking runs on every instance; K:
#        every K-th, its time scaled to all), CHECK_EVERY (40: the Python
#        export with the oracle self-check runs once, on every 40th instance,
#        its time scaled; 0 skips it), LOAD_MAX (0.5) and LOAD_TRIES (6):
#        before each round, wait up to LOAD_TRIES x 20 s until other
#        processes keep at most LOAD_MAX cores busy (measured over 2 s from
#        /proc/stat while this script is idle), then measure anyway; the
#        busy cores and 1-minute load averages measured under are reported.
# The repository comes from bench/assemble/gen_repo.py (cached in
# BUILD_DIR/bench-data/); the store is made with the real CLI, not timed:
# `swerl ingest` (schema), gen_meta.py prs (repos, pull_requests with titles,
# bodies, authors, bots), `swerl clone` over file://, `swerl assemble`,
# gen_meta.py issues (closing issues with text), `swerl link`. Then:
#   relevant: python relevant_baseline.py vs `swerl relevant -k 5 -j 1/-j 2`,
#             each swerl run on a fresh copy of the assembled store;
#   filter:   python filter_baseline.py over `swerl export --all --ndjson` of
#             the ranked store (written once, not timed) vs `swerl filter --db
#             --preset seeds` on fresh copies of the ranked store;
#   export:   python export_baseline.py --all (no self-check; and, once, with
#             --check on a subset) vs `swerl export --all --out shard.db` and
#             `swerl export --all --ndjson`, on the filtered store.
# Checks (compare.py): the baseline's top-k paths against swerl's
# relevant_files, its filter decisions against filter_decisions, its records
# against swerl's NDJSON. Fails when a swerl command fails or a stage leaves
# instances undone; disagreements are reported, not fatal.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
SWERL=$BUILD/swerl
COMMITS=${COMMITS:-4000}
PRS=${PRS:-400}
SEED=${SEED:-1}
REPEAT=${REPEAT:-3}
RELEVANT_EVERY=${RELEVANT_EVERY:-1}
CHECK_EVERY=${CHECK_EVERY:-40}
LOAD_MAX=${LOAD_MAX:-0.5}
LOAD_TRIES=${LOAD_TRIES:-6}
PYTHON=${PYTHON:-python3}
K=5
DATA=$BUILD/bench-data/assemble-c$COMMITS-p$PRS-s$SEED
OUT=$BUILD/bench
WORK=$OUT/curate-work
mkdir -p "$BUILD/bench-data" "$OUT"

"$PYTHON" "$ROOT/bench/assemble/gen_repo.py" "$DATA" --commits "$COMMITS" --prs "$PRS" --seed "$SEED"

# ---------------------------------------------------------------- store --
rm -rf "$WORK"
mkdir -p "$WORK"
STORE=$WORK/assembled.db
echo "making the store (not timed) ..."
"$SWERL" ingest -q --db "$STORE" /dev/null
"$PYTHON" "$HERE/gen_meta.py" prs "$STORE" "$DATA/prs.tsv" --seed "$SEED"
"$SWERL" clone -q --no-progress --db "$STORE" --repos "$WORK/mirrors" \
  --url-template "file://$DATA/src/{owner}/{name}.git"
MIRROR=$WORK/mirrors/acme/bench.git
"$SWERL" assemble -q --db "$STORE" --repos "$WORK/mirrors"
"$PYTHON" "$HERE/gen_meta.py" issues "$STORE" --seed "$SEED"
"$SWERL" link -q --db "$STORE"
sqlite3 "$STORE" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
NINST=$(sqlite3 "$STORE" "SELECT count(*) FROM instances WHERE status = 'assembled'")
NPRS=$(wc -l < "$DATA/prs.tsv")
if [[ $NINST != "$NPRS" ]]; then
  echo "curate: only $NINST of $NPRS PRs assembled" >&2
  exit 1
fi

# --------------------------------------------------------------- timing --
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
declare -A BEST RSS
LOADS=() BUSY=()
FAILED=0
top -bn1 | head -20 > "$OUT/curate-top.txt" || true
busy() {  # the cores other processes keep busy, over 2 s while this script waits
  local a b
  a=$(awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
  sleep 2
  b=$(awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
  awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN { split(a, x, " "); split(b, y, " ")
    t = y[2] - x[2]; printf "%.2f", (t > 0 ? n * (y[1] - x[1]) / t : 0) }'
}
quiet() {  # waits (a little) for other processes to leave the cores; records the load
  local cores i
  for ((i = 0; ; i++)); do
    cores=$(busy)
    awk -v c="$cores" -v m="$LOAD_MAX" 'BEGIN{exit !(c > m)}' || break
    ((i < LOAD_TRIES)) || break
    echo "curate: other processes keep $cores cores busy (> $LOAD_MAX), waiting 20 s ($((i + 1))/$LOAD_TRIES) ..." >&2
    sleep 20
  done
  BUSY+=("$cores")
  LOADS+=("$(cut -d' ' -f1 /proc/loadavg)")
}
keep() {  # name: keeps the best time of $OUT/time.txt
  local secs rss
  read -r secs rss < "$OUT/time.txt"
  if [[ -z ${BEST[$1]:-} ]] || awk "BEGIN{exit !($secs < ${BEST[$1]})}"; then
    BEST[$1]=$secs RSS[$1]=$rss
  fi
}
timed() {  # name stdout-file command...: runs it under /usr/bin/time, keeps the best
  local name=$1 out=$2 rc=0
  shift 2
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > "$out" 2> "$OUT/curate-$name.stderr" || rc=$?
  if [[ $rc != 0 ]]; then
    FAILED=1
    echo "curate: $name: exit status $rc" >&2
    tail -5 "$OUT/curate-$name.stderr" >&2
  fi
  keep "$name"
}
fresh() {  # db: a fresh copy of $2 at $1
  rm -f "$1" "$1-wal" "$1-shm"
  cp "$2" "$1"
}

# 1. relevant
echo "relevant: $REPEAT rounds ..."
for ((i = 0; i < REPEAT; i++)); do
  quiet
  timed py-relevant "$WORK/py-relevant.txt" "$PYTHON" "$HERE/relevant_baseline.py" "$STORE" \
    "$MIRROR" -k "$K" --every "$RELEVANT_EVERY" --out "$WORK/py-ranks.tsv"
  for j in 1 2; do
    fresh "$WORK/relevant-j$j.db" "$STORE"
    timed "relevant-j$j" /dev/null "$SWERL" relevant -q --db "$WORK/relevant-j$j.db" \
      --repos "$WORK/mirrors" -k "$K" -j "$j"
  done
done
for j in 1 2; do
  n=$(sqlite3 "$WORK/relevant-j$j.db" "SELECT count(*) FROM relevant_runs WHERE status = 'ranked'")
  if [[ $n != "$NINST" ]]; then
    FAILED=1
    echo "curate: relevant -j $j ranked $n of $NINST instances" >&2
  fi
done
REL=$WORK/relevant-j1.db
sqlite3 "$REL" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
read -r _ PY_REL_N _ PY_REL_FAILED _ < "$WORK/py-relevant.txt"
CHECK_REL=$("$PYTHON" "$HERE/compare.py" relevant "$REL" "$WORK/py-ranks.tsv")
CHECK_J2=$("$PYTHON" "$HERE/compare.py" relevant-stores "$REL" "$WORK/relevant-j2.db")

# 2. filter
echo "filter: $REPEAT rounds ..."
"$SWERL" export -q --db "$REL" --all --ndjson > "$WORK/seeds-all.ndjson"
NSEEDS_NDJSON=$(wc -l < "$WORK/seeds-all.ndjson")
for ((i = 0; i < REPEAT; i++)); do
  quiet
  timed py-filter "$WORK/py-filter.txt" "$PYTHON" "$HERE/filter_baseline.py" \
    "$WORK/seeds-all.ndjson" "$ROOT" --out "$WORK/py-decisions.tsv"
  fresh "$WORK/filtered.db" "$REL"
  timed filter /dev/null "$SWERL" filter --db "$WORK/filtered.db" \
    --preset seeds --json
done
FILT=$WORK/filtered.db
sqlite3 "$FILT" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
ND=$(sqlite3 "$FILT" "SELECT count(*) FROM filter_decisions")
[[ $ND == "$NINST" ]] || { FAILED=1; echo "curate: filter decided $ND of $NINST" >&2; }
KEPT=$(sqlite3 "$FILT" "SELECT count(*) FROM filter_decisions WHERE kept = 1")
FUNNEL=$(sqlite3 -separator '=' "$FILT" "SELECT coalesce(rule, 'kept'), count(*) FROM \
  filter_decisions GROUP BY 1 ORDER BY 2 DESC" | paste -sd' ')
CHECK_FILTER=$("$PYTHON" "$HERE/compare.py" filter "$FILT" "$WORK/py-decisions.tsv")

# 3. export (every assembled instance: few seeds pass the seeds preset here)
echo "export: $REPEAT rounds ..."
for ((i = 0; i < REPEAT; i++)); do
  quiet
  timed py-export "$WORK/py-export.ndjson" "$PYTHON" "$HERE/export_baseline.py" "$FILT" "$ROOT" --all
  rm -f "$WORK/shard.db"
  timed export-shard /dev/null "$SWERL" export -q --db "$FILT" --all --out "$WORK/shard.db"
  timed export-ndjson "$WORK/swerl-export.ndjson" "$SWERL" export -q --db "$FILT" --all --ndjson
done
NEXPORTED=$(wc -l < "$WORK/swerl-export.ndjson")
SHARD_SEEDS=$(sqlite3 "$WORK/shard.db" "SELECT count(*) FROM seeds" 2>/dev/null || echo "?")
CHECK_EXPORT=$("$PYTHON" "$HERE/compare.py" export "$WORK/swerl-export.ndjson" "$WORK/py-export.ndjson")
CHECK_CHECKED="" PY_CHECK_N=0
if [[ $CHECK_EVERY != 0 ]]; then
  echo "export: the Python self-check on 1 instance in $CHECK_EVERY (once) ..."
  quiet
  timed py-export-check "$WORK/py-export-check.ndjson" "$PYTHON" "$HERE/export_baseline.py" \
    "$FILT" "$ROOT" --all --check --every "$CHECK_EVERY"
  read -r _ PY_CHECK_N _ < "$OUT/curate-py-export-check.stderr"
  CHECK_CHECKED=$("$PYTHON" "$HERE/compare.py" export "$WORK/swerl-export.ndjson" \
    "$WORK/py-export-check.ndjson")
fi

# ---------------------------------------------------------------- table --
scaled() {  # seconds measured-instances: seconds for all instances
  awk -v s="$1" -v n="$2" -v a="$NINST" 'BEGIN { printf "%.2f", s * a / n }'
}
PY_REL_ALL=$(scaled "${BEST[py-relevant]}" "$((PY_REL_N + PY_REL_FAILED))")
PY_CHECK_ALL=""
[[ $CHECK_EVERY != 0 ]] && PY_CHECK_ALL=$(scaled "${BEST[py-export-check]}" "$PY_CHECK_N")
summary() {  # numbers...: "min mean max"
  printf '%s\n' "$@" | awk '{ s += $1; if ($1 > m) m = $1; if (n++ == 0 || $1 < lo) lo = $1 }
    END { printf "%.2f %.2f %.2f", lo, s / n, m }'
}
read -r LOAD_MIN LOAD_MEAN LOAD_MAXSEEN <<< "$(summary "${LOADS[@]}")"
read -r BUSY_MIN BUSY_MEAN BUSY_MAX <<< "$(summary "${BUSY[@]}")"
GEN=$("$PYTHON" -c 'import json, sys; s = json.load(open(sys.argv[1]))
print("%(commits)d commits, %(prs)d merged PRs, %(initial_files)d -> %(final_files)d files" % s)' \
  "$DATA/stats.json")

echo
echo "swerl curation benchmark on $CPU ($(nproc) cores), best of $REPEAT"
echo "repository: $GEN; $NINST assembled instances"
echo "before the rounds: other processes kept $BUSY_MIN-$BUSY_MAX cores busy (mean $BUSY_MEAN);"
echo "  load average (1 min, this script's own runs included): min $LOAD_MIN, mean $LOAD_MEAN, max $LOAD_MAXSEEN"
SUBSET=""
if [[ $RELEVANT_EVERY != 1 ]]; then SUBSET=" (1 in $RELEVANT_EVERY, scaled)"; fi
ROWS=()  # stage|command|name|seconds|baseline seconds
ROWS+=("relevant|python relevant_baseline.py$SUBSET|py-relevant|$PY_REL_ALL|$PY_REL_ALL")
ROWS+=("relevant|swerl relevant -k $K -j 1|relevant-j1|${BEST[relevant-j1]}|$PY_REL_ALL")
ROWS+=("relevant|swerl relevant -k $K -j 2|relevant-j2|${BEST[relevant-j2]}|$PY_REL_ALL")
ROWS+=("filter|python filter_baseline.py (NDJSON)|py-filter|${BEST[py-filter]}|${BEST[py-filter]}")
ROWS+=("filter|swerl filter --db --preset seeds|filter|${BEST[filter]}|${BEST[py-filter]}")
BASE_EXPORT=${BEST[py-export]}
if [[ -n $PY_CHECK_ALL ]]; then
  BASE_EXPORT=$PY_CHECK_ALL
  ROWS+=("export|python export_baseline.py --check (1 in $CHECK_EVERY, scaled)|py-export-check|$PY_CHECK_ALL|$BASE_EXPORT")
fi
ROWS+=("export|python export_baseline.py (no self-check)|py-export|${BEST[py-export]}|$BASE_EXPORT")
ROWS+=("export|swerl export --all --out shard.db|export-shard|${BEST[export-shard]}|$BASE_EXPORT")
ROWS+=("export|swerl export --all --ndjson|export-ndjson|${BEST[export-ndjson]}|$BASE_EXPORT")
printf '%-9s %-52s %8s %12s %9s %8s\n' stage command seconds instances/s "peak RSS" speedup
JSON_ROWS=""
for row in "${ROWS[@]}"; do
  IFS='|' read -r stage label name secs base <<< "$row"
  awk -v st="$stage" -v l="$label" -v s="$secs" -v n="$NINST" -v m="${RSS[$name]}" -v b="$base" \
    'BEGIN { printf "%-9s %-52s %8.2f %12.1f %7.0fMB %7.1fx\n", st, l, s, n / s, m / 1024, b / s }'
  JSON_ROWS+=$(printf '%s{"stage":"%s","command":"%s","seconds":%s,"instances_per_s":%s,"peak_rss_kb":%s,"speedup":%s}' \
    "${JSON_ROWS:+,}" "$stage" "$label" "$secs" "$(awk -v s="$secs" -v n="$NINST" 'BEGIN{printf "%.2f", n / s}')" \
    "${RSS[$name]}" "$(awk -v s="$secs" -v b="$base" 'BEGIN{printf "%.2f", b / s}')")
done
NOCHECK=$(awk -v p="${BEST[py-export]}" -v s="${BEST[export-ndjson]}" 'BEGIN { printf "%.2f", p / s }')
echo "speedup: over the stage's baseline doing the same work (export: the one with the oracle self-check);"
echo "  swerl export --ndjson vs the Python export without the self-check: ${NOCHECK}x"
echo "relevant check (baseline vs swerl -j 1): $CHECK_REL"
echo "relevant -j 2 vs -j 1: $CHECK_J2"
echo "filter funnel (swerl, preset seeds): $FUNNEL"
echo "filter check (baseline on the $NSEEDS_NDJSON seeds of export --all --ndjson): $CHECK_FILTER"
echo "export: $NEXPORTED of $NINST seeds pass the oracle self-check (shard: $SHARD_SEEDS seeds)"
echo "export check (records, no self-check): $CHECK_EXPORT"
[[ -n $CHECK_CHECKED ]] && echo "export check (records, with the self-check): $CHECK_CHECKED"

kv() {  # "a=1 b=x" -> "a":1,"b":"x"
  [[ -n $1 ]] || return 0
  tr ' ' '\n' <<< "$1" | awk -F= '{ v = $2; if (v !~ /^[0-9.]+$/) v = "\"" v "\""; printf "%s\"%s\":%s", (NR > 1 ? "," : ""), $1, v }'
}
printf '{"machine":"%s","cores":%d,"commits":%d,"prs":%d,"instances":%d,"repeat":%d,"k":%d,"relevant_every":%d,"check_every":%d,"load_avg_1min":{"min":%s,"mean":%s,"max":%s},"other_busy_cores":{"min":%s,"mean":%s,"max":%s},"rows":[%s],"checks":{"relevant":{%s},"relevant_j2_vs_j1":{%s},"filter":{%s},"export":{%s},"export_with_check":{%s}},"filter_kept":%d,"exported":%d,"ok":%s}\n' \
  "$CPU" "$(nproc)" "$COMMITS" "$NPRS" "$NINST" "$REPEAT" "$K" "$RELEVANT_EVERY" "$CHECK_EVERY" \
  "$LOAD_MIN" "$LOAD_MEAN" "$LOAD_MAXSEEN" "$BUSY_MIN" "$BUSY_MEAN" "$BUSY_MAX" "$JSON_ROWS" "$(kv "$CHECK_REL")" "$(kv "$CHECK_J2")" \
  "$(kv "$CHECK_FILTER")" "$(kv "$CHECK_EXPORT")" "$(kv "$CHECK_CHECKED")" "$KEPT" "$NEXPORTED" \
  "$([[ $FAILED == 0 ]] && echo true || echo false)" > "$OUT/curate.json"
echo "-> $OUT/curate.json"
exit "$FAILED"

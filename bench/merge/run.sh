#!/usr/bin/env bash
# Sharded curation (issue 22), measured (bench/README.md):
#  1. `swerl merge`'s rate on the assemble benchmark's store split into 4
#     workers: the generated repository (bench/assemble/gen_repo.py, 2,000
#     merged PRs) is published as 4 repositories (acme/bench-1..4, ids 1..4,
#     each a view of the one repository; PRs in 4 contiguous quarters by
#     number), each worker's copy of the base store clones and assembles its
#     shard (`--shard K/4`, not timed), and the 4 stores are merged into a
#     new file (best of REPEAT), then merged again into the result (nothing
#     to add: the cost of checking). Instances/s and blobs/s are those added
#     per second of the whole merge. Baseline, round-robin in the same run:
#     baseline.py, Python's sqlite3 ATTACHing each input and INSERT OR
#     IGNORE per table (no checks at all).
#  2. The wall time of the scripts/slurm/ recipe (N = 3) against one process
#     over the demo world, with plain bash, GNU parallel and a single-node
#     Slurm (tests/store/sharded_curation_test.sh; each skipped when its tool
#     is missing), which also checks that the results are equal.
#   bench/merge/run.sh [BUILD_DIR]
#   env: COMMITS (20000), PRS (2000), SEED (1), REPEAT (3), WORLD (1: do part 2)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
SWERL=$BUILD/swerl
COMMITS=${COMMITS:-20000}
PRS=${PRS:-2000}
SEED=${SEED:-1}
REPEAT=${REPEAT:-3}
WORLD=${WORLD:-1}
PYTHON=${PYTHON:-python3}
DATA=$BUILD/bench-data/assemble-c$COMMITS-p$PRS-s$SEED
OUT=$BUILD/bench
WORK=$OUT/merge-work
W=4
mkdir -p "$BUILD/bench-data" "$OUT"
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')

"$PYTHON" "$ROOT/bench/assemble/gen_repo.py" "$DATA" --commits "$COMMITS" --prs "$PRS" --seed "$SEED"
NPRS=$(wc -l < "$DATA/prs.tsv")
# The workers' stores are kept for later runs with the same parameters
# (delete BUILD_DIR/bench/merge-work to make them again).
STAMP="commits=$COMMITS prs=$PRS seed=$SEED workers=$W"
if [[ $(cat "$WORK/stamp" 2> /dev/null) != "$STAMP" ]]; then
  rm -rf "$WORK"
  mkdir -p "$WORK/src/acme"
  for ((r = 1; r <= W; r++)); do ln -s "$DATA/src/acme/bench.git" "$WORK/src/acme/bench-$r.git"; done

  # The base: the PRs as events would leave them, in 4 repositories.
  BASE=$WORK/base.db
  "$SWERL" ingest -q --db "$BASE" /dev/null
  "$PYTHON" - "$BASE" "$DATA/prs.tsv" "$W" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
w = int(sys.argv[3])
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
db.executemany("INSERT INTO repos(repo_id, name) VALUES (?, ?)",
               [(r, f"acme/bench-{r}") for r in range(1, w + 1)])
db.executemany("INSERT INTO pull_requests(repo_id, number, merged, base_sha, head_sha, "
               "merge_commit_sha) VALUES (?, ?, 1, ?, ?, ?)",
               [(1 + k * w // len(rows), int(n), b, h, m) for k, (n, b, h, m) in enumerate(rows)])
db.commit()
EOF
  echo "assembling 4 workers' shards (not timed) ..."
  for ((k = 0; k < W; k++)); do
    db=$WORK/worker-$k.db
    cp "$BASE" "$db"
    "$SWERL" clone -q --no-progress --db "$db" --repos "$WORK/mirrors" --shard "$k/$W" \
      --url-template "file://$WORK/src/{owner}/{name}.git"
    "$SWERL" assemble -q --no-progress --db "$db" --repos "$WORK/mirrors" --shard "$k/$W"
  done
  echo "$STAMP" > "$WORK/stamp"
else
  echo "reusing the 4 workers' stores of an earlier run ($WORK)"
fi
INPUTS=("$WORK"/worker-*.db)
count() { sqlite3 "$1" "$2"; }
NINST=$(for db in "${INPUTS[@]}"; do count "$db" "SELECT count(*) FROM instances"; done | paste -sd+ | bc)
[[ $NINST == "$NPRS" ]] || { echo "the workers assembled $NINST of $NPRS PRs" >&2; exit 1; }

# Round-robin with the baseline (baseline.py: ATTACH + INSERT OR IGNORE per
# table, no checks), best of REPEAT each.
best="" base_best=""
for ((i = 0; i < REPEAT; i++)); do
  rm -f "$WORK/baseline.db"*
  "$SWERL" ingest -q --db "$WORK/baseline.db" /dev/null
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$PYTHON" "$HERE/baseline.py" "$WORK/baseline.db" \
    "${INPUTS[@]}"
  read -r secs rss < "$OUT/time.txt"
  if [[ -z $base_best ]] || awk "BEGIN{exit !($secs < $base_best)}"; then
    base_best=$secs base_rss=$rss
  fi
  rm -f "$WORK/merged.db"*
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$SWERL" merge -q --json --no-progress \
    --db "$WORK/merged.db" "${INPUTS[@]}" 2> "$OUT/merge.json.txt"
  read -r secs rss < "$OUT/time.txt"
  if [[ -z $best ]] || awk "BEGIN{exit !($secs < $best)}"; then
    best=$secs best_rss=$rss
    cp "$OUT/merge.json.txt" "$OUT/merge-best.json.txt"
  fi
done
[[ $(sqlite3 "$WORK/baseline.db" "SELECT count(*) FROM instances") == "$NPRS" ]] ||
  { echo "the baseline lost instances" >&2; exit 1; }
/usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$SWERL" merge -q --json --no-progress \
  --db "$WORK/merged.db" "${INPUTS[@]}" 2> "$OUT/merge-again.json.txt"
read -r again _ < "$OUT/time.txt"
read -r ADDED_INST ADDED_BLOBS SAME_BLOBS ROWS < <("$PYTHON" -c '
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
t = s["tables"]
print(t["instances"]["added"], t["blobs"]["added"], t["blobs"]["same"], s["added"])' "$OUT/merge-best.json.txt")
sqlite3 "$WORK/merged.db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
INBYTES=$(for db in "${INPUTS[@]}"; do stat -c %s "$db"; done | paste -sd+ | bc)
OUTBYTES=$(stat -c %s "$WORK/merged.db")
BLOBBYTES=$(sqlite3 "$WORK/merged.db" "SELECT sum(length(data)) FROM blobs")

echo "swerl merge benchmark on $CPU ($(nproc) cores), best of $REPEAT"
echo "inputs: 4 worker stores of the assemble benchmark ($COMMITS commits, $NPRS PRs in 4 repositories), $(awk -v b="$INBYTES" 'BEGIN{printf "%.1f MB", b/1e6}') in all"
awk -v s="$best" -v i="$ADDED_INST" -v b="$ADDED_BLOBS" -v same="$SAME_BLOBS" -v r="$ROWS" \
    -v m="$best_rss" -v o="$OUTBYTES" -v bb="$BLOBBYTES" -v a="$again" 'BEGIN {
  printf "merge into a new store: %.2f s: %d instances (%.0f/s), %d blobs (%.0f/s; %d more were in two inputs), %d rows in all (%.0f/s), %.1f MB/s of blob frames; peak RSS %.0f MB; output %.1f MB\n",
    s, i, i / s, b, b / s, same, r, r / s, bb / s / 1e6, m / 1024, o / 1e6
  printf "the same merge again (nothing to add, every row compared): %.2f s\n", a }'
awk -v s="$best" -v b="$base_best" -v m="$base_rss" 'BEGIN {
  printf "baseline (Python sqlite3: ATTACH + INSERT OR IGNORE per table, no checks): %.2f s, peak RSS %.0f MB; swerl merge takes %.2fx its time\n", b, m / 1024, s / b }'
printf '{"machine":"%s","cores":%d,"commits":%d,"prs":%d,"workers":%d,"seconds":%s,"baseline_seconds":%s,"again_seconds":%s,"instances":%s,"blobs":%s,"blobs_in_two_inputs":%s,"rows":%s,"peak_rss_kb":%s,"input_bytes":%s,"output_bytes":%s}\n' \
  "$CPU" "$(nproc)" "$COMMITS" "$NPRS" "$W" "$best" "$base_best" "$again" "$ADDED_INST" "$ADDED_BLOBS" \
  "$SAME_BLOBS" "$ROWS" "$best_rss" "$INBYTES" "$OUTBYTES" > "$OUT/merge.json"

if [[ $WORLD == 1 ]]; then
  echo
  echo "the scripts/slurm/ recipe over the demo world (N = 3) against one process:"
  for mode in bash parallel slurm; do
    rc=0
    bash "$ROOT/tests/store/sharded_curation_test.sh" "$BUILD" "$mode" > "$OUT/sharded-$mode.txt" 2>&1 || rc=$?
    case $rc in
      0) grep -E '^(wall time|slurm: |sharded \()' "$OUT/sharded-$mode.txt" | sed 's/^/  /' ;;
      77) echo "  $mode: skipped: $(grep SKIP "$OUT/sharded-$mode.txt")" ;;
      *) echo "  $mode: FAILED (see $OUT/sharded-$mode.txt)"; exit 1 ;;
    esac
  done
fi

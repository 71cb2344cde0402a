#!/usr/bin/env bash
# `swerl assemble` throughput on a generated repository, against a git CLI
# script doing the same work in the same run (bench/README.md).
#   bench/assemble/run.sh [BUILD_DIR]
#   env: COMMITS (default 20000), PRS (2000), SEED (1), REPEAT (3),
#        BASELINE_EVERY (4: the git CLI script runs on every 4th PR; its
#        time is scaled to all PRs), CHECK_PATCHES (0; 1: also compare every
#        stored patch with `git diff`, check_patches.py, not timed)
# The repository is generated once into BUILD_DIR/bench-data/ (gen_repo.py,
# cached by its parameters); each run makes a fresh store with the real CLI
# (`swerl ingest` creates the schema, the PRs of prs.tsv are inserted,
# `swerl clone` mirrors the repository over file://, not timed), and every
# timed `swerl assemble` starts from a copy of that store. Fails when an
# assembled store lacks any PR (unresolved or failed instances are printed).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
SWERL=$BUILD/swerl
COMMITS=${COMMITS:-20000}
PRS=${PRS:-2000}
SEED=${SEED:-1}
REPEAT=${REPEAT:-3}
BASELINE_EVERY=${BASELINE_EVERY:-4}
CHECK_PATCHES=${CHECK_PATCHES:-0}
PYTHON=${PYTHON:-python3}
DATA=$BUILD/bench-data/assemble-c$COMMITS-p$PRS-s$SEED
OUT=$BUILD/bench
WORK=$OUT/assemble-work
mkdir -p "$BUILD/bench-data" "$OUT"

"$PYTHON" "$HERE/gen_repo.py" "$DATA" --commits "$COMMITS" --prs "$PRS" --seed "$SEED"
NPRS=$(wc -l < "$DATA/prs.tsv")

# The store: schema from the real CLI, the PRs as events would leave them,
# the mirror and its repo_clones row from `swerl clone`.
rm -rf "$WORK"
mkdir -p "$WORK"
STORE=$WORK/store.db
"$SWERL" ingest -q --db "$STORE" /dev/null
"$PYTHON" - "$STORE" "$DATA/prs.tsv" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO repos(repo_id, name) VALUES (1, 'acme/bench')")
with open(sys.argv[2]) as f:
    rows = [(1, int(n), 1, b, h, m) for n, b, h, m in (l.rstrip("\n").split("\t") for l in f)]
db.executemany("INSERT INTO pull_requests(repo_id, number, merged, base_sha, head_sha, "
               "merge_commit_sha) VALUES (?, ?, ?, ?, ?, ?)", rows)
db.commit()
EOF
echo "cloning the repository with swerl clone (not timed) ..."
"$SWERL" clone -q --no-progress --db "$STORE" --repos "$WORK/mirrors" \
  --url-template "file://$DATA/src/{owner}/{name}.git"
MIRROR=$WORK/mirrors/acme/bench.git

JOBS=() ONE=()  # the -j rows, and the flag that makes the first row one worker
if "$SWERL" assemble --help 2>&1 | grep -qE -- '(^|[ ,])(-j|--jobs)\b'; then
  JOBS=(2) ONE=(-j 1)
fi
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
declare -A BEST RSS
FAILED=0
keep() {  # name: keeps the best time of $OUT/time.txt
  local secs rss
  read -r secs rss < "$OUT/time.txt"
  if [[ -z ${BEST[$1]:-} ]] || awk "BEGIN{exit !($secs < ${BEST[$1]})}"; then
    BEST[$1]=$secs RSS[$1]=$rss
  fi
}
check() {  # db name: every PR assembled, else prints what went wrong
  local n
  n=$(sqlite3 "$1" "SELECT count(*) FROM instances WHERE status = 'assembled'")
  if [[ $n != "$NPRS" ]]; then
    FAILED=1
    echo "$2: $n of $NPRS PRs assembled; by status:" >&2
    sqlite3 "$1" "SELECT status, count(*) FROM instances GROUP BY status" >&2
    sqlite3 "$1" "SELECT number, status, error FROM instances WHERE status != 'assembled' \
                  ORDER BY number LIMIT 20" >&2
  fi
}
assemble() {  # name db extra-args...
  local name=$1 db=$2 rc=0
  shift 2
  rm -f "$db"*
  cp "$STORE" "$db"
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$SWERL" assemble -q --db "$db" \
    --repos "$WORK/mirrors" "$@" 2> "$OUT/assemble-$name.stderr" || rc=$?
  [[ $rc == 0 ]] || { FAILED=1; echo "$name: exit status $rc" >&2; cat "$OUT/assemble-$name.stderr" >&2; }
  keep "$name"
  check "$db" "$name"
}
for ((i = 0; i < REPEAT; i++)); do
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$PYTHON" "$HERE/baseline.py" "$MIRROR" \
    "$DATA/prs.tsv" --every "$BASELINE_EVERY" > "$OUT/assemble-git.txt"
  keep git
  assemble swerl "$WORK/j1.db" "${ONE[@]}"
  for j in "${JOBS[@]}"; do assemble "swerl-j$j" "$WORK/j$j.db" -j "$j"; done
done
read -r _ GIT_PRS _ GIT_UNRESOLVED _ < "$OUT/assemble-git.txt"
# The git CLI script's time for all PRs, from the subset it ran on.
GIT_ALL=$(awk -v s="${BEST[git]}" -v n="$GIT_PRS" -v u="$GIT_UNRESOLVED" -v a="$NPRS" \
  'BEGIN { printf "%.2f", s * a / (n + u) }')

# Blob storage of the one-thread store: every changed file's sides as git
# holds them (raw, counted per instance), the distinct blobs among them,
# and what the store keeps (zstd frames), beside the whole database.
sqlite3 "$WORK/j1.db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
read -r RAW UNIQUE STORED NBLOBS PATCH < <(sqlite3 -separator ' ' "$WORK/j1.db" "
  SELECT (SELECT coalesce(sum(b.size), 0) FROM instance_files f JOIN blobs b ON b.blob_id = f.old_blob)
       + (SELECT coalesce(sum(b.size), 0) FROM instance_files f JOIN blobs b ON b.blob_id = f.new_blob),
         (SELECT sum(size) FROM blobs), (SELECT sum(length(data)) FROM blobs),
         (SELECT count(*) FROM blobs), (SELECT sum(length(patch)) FROM instances)")
DBBYTES=$(stat -c %s "$WORK/j1.db")
if [[ $CHECK_PATCHES == 1 ]]; then
  "$PYTHON" "$HERE/check_patches.py" "$WORK/j1.db" "$MIRROR" > "$OUT/assemble-check.txt" || FAILED=1
  cat "$OUT/assemble-check.txt"
fi
MIRRORBYTES=$(du -sb "$MIRROR" | cut -f1)

GEN=$("$PYTHON" -c 'import json, sys; s = json.load(open(sys.argv[1]))
print("%(commits)d commits (%(pr_commits)d on PR branches, %(direct_commits)d direct to main), "
      "%(prs)d merged PRs (%(merge)d merge commits, %(squash)d squash, %(rebase)d rebase; "
      "%(force_pushed)d with a force-pushed head_sha), %(initial_files)d -> %(final_files)d files; "
      "generated in %(seconds)s s" % s)' "$DATA/stats.json")
echo "swerl assemble benchmark on $CPU ($(nproc) cores), best of $REPEAT"
echo "repository: $GEN"
if [[ $BASELINE_EVERY != 1 ]]; then
  echo "git CLI script: 1 PR in $BASELINE_EVERY ($((GIT_PRS + GIT_UNRESOLVED)) of $NPRS) in ${BEST[git]} s, scaled to all PRs below"
fi
printf '%-22s %9s %12s %10s %9s\n' command seconds instances/s "peak RSS" speedup
NAMES=(git swerl)
for j in "${JOBS[@]}"; do NAMES+=("swerl-j$j"); done
for name in "${NAMES[@]}"; do
  secs=${BEST[$name]}
  label="swerl assemble ${ONE[*]}"
  [[ $name == git ]] && { secs=$GIT_ALL; label="git CLI script"; }
  [[ $name == swerl-j* ]] && label="swerl assemble -j ${name#swerl-j}"
  awk -v n="$label" -v s="$secs" -v r="$NPRS" -v m="${RSS[$name]}" -v p="$GIT_ALL" \
    'BEGIN { printf "%-22s %9.2f %12.1f %8.0fMB %8.1fx\n", n, s, r / s, m / 1024, p / s }'
done
awk -v raw="$RAW" -v u="$UNIQUE" -v s="$STORED" -v nb="$NBLOBS" -v db="$DBBYTES" -v p="$PATCH" -v mi="$MIRRORBYTES" 'BEGIN {
  printf "blobs: %.1f MB raw (every side of every changed file), %.1f MB in %d distinct blobs, %.1f MB stored (%.1fx smaller than raw)\n",
    raw / 1e6, u / 1e6, nb, s / 1e6, raw / s
  printf "store: %.1f MB database (patches %.1f MB); the mirror: %.1f MB\n", db / 1e6, p / 1e6, mi / 1e6 }'

JSON_SWERL=""
for name in "${NAMES[@]:1}"; do
  JSON_SWERL+=$(printf ',"%s":{"seconds":%s,"peak_rss_kb":%s}' "${name/-/_}" "${BEST[$name]}" "${RSS[$name]}")
done
printf '{"machine":"%s","cores":%d,"commits":%d,"prs":%d,"git_cli":{"seconds_all_prs":%s,"seconds_measured":%s,"prs_measured":%d,"every":%d,"peak_rss_kb":%s}%s,"blobs":{"raw_bytes":%s,"distinct_bytes":%s,"distinct_blobs":%s,"stored_bytes":%s},"db_bytes":%s,"mirror_bytes":%s,"all_assembled":%s}\n' \
  "$CPU" "$(nproc)" "$COMMITS" "$NPRS" "$GIT_ALL" "${BEST[git]}" "$((GIT_PRS + GIT_UNRESOLVED))" "$BASELINE_EVERY" \
  "${RSS[git]}" "$JSON_SWERL" "$RAW" "$UNIQUE" "$NBLOBS" "$STORED" "$DBBYTES" "$MIRRORBYTES" \
  "$([[ $FAILED == 0 ]] && echo true || echo false)" > "$OUT/assemble.json"
exit "$FAILED"

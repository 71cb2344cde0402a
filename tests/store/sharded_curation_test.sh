#!/usr/bin/env bash
# Sharded curation equals one process (issue 22). Over the demo world
# (scripts/demo_world.py's repositories and hours with the bundled real
# ones, through events | ingest and link into a base store), the recipe of
# scripts/slurm/ runs N = 3 shard tasks (clone -> assemble -> relevant with
# --shard K/3, each on its own copy of the base) and the merge job (merge ->
# license -> filter -> export); a one-process run does the same stages on
# another copy. The merged store and the exported shard must equal the
# one-process ones after a canonical dump (tests/store/canonical_dump.py:
# sorted rows, without wall-clock columns; the mirrors' directory replaced).
#
#   tests/store/sharded_curation_test.sh BUILD_DIR MODE
#
# MODE runs the shard tasks
#   bash      with plain bash, three at once (no scheduler), then also checks
#             that a rerun of the merge changes nothing and that two copies
#             of one shard are refused;
#   parallel  through scripts/slurm/curate_parallel.sh (GNU parallel);
#             exit 77 (skipped) when parallel is not installed;
#   slurm     through scripts/slurm/curate.sh on a single-node Slurm started
#             here (munge, slurmctld and slurmd on private ports, as
#             tests/trainer/slurm_test.sh); exit 77 when Slurm is missing.
# Prints the wall time of the one-process run and of the sharded one
# (bench/merge/run.sh collects them). KEEP=DIR keeps the work directory there.
set -euo pipefail
build=$(cd "${1:?usage: sharded_curation_test.sh BUILD_DIR MODE}" && pwd)
mode=${2:?mode: bash, parallel or slurm}
root=$(cd "$(dirname "$0")/../.." && pwd)
py=${SWERL_PYTHON:-$HOME/.cache/swerl/venv/bin/python}
[[ -x $py ]] || py=python3
export SWERL=$build/swerl
N=3
case $mode in
  bash) ;;
  parallel) command -v parallel > /dev/null || { echo "SKIP: GNU parallel is not installed"; exit 77; } ;;
  slurm)
    for tool in slurmctld slurmd sbatch squeue munged mungekey; do
      command -v "$tool" > /dev/null || { echo "SKIP: $tool not installed"; exit 77; }
    done ;;
  *) echo "unknown mode '$mode'" >&2; exit 2 ;;
esac

if [[ -n ${KEEP:-} ]]; then
  work=$KEEP
  rm -rf "$work"
  mkdir -p "$work"
else
  work=$(mktemp -d)
fi
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
  [[ -f $work/munged.pid ]] && kill "$(cat "$work/munged.pid")" 2> /dev/null || true
  [[ -n ${KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/log/*.log "$work"/sharded/*.out; do [[ -f $f ]] && tail -20 "$f" >&2; done
  exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# The base store: what ingest and link make of the demo world's hours.
"$py" "$root/scripts/demo_world.py" "$work/world" > "$work/world.log" 2>&1 || fail "demo_world.py"
"$SWERL" events -q "$root"/data/gharchive/*.json.gz "$work"/world/hours/*.json.gz |
  "$SWERL" ingest -q --db "$work/base.db"
"$SWERL" link -q --db "$work/base.db"
# The stages' flags, as make demo runs them (file:// instead of git daemon).
export SWERL_CLONE_FLAGS="-q --url-template file://$work/world/git/{owner}/{name}.git --retry-base-ms 10"
export SWERL_ASSEMBLE_FLAGS=-q SWERL_RELEVANT_FLAGS="-q -k 3" SWERL_LICENSE_FLAGS=-q
export SWERL_FILTER_FLAGS="-q --preset seeds --created-after 2020-01-01" SWERL_EXPORT_FLAGS=-q
export SWERL_JOBS=1

# One process.
mkdir -p "$work/one"
cp "$work/base.db" "$work/one/store.db"
t0=$(now)
(
  set -e
  cd "$work/one"
  db=$work/one/store.db repos=$work/one/repos
  # shellcheck disable=SC2086
  "$SWERL" clone --no-progress --db "$db" --repos "$repos" $SWERL_CLONE_FLAGS
  "$SWERL" assemble --no-progress -q -j 1 --db "$db" --repos "$repos"
  "$SWERL" relevant --no-progress -q -j 1 --db "$db" --repos "$repos" -k 3  # the recipe's order: stage_runs records arguments as typed
  "$SWERL" license -q --db "$db" --repos "$repos"
  # shellcheck disable=SC2086
  "$SWERL" filter --no-progress --db "$db" $SWERL_FILTER_FLAGS
  "$SWERL" export -q --no-progress --db "$db" --out "$work/one/shard.db"
) > "$work/one.log" 2>&1 || fail "the one-process run: $(tail -5 "$work/one.log")"
t1=$(now)
one_s=$(elapsed "$t0" "$t1")

# Sharded, by the recipe.
s=$work/sharded
mkdir -p "$s" "$work/log"
recipe=$root/scripts/slurm
t0=$(now)
case $mode in
  bash)
    for ((k = 0; k < N; k++)); do
      bash "$recipe/curate_shard.sbatch" "$work/base.db" "$s" "$s/repos" "$N" "$k" \
        > "$s/shard-$k.out" 2>&1 &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || fail "a shard task failed"; done
    pids=()
    bash "$recipe/curate_merge.sbatch" "$s" "$N" "$s/repos" "$s/merged.db" "$s/shard.db" \
      > "$s/merge.out" 2>&1 || fail "the merge job failed"
    ;;
  parallel)
    bash "$recipe/curate_parallel.sh" "$work/base.db" "$s" "$s/repos" "$N" "$s/merged.db" \
      "$s/shard.db" > "$s/parallel.out" 2>&1 || fail "curate_parallel.sh failed"
    ;;
  slurm)
    t_start=$(now)
    # shellcheck source=../testing/slurm_cluster.sh
    source "$root/tests/testing/slurm_cluster.sh"
    start_slurm "$work" "$py" swerlshard
    echo "slurm: up in $(elapsed "$t_start" "$(now)") s"
    t0=$(now)
    bash "$recipe/curate.sh" "$work/base.db" "$s" "$s/repos" "$N" "$s/merged.db" "$s/shard.db" \
      --wait --cpus-per-task=1 --mem=500 --time=15:00 > "$s/submit.out" 2>&1 ||
      fail "curate.sh or one of its jobs failed: $(cat "$s/submit.out")"
    # What Slurm itself saw (slurmctld's log, milliseconds): the array's
    # submission to the merge job's end; --wait's polling adds the rest.
    merge=$(sed -n 's/^merge: job \([0-9]*\).*/\1/p' "$s/submit.out")
    span=$("$py" - "$work/log/slurmctld.log" "$merge" <<'PY'
import datetime, re, sys
stamps = {}
for line in open(sys.argv[1]):
    m = re.match(r"\[([0-9T:.-]+)\] (.*)", line)
    if not m:
        continue
    t = datetime.datetime.fromisoformat(m.group(1)).timestamp()
    if "_slurm_rpc_submit_batch_job" in m.group(2):
        stamps.setdefault("submit", t)
    if re.search(rf"_job_complete: JobId={sys.argv[2]} WEXITSTATUS", m.group(2)):
        stamps["end"] = t
print(f"{stamps['end'] - stamps['submit']:.2f}")
PY
)
    echo "slurm: array submitted to merge job ended: $span s (slurmctld's log)"
    ;;
esac
t1=$(now)
sharded_s=$(elapsed "$t0" "$t1")

# The same rows and the same shard.
dump() { "$py" "$root/tests/store/canonical_dump.py" "$1" --replace "$2=REPOS"; }
dump "$work/one/store.db" "$work/one/repos" > "$work/one.dump"
dump "$s/merged.db" "$s/repos" > "$work/sharded.dump"
dump "$work/one/shard.db" "$work/one/repos" > "$work/one-shard.dump"
dump "$s/shard.db" "$s/repos" > "$work/sharded-shard.dump"
diff "$work/one.dump" "$work/sharded.dump" > "$work/store.diff" ||
  fail "the merged store differs from the one-process store: $(head -20 "$work/store.diff")"
diff "$work/one-shard.dump" "$work/sharded-shard.dump" > "$work/shard.diff" ||
  fail "the shard differs: $(head -20 "$work/shard.diff")"
instances=$(sqlite3 "$s/merged.db" "SELECT count(*) FROM instances WHERE status = 'assembled'")
seeds=$(sqlite3 "$s/shard.db" "SELECT count(*) FROM seeds")
repos=$(sqlite3 "$s/merged.db" "SELECT count(*) FROM repo_clones WHERE status = 'cloned'")
[[ $instances -gt 0 && $seeds -gt 0 ]] || fail "nothing was assembled or exported"
# Each worker worked on its shard only, and every cloned repository has one.
for ((k = 0; k < N; k++)); do
  w=$s/worker-$k-of-$N.db
  [[ $(sqlite3 "$w" "SELECT DISTINCT shard_index || '/' || shard_count FROM worker_shards") == "$k/$N" ]] ||
    fail "$w does not record shard $k/$N"
  [[ $(sqlite3 "$w" "SELECT count(*) FROM instances WHERE (repo_id % $N) != $k") == 0 ]] ||
    fail "$w holds instances of another shard"
done
echo "sharded ($mode, N = $N) equals one process: $instances instances of $repos repositories, $seeds seeds"

if [[ $mode == bash ]]; then
  # A rerun of the merge (and of the steps after it) changes no row.
  "$SWERL" merge -q --db "$s/merged.db" "$s"/worker-*-of-$N.db || fail "the merge rerun failed"
  dump "$s/merged.db" "$s/repos" | diff -q "$work/sharded.dump" - > /dev/null ||
    fail "rerunning the merge changed the store"
  # Two copies of one shard are refused, naming both, and nothing is written.
  cp "$s/worker-0-of-$N.db" "$work/copy.db"
  set +e
  err=$("$SWERL" merge --db "$work/refused.db" "$s/worker-0-of-$N.db" "$work/copy.db" 2>&1)
  code=$?
  set -e
  [[ $code == 2 && $err == *"both worked on repository shard 0/3"* ]] ||
    fail "overlapping shards: exit $code: $err"
  [[ ! -e $work/refused.db ]] || fail "a refused merge created its output"
fi
echo "wall time: one process $one_s s; sharded ($mode, N = $N, $(nproc) cores) $sharded_s s"
echo "sharded_curation_test ($mode): OK"

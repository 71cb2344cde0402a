#!/bin/bash
# Curation across processes without a scheduler (scripts/slurm/README.md):
# GNU parallel runs the N shard tasks of curate_shard.sbatch (clone ->
# assemble -> relevant with --shard K/N, each on its own copy of BASE.db),
# P at a time, then curate_merge.sbatch (merge -> license -> filter ->
# export). With `--sshloginfile` in PARALLEL_FLAGS the tasks spread over
# machines (all paths the same on a file system they share, swerl at $SWERL
# on each).
#
#   scripts/slurm/curate_parallel.sh BASE.db WORK_DIR REPOS_DIR N OUT.db SHARD.db [P]
#
# P defaults to N; each task gets -j (cores / P) unless SWERL_JOBS is set.
# Environment as for the sbatch files, plus PARALLEL_FLAGS (extra options
# for parallel, split on spaces).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 6 ]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
command -v parallel > /dev/null || { echo "curate_parallel.sh: GNU parallel is not installed" >&2; exit 2; }
BASE=$1 WORK=$2 REPOS=$3 N=$4 OUT=$5 SHARD=$6 P=${7:-$4}
case $N$P in *[!0-9]*) echo "curate_parallel.sh: N and P must be whole numbers" >&2; exit 2 ;; esac
CORES=$(nproc)
export SWERL_JOBS=${SWERL_JOBS:-$(( CORES / P > 0 ? CORES / P : 1 ))}
# A failed task fails the run once the others are done; the merge needs all.
# -q passes the arguments as they are (no shell between); --env carries the
# settings to remote hosts.
ENVS=()
for v in SWERL SWERL_JOBS SWERL_CLONE_FLAGS SWERL_ASSEMBLE_FLAGS SWERL_RELEVANT_FLAGS; do
  ENVS+=(--env "$v")
done
# shellcheck disable=SC2086
parallel --will-cite -q --halt soon,fail=1 -j "$P" --line-buffer "${ENVS[@]}" ${PARALLEL_FLAGS:-} \
  bash "$HERE/curate_shard.sbatch" "$BASE" "$WORK" "$REPOS" "$N" {} ::: $(seq 0 $((N - 1)))
bash "$HERE/curate_merge.sbatch" "$WORK" "$N" "$REPOS" "$OUT" "$SHARD"

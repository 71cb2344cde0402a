#!/bin/bash
# Submits curation across machines to Slurm (scripts/slurm/README.md): an
# array job of N tasks (curate_shard.sbatch: clone -> assemble -> relevant
# with --shard K/N, each on its own copy of BASE.db) and a job that starts
# when all of them succeeded (curate_merge.sbatch: merge -> license ->
# filter -> export). Prints the two job ids.
#
#   scripts/slurm/curate.sh BASE.db WORK_DIR REPOS_DIR N OUT.db SHARD.db [sbatch options]
#
# The sbatch options (--partition, --account, --time, --cpus-per-task) go
# to both jobs, --wait to the merge job (returns when it ends, with its
# exit status); the
# environment (SWERL, SWERL_*_FLAGS) travels with them. All paths must be on
# a file system every node sees.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 6 ]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
BASE=$(realpath "$1") WORK=$(realpath -m "$2") REPOS=$(realpath -m "$3") N=$4
OUT=$(realpath -m "$5") SHARD=$(realpath -m "$6")
shift 6
case $N in '' | *[!0-9]* | 0) echo "curate.sh: N must be a whole number >= 1, got '$N'" >&2; exit 2 ;; esac
mkdir -p "$WORK" "$REPOS"
# --wait waits for the merge job only: the array is submitted and left to run.
OPTS=() WAIT=()
for o in "$@"; do
  case $o in --wait | -W) WAIT=(--wait) ;; *) OPTS+=("$o") ;; esac
done
array=$(sbatch --parsable --array="0-$((N - 1))" --chdir="$WORK" "${OPTS[@]}" \
  "$HERE/curate_shard.sbatch" "$BASE" "$WORK" "$REPOS" "$N")
array=${array%%;*}
echo "shards: job $array (array 0-$((N - 1)))"
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --chdir="$WORK" "${OPTS[@]}" "${WAIT[@]}" "$HERE/curate_merge.sbatch" "$WORK" "$N" "$REPOS" \
  "$OUT" "$SHARD")
echo "merge: job ${merge%%;*}"

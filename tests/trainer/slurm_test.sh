#!/usr/bin/env bash
# scripts/slurm/grpo.sbatch for real: a single-node Slurm (Debian's slurmctld,
# slurmd and munge, private ports, sockets and spool under a temporary
# directory) runs the recipe with 2 tasks on the demo world's shard, then a
# resubmission continues the run. The 2-task result must equal a 1-process
# run of the same flags within float tolerance. Label `slow`; skipped (exit
# 77) when Slurm is not installed:
#   apt-get install slurmd slurmctld slurm-client munge
#
# Usage: tests/trainer/slurm_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: slurm_test.sh BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
py=${SWERL_PYTHON:-$HOME/.cache/swerl/venv/bin/python}
for tool in slurmctld slurmd sbatch munged mungekey; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
  [[ -f $work/munged.pid ]] && kill "$(cat "$work/munged.pid")" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$work"/log/*.log "$work"/*.out; do [[ -f $f ]] && tail -20 "$f" >&2; done; exit 1; }

# munge and Slurm on free ports, as this user.
mkdir -p "$work"/{state,spool,log}
mungekey --create --keyfile "$work/munge.key" > /dev/null
chmod 600 "$work/munge.key"
munged --key-file="$work/munge.key" --socket="$work/munge.sock" --pid-file="$work/munged.pid" \
  --log-file="$work/log/munged.log" --seed-file="$work/munge.seed" --force
read -r ctl_port node_port < <("$py" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
host=$(hostname)
user=$(id -un)
cat > "$work/slurm.conf" <<CONF
ClusterName=swerltest
SlurmctldHost=$host
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.sock
SlurmctldPort=$ctl_port
SlurmdPort=$node_port
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$(nproc) RealMemory=2000 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -D -f "$SLURM_CONF" > "$work/log/slurmctld.out" 2>&1 & pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$work/log/slurmd.out" 2>&1 & pids+=($!)
for _ in $(seq 60); do
  sinfo -h -o %t 2> /dev/null | grep -q idle && break
  sleep 0.5
done
sinfo -h -o %t | grep -q idle || fail "the Slurm node did not come up"

# Data and model: the demo world's shard, a tiny Qwen3 with the real tokenizer.
DEMO_TRAIN=0 DEMO_OUT="$work/demo" bash "$root/scripts/demo.sh" "$build" > "$work/demo.log" 2>&1 ||
  fail "the demo's data half failed"
"$build/swerl-train" init -q --arch qwen3 --tokenizer "$root/tests/data/tokenizers/qwen3" \
  --out "$work/model" --hidden 32 --layers 1 --heads 2 --kv-heads 1 --head-dim 16 --seed 1
# The toy scorer (reward rises with the share of one letter) gives graded rewards.
flags=(--reward-cmd "$py $root/tests/trainer/toy/count_reward.py --target a --saturation 8"
       --prompts-per-step 2 --group-size 4 --max-new-tokens 8 --max-prompt-tokens 8192
       --lr 1e-3 --beta 0 --warmup 0 --seed 3 --save-every 1 --torch-threads 1)

# The recipe as shipped, asking for what this node has (2 tasks, no GPU).
grep -v -- '--gpus-per-node' "$root/scripts/slurm/grpo.sbatch" > "$work/grpo.sbatch"
submit() {
  SWERL_TRAIN="$build/swerl-train" sbatch --wait --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 \
    --time=10:00 --output="$work/job-%j.out" "$work/grpo.sbatch" \
    "$work/demo/shard.db" "$work/model" "$work/run" "$@" > /dev/null
}
submit "${flags[@]}" --steps 2 --zero 1 || fail "the job failed"
[[ -f $work/run/step_00000002/DONE ]] || fail "no complete step-2 checkpoint"
[[ -f $work/run/step_00000002/optimizer-rank00001-of-00002.safetensors ]] || fail "no rank-1 optimizer part"

# A resubmission continues from the last checkpoint.
submit --steps 3 || fail "the resubmitted job failed"
[[ -f $work/run/step_00000003/DONE ]] || fail "the resubmission did not reach step 3"
[[ $(wc -l < "$work/run/metrics.jsonl") == 3 ]] || fail "metrics.jsonl does not hold steps 1..3 once each"

# One process, same flags: the same weights within float tolerance.
OMP_NUM_THREADS=1 "$build/swerl-train" grpo -q --seeds "$work/demo/shard.db" --model "$work/model" \
  --out "$work/one" "${flags[@]}" --steps 3
"$py" - "$work/run/step_00000003/model.safetensors" "$work/one/step_00000003/model.safetensors" \
  "$work/model/model.safetensors" <<'PY' || fail "2 Slurm tasks and 1 process disagree"
import sys
from safetensors.numpy import load_file
two, one, start = (load_file(p) for p in sys.argv[1:])
diff = max(float(abs(two[k].astype("float64") - one[k]).max()) for k in one)
moved = max(float(abs(one[k].astype("float64") - start[k]).max()) for k in one)
print(f"slurm: 2 tasks vs 1 process after 3 GRPO steps: max |dw| = {diff:.3g} (weights moved {moved:.3g})")
sys.exit(0 if diff <= 1e-5 and moved > 1e-4 else 1)
PY
echo "slurm_test: OK"

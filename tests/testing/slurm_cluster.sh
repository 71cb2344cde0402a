# A private single-node Slurm for tests: munge and slurmctld/slurmd as this
# user, on free loopback ports, every file under one work directory. Source
# it, then call start_slurm. The caller owns the array `pids` (the daemons'
# ids are appended; kill them and "$work/munged.pid"'s process on exit) and
# a `fail MESSAGE` function.
#   start_slurm WORK PYTHON CLUSTER_NAME
# Exports SLURM_CONF; returns once the node is idle (or fails).
start_slurm() {
  local work=$1 py=$2 name=$3
  mkdir -p "$work"/{state,spool,log}
  mungekey --create --keyfile "$work/munge.key" > /dev/null
  chmod 600 "$work/munge.key"
  munged --key-file="$work/munge.key" --socket="$work/munge.sock" --pid-file="$work/munged.pid" \
    --log-file="$work/log/munged.log" --seed-file="$work/munge.seed" --force
  local ctl_port node_port host user
  read -r ctl_port node_port < <("$py" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
  host=$(hostname)
  user=$(id -un)
  cat > "$work/slurm.conf" <<CONF
ClusterName=$name
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
SchedulerParameters=sched_interval=1
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$(nproc) RealMemory=2000 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
  export SLURM_CONF=$work/slurm.conf
  slurmctld -D -f "$SLURM_CONF" > "$work/log/slurmctld.out" 2>&1 &
  pids+=($!)
  slurmd -D -f "$SLURM_CONF" > "$work/log/slurmd.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 60); do
    sinfo -h -o %t 2> /dev/null | grep -q idle && break
    sleep 0.5
  done
  sinfo -h -o %t | grep -q idle || fail "the Slurm node did not come up"
}

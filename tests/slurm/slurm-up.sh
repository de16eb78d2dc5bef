#!/bin/bash
# Brings up a one-node SLURM cluster on localhost for the tests: munge,
# slurmctld and slurmd as root, no cgroups, state and logs under DIR.
# Writes DIR/slurm.env (source it to use sbatch and friends) and DIR/pids.
#   tests/slurm/slurm-up.sh DIR
set -euo pipefail
dir=$(mkdir -p "$1" && cd "$1" && pwd)
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
: > "$dir/pids"

# Return the pid in a pid file once the daemon behind it answers to kill -0.
wait_pid_file() { # file
    for _ in $(seq 100); do
        if [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; then cat "$1"; return 0; fi
        sleep 0.1
    done
    echo "slurm-up: $1 did not appear" >&2
    return 1
}

# munge: the authentication slurm needs between its daemons and clients.
if ! munge -n 2>/dev/null | unmunge > /dev/null 2>&1; then
    if [ ! -s /etc/munge/munge.key ]; then
        mungekey --create --keyfile=/etc/munge/munge.key
        chown munge:munge /etc/munge/munge.key
        chmod 0400 /etc/munge/munge.key
    fi
    install -d -o munge -g munge -m 0755 /run/munge
    rm -f /run/munge/munged.pid
    runuser -u munge -- /usr/sbin/munged
    echo "munged $(wait_pid_file /run/munge/munged.pid)" >> "$dir/pids"
fi

# The node as slurmd sees it; memory a little below the total.
eval "$(slurmd -C | head -1 | tr ' ' '\n' | grep -E '^(CPUs|CoresPerSocket|RealMemory)=')"
node="NodeName=localhost NodeHostname=$(hostname -s) NodeAddr=127.0.0.1 State=UNKNOWN"
node+=" CPUs=$CPUs Boards=1 SocketsPerBoard=1 CoresPerSocket=$CoresPerSocket ThreadsPerCore=1"
node+=" RealMemory=$((RealMemory * 9 / 10))"
cat > "$dir/slurm.conf" <<CONF
ClusterName=mixmate-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${SLURM_TEST_PORT:-6817}
SlurmdPort=$(( ${SLURM_TEST_PORT:-6817} + 1 ))
AuthType=auth/munge
AuthInfo=cred_expire=10
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
MinJobAge=600
KillWait=5
$node
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
echo "export SLURM_CONF=$dir/slurm.conf" > "$dir/slurm.env"

# The controller, then the node daemon; stale pid files would name dead daemons.
rm -f "$dir/slurmctld.pid" "$dir/slurmd.pid"
slurmctld -f "$dir/slurm.conf"
echo "slurmctld $(wait_pid_file "$dir/slurmctld.pid")" >> "$dir/pids"
slurmd -f "$dir/slurm.conf" -N localhost
echo "slurmd $(wait_pid_file "$dir/slurmd.pid")" >> "$dir/pids"

export SLURM_CONF=$dir/slurm.conf
for _ in $(seq 150); do
    state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
    [ "$state" = idle ] && { echo "slurm-up: localhost idle ($dir)"; exit 0; }
    sleep 0.2
done
echo "slurm-up: the node never became idle (state '$state'); see $dir/log" >&2
exit 1

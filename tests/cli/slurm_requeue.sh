#!/bin/bash
# The restart cycle under a real one-node SLURM on localhost: jobs/train.sbatch
# is submitted with a time limit shorter than the run. SLURM signals it, the
# run checkpoints and exits 75, the job requeues itself and resumes, until
# it finishes; the final model must equal, bit for bit, that of the same
# run without interruptions. The daemons started here are stopped on exit.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v slurmctld > /dev/null || fail "slurmctld missing: install slurmctld slurmd munge"

"$top/tests/slurm/slurm-up.sh" "$WORK/slurm" || fail "SLURM did not come up"
trap '"$top/tests/slurm/slurm-down.sh" "$WORK/slurm"; rm -rf "$WORK"' EXIT
. "$WORK/slurm/slurm.env"

mm -n 2 synth --out data.h5 --samples 30000 --seed 5 > /dev/null || fail "synth"
FLAGS="--atoms 5 --layers 30 --batch 128 --epochs 700 --eval-every 100 --seed 8"
start=$(date +%s)
mm -n 2 train --data data.h5 --clusters 5 $FLAGS --out reference > reference.log 2>&1 \
    || { cat reference.log; fail "uninterrupted run"; }
echo "uninterrupted run: $(($(date +%s) - start)) s"

# A one-minute limit with the signal due 50 s before it: the run outlasts it.
export DATA="$WORK/data.h5" OUT="$WORK/run" CLUSTERS=5 TRAIN_FLAGS="$FLAGS" LAUNCH=mpirun
export MIXMATE
jid=$(sbatch --parsable --time=1 --signal=B:USR1@50 -D "$WORK" -o job.out --export=ALL \
    "$top/jobs/train.sbatch") || fail "sbatch"
echo "submitted job $jid"

state=""
for _ in $(seq 1200); do
    state=$(scontrol show job "$jid" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
    case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
    sleep 1
done
grep -E "^(attempt|stopped|resuming|checkpointed|wrote)" job.out
[ "$state" = COMPLETED ] || { cat job.out; fail "job $jid ended $state"; }
restarts=$(scontrol show job "$jid" | grep -o 'Restarts=[0-9]*' | cut -d= -f2)
check "the job was requeued" "$restarts >= 1"
grep -q "^stopped on SIGUSR1" job.out || fail "no checkpointed stop in the job's output"
grep -q "^resuming" job.out || fail "no resume in the job's output"
pass "signalled, checkpointed, requeued $restarts time(s), resumed and finished"
h5diff reference/model.h5 run/model.h5 /dictionaries /dictionaries \
    || fail "the requeued run's model differs from the uninterrupted run's"
pass "same model, bit for bit, as the uninterrupted run"

#!/bin/bash
# Side-by-side speed and accuracy: mixmate against the PyTorch reference
# implementation of the published algorithm, on the same HDF5 file, the same
# hyperparameters and the same cores, run alternately so that both see the
# same machine load. Prints seconds per training epoch of each (median over
# all epochs of all rounds), their ratio, and the ACC each reached.
#
#   jobs/bench-vs-reference.sh DATA.h5 [ROUNDS] [EPOCHS]
#
# Environment: REFERENCE (path of mixmate_ref.py), MIXMATE (executable),
# CORES (default 2), SEED (default 0), LAYOUT ("ranks": CORES ranks x 1 thread,
# or "threads": 1 rank x CORES threads; default ranks), SAME_START (1: the
# reference starts from mixmate's initial dictionaries, through
# jobs/reference-from-start.py, so that ACC differs only by the batch order),
# FLUSH (1, the default: the reference runs with torch.set_flush_denormal(True),
# as mixmate flushes subnormal floats; on CPUs that handle subnormals slowly,
# many Intel cores among them, the reference is several times slower without it).
# The reference keeps its BLAS threads; only mixmate gets OPENBLAS_NUM_THREADS=1.
# Needs python3-torch, python3-sklearn, python3-scipy and python3-h5py.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
data=${1:?usage: $0 DATA.h5 [ROUNDS] [EPOCHS]}
rounds=${2:-2}
epochs=${3:-2}
reference=${REFERENCE:-$top/../shared/reference/mixmate_ref.py}
mixmate=${MIXMATE:-$top/build/mixmate}
cores=${CORES:-2}
seed=${SEED:-0}
layout=${LAYOUT:-ranks}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
flush=${FLUSH:-1}

# The reference as a script, with subnormals flushed first when asked.
reference_run() {
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -c '
import runpy, sys, torch
torch.set_flush_denormal(sys.argv[1] == "1")
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")' "$flush" "$@"
}
if [ "$layout" = ranks ]; then np=$cores; threads=1; else np=1; threads=$cores; fi

same_start=${SAME_START:-0}
if [ "$same_start" = 1 ]; then
    OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=1 mpirun -n "$np" --bind-to none \
        "$mixmate" train --data "$data" \
        --clusters 10 --epochs 0 --seed "$seed" --out "$work/start" > /dev/null
fi

for r in $(seq "$rounds"); do
    echo "round $r: reference ($cores threads)" >&2
    if [ "$same_start" = 1 ]; then
        reference_run "$top/jobs/reference-from-start.py" \
            --reference "$reference" --data "$data" --init "$work/start/model.h5" \
            --epochs "$epochs" --seed "$seed" --threads "$cores" > "$work/ref$r.log"
    else
        reference_run "$reference" --dataset "$data" \
            --epochs "$epochs" --seed "$seed" --threads "$cores" > "$work/ref$r.log"
    fi
    echo "round $r: mixmate ($np ranks x $threads threads)" >&2
    OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=1 mpirun -n "$np" --bind-to none \
        "$mixmate" train --data "$data" \
        --clusters 10 --epochs "$epochs" --seed "$seed" --out "$work/mm$r" > "$work/mm$r.log"
done

# Per-epoch training seconds: the reference's train_s column, mixmate's metrics.jsonl.
grep -h '^epoch' "$work"/ref*.log | awk '$1 == "epoch" && $2 > 0 { print $4 }' | sort -g \
    > "$work/ref.s"
cat "$work"/mm*/metrics.jsonl | grep -v '"epoch": 0,' \
    | sed 's/.*"seconds": \([0-9.e+-]*\).*/\1/' | sort -g > "$work/mm.s"
median() {
    awk '{ a[NR] = $1 } END { print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }' \
        "$1"
}
ref_s=$(median "$work/ref.s")
mm_s=$(median "$work/mm.s")
ref_acc=$(grep -h '^epoch' "$work"/ref*.log | tail -1 \
    | awk '{ for (i = 1; i < NF; i++) if ($i == "ACC") print $(i + 1) }')
mm_acc=$(tail -1 "$work/mm$rounds/metrics.jsonl" | sed 's/.*"acc": \([0-9.]*\).*/\1/')
ref_loss=$(grep -h '^epoch' "$work"/ref*.log | tail -1 \
    | awk '{ for (i = 1; i < NF; i++) if ($i == "eval_loss") print $(i + 1) }')
mm_loss=$(tail -1 "$work/mm$rounds/metrics.jsonl" \
    | sed 's/.*"eval_loss": \([0-9.e+-]*\).*/\1/')

printf '\n%-28s %12s %12s\n' "$(basename "$data"), $epochs epochs" reference mixmate
printf '%-28s %12.2f %12.2f\n' "seconds per training epoch" "$ref_s" "$mm_s"
printf '%-28s %12s %12.1fx\n' "speedup (median/median)" "" \
    "$(awk "BEGIN { print $ref_s / $mm_s }")"
printf '%-28s %12.4f %12.4f\n' "ACC after last epoch" "$ref_acc" "$mm_acc"
[ -n "$ref_loss" ] && printf '%-28s %12.6f %12.6f\n' "loss over all samples" "$ref_loss" \
    "$mm_loss"
printf '(%s cores; mixmate %s ranks x %s threads; %s rounds alternated; seed %s%s%s)\n' \
    "$cores" "$np" "$threads" "$rounds" "$seed" "$([ "$same_start" = 1 ] && echo ', same start')" \
    "$([ "$flush" = 1 ] && echo ', reference flushes subnormals')"

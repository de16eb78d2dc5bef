#!/bin/bash
# Robustness to missing values, as in the published experiment: for each
# seed, train on the clean data and on a copy where a fraction PROB of the
# samples each lost a fraction FRAC of its values (mixmate erase), with the
# same seed and settings. Prints the ACC of both runs, the ACC of the clean
# run's model on the erased copy (missing values at inference only, no
# retraining) and, for the erased run, the RMSE of its reconstruction on the
# erased entries next to the RMSE of filling them with each feature's mean
# over the observed values.
#
# The two training runs start differently: the k-means start draws complete
# rows only, and the erased copy has other complete rows. Their difference
# therefore holds the spread between starts too; the column "clean model"
# compares the same model on both copies.
#
#   jobs/missing-values.sh DATA.h5 [SEEDS] [TRAIN FLAGS...]
#   jobs/missing-values.sh fashion.h5 "1 2 3" --clusters 10 --epochs 50
#
# Environment: MIXMATE (executable), NP (ranks, default 2), PROB (0.9),
# FRAC (0.25), WORK (directory for the runs; a temporary one by default).
# The RMSE is computed with Python's h5py and numpy (python3-h5py).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
data=${1:?usage: $0 DATA.h5 [SEEDS] [TRAIN FLAGS...]}
seeds=${2:-1 2 3}
shift $(($# < 2 ? $# : 2))
flags=("$@")
[ ${#flags[@]} -gt 0 ] || flags=(--clusters 10)
mixmate=${MIXMATE:-$top/build/mixmate}
np=${NP:-2}
prob=${PROB:-0.9}
frac=${FRAC:-0.25}
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=1
mm() { mpirun -n "$np" --bind-to none "$mixmate" "$@"; }

# The last "acc" of a run's metrics.jsonl.
final_acc() { tail -1 "$1/metrics.jsonl" | sed 's/.*"acc": \([0-9.]*\).*/\1/'; }

rmse() {
    /usr/bin/python3 - "$data" "$1" "$2" <<'EOF'
import sys
import h5py
import numpy as np

clean, erased, recon = sys.argv[1:4]
with h5py.File(clean, "r") as f:
    Y = np.asarray(f["samples"], dtype=np.float64)
with h5py.File(erased, "r") as f:
    gone = np.isnan(np.asarray(f["samples"], dtype=np.float32))
with h5py.File(recon, "r") as f:
    R = np.asarray(f["reconstruction"], dtype=np.float64)
observed = np.where(gone, np.nan, Y)
mean = np.nanmean(observed, axis=0)
fill = np.broadcast_to(mean, Y.shape)
err = lambda A: np.sqrt(np.mean((A[gone] - Y[gone]) ** 2))
print(f"{err(R):.5f} {err(fill):.5f} {int(gone.sum())}")
EOF
}

printf '%-6s %10s %10s %8s %12s %8s %14s %14s\n' seed "ACC clean" "ACC erased" "diff" \
    "clean model" "diff" "RMSE mixmate" "RMSE mean" > "$work/table"
for seed in $seeds; do
    echo "seed $seed: clean run, erase, erased run, reconstruction" >&2
    mm train --data "$data" "${flags[@]}" --seed "$seed" --out "$work/clean-$seed" \
        --force > "$work/clean-$seed.log"
    mm erase --prob "$prob" --frac "$frac" --seed "$seed" --force "$data" \
        "$work/erased-$seed.h5" > /dev/null
    mm assign --model "$work/clean-$seed/model.h5" --data "$work/erased-$seed.h5" \
        --out "$work/clean-model-$seed.h5" --force > "$work/clean-model-$seed.log"
    mm train --data "$work/erased-$seed.h5" "${flags[@]}" --seed "$seed" \
        --out "$work/erased-$seed" --force > "$work/erased-$seed.log"
    mm assign --model "$work/erased-$seed/model.h5" --data "$work/erased-$seed.h5" \
        --reconstruct --out "$work/recon-$seed.h5" --force > /dev/null

    a=$(final_acc "$work/clean-$seed")
    b=$(final_acc "$work/erased-$seed")
    c=$(sed -n 's/^ACC \([0-9.]*\).*/\1/p' "$work/clean-model-$seed.log")
    read -r r_mm r_mean _ < <(rmse "$work/erased-$seed.h5" "$work/recon-$seed.h5")
    printf '%-6s %10.4f %10.4f %+8.4f %12.4f %+8.4f %14.5f %14.5f\n' "$seed" "$a" "$b" \
        "$(awk "BEGIN { print $b - $a }")" "$c" "$(awk "BEGIN { print $c - $a }")" \
        "$r_mm" "$r_mean" >> "$work/table"
done

echo
echo "$(basename "$data"): erase --prob $prob --frac $frac; train ${flags[*]}; $np ranks"
cat "$work/table"
awk 'NR > 1 { d += $4; e += $6; m += $7; f += $8; n++ }
     END { printf "%-6s %10s %10s %+8.4f %12s %+8.4f %14.5f %14.5f\n", "mean", "", "", d / n,
                  "", e / n, m / n, f / n }' \
    "$work/table"
echo "runs in $work"

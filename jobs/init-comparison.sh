#!/bin/bash
# The starting points side by side: k-means, spectral and SSC starts, each on
# the raw rows and on their wavelet scattering coefficients, over several
# seeds. Trains every combination with the same settings and prints one
# Markdown table: mean and spread (standard deviation over seeds) of ACC, NMI
# and ARI after the initialisation and after the last epoch, and the seconds
# the initialisation took.
#
#   jobs/init-comparison.sh DATA.h5 [SEEDS] [TRAIN FLAGS...]
#   jobs/init-comparison.sh fashion.h5 "1 2 3" --clusters 10 --init-subset 5000
#
# Environment: MIXMATE (executable), NP (ranks, default 2), STARTS (default
# "kmeans spectral ssc"), FEATURES (default "raw scattering"), SHAPE (image
# shape for scattering, default 28x28), WORK (directory for the runs; a
# temporary one by default, removed at the end). A run whose directory in
# WORK already holds model.h5 is not run again, so an interrupted comparison
# resumes where it stopped.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
data=${1:?usage: $0 DATA.h5 [SEEDS] [TRAIN FLAGS...]}
seeds=${2:-1 2 3}
shift $(($# < 2 ? $# : 2))
flags=("$@")
[ ${#flags[@]} -gt 0 ] || flags=(--clusters 10)
mixmate=${MIXMATE:-$top/build/mixmate}
np=${NP:-2}
starts=${STARTS:-kmeans spectral ssc}
features=${FEATURES:-raw scattering}
shape=${SHAPE:-28x28}
if [ -n "${WORK:-}" ]; then
    work=$WORK
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=1

# One training run per start, features and seed.
for start in $starts; do
    for feat in $features; do
        extra=(--init "$start" --init-features "$feat")
        [ "$feat" = scattering ] && extra+=(--image-shape "$shape")
        for seed in $seeds; do
            dir=$work/$start-$feat-$seed
            [ -f "$dir/model.h5" ] && continue
            echo "training: --init $start --init-features $feat --seed $seed" >&2
            mpirun -n "$np" --bind-to none "$mixmate" train --data "$data" "${flags[@]}" \
                "${extra[@]}" --seed "$seed" --out "$dir" --force > "$dir.log" 2>&1 \
                || { cat "$dir.log" >&2; exit 1; }
        done
    done
done

# A field of line `which` (first or last) of a run's metrics.jsonl.
field() { # dir which name
    local line
    if [ "$2" = first ]; then line=$(head -1 "$1/metrics.jsonl"); else
        line=$(tail -1 "$1/metrics.jsonl"); fi
    echo "$line" | grep -o "\"$3\": *[-0-9.eE+]*" | sed 's/.*: *//'
}


# Mean and standard deviation of the numbers on stdin, as "0.512 ± 0.013".
stats() {
    awk -v d="$1" '{ s += $1; q += $1 * $1; n++ }
        END { m = s / n; v = q / n - m * m; printf "%.*f ± %.*f", d, m, d, sqrt(v > 0 ? v : 0) }'
}

first=$(set -- $starts; echo "$1")-$(set -- $features; echo "$1")-$(set -- $seeds; echo "$1")
epochs=$(field "$work/$first" last epoch)
echo
echo "| start | features | ACC init | NMI init | ARI init | ACC $epochs ep. |" \
     "NMI $epochs ep. | ARI $epochs ep. | init seconds |"
echo "|---|---|---|---|---|---|---|---|---|"
for start in $starts; do
    for feat in $features; do
        row="| $start | $feat"
        for which in first last; do
            for m in acc nmi ari; do
                v=$(for seed in $seeds; do field "$work/$start-$feat-$seed" $which $m; done \
                    | stats 3)
                row="$row | $v"
            done
        done
        secs=$(for seed in $seeds; do
            sed -n 's/^initialised in \([0-9.]*\) s.*/\1/p' "$work/$start-$feat-$seed.log"
        done | stats 1)
        echo "$row | $secs |"
    done
done
echo
echo "($(echo $seeds | wc -w) seeds: $seeds; $np ranks; flags: ${flags[*]};" \
     "± is the standard deviation over seeds)"

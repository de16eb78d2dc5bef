#!/bin/bash
# Rank and thread layouts side by side on this machine: 1 rank x 1 thread,
# CORES ranks x 1 thread and 1 rank x CORES threads, run alternately ROUNDS
# times with `mixmate bench`. Prints each layout's training and inference
# throughput, the step's share of the SGEMM rate measured in the same run,
# and the parallel efficiency against CORES times the 1 x 1 throughput.
#
#   jobs/bench-layouts.sh [ROUNDS] [extra mixmate bench flags...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mixmate=${MIXMATE:-$top/build/mixmate}
cores=${CORES:-2}
rounds=${1:-3}
shift || true
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for r in $(seq "$rounds"); do
    for layout in "1 1" "$cores 1" "1 $cores"; do
        set -- $layout
        OMP_NUM_THREADS=$2 mpirun -n "$1" --bind-to none --oversubscribe "$mixmate" bench \
            "${@:3}" | tail -1 >> "$out"
    done
done

# Medians per layout of the JSON lines bench printed.
awk '
function field(line, key,   m) {
    if (!match(line, "\"" key "\": [-0-9.e+]*"))
        return 0
    m = substr(line, RSTART, RLENGTH)
    sub(/.*: /, "", m)
    return m + 0
}
function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++)
        for (j = i + 1; j <= n; j++)
            if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    key = field($0, "ranks") " x " field($0, "threads")
    if (!(key in width)) {
        name[++n_keys] = key
        width[key] = field($0, "ranks") * field($0, "threads")
    }
    train[key] = train[key] " " field($0, "train_samples_per_s")
    infer[key] = infer[key] " " field($0, "infer_samples_per_s")
    frac[key] = frac[key] " " field($0, "step_fraction_of_sgemm")
    rss[key] = rss[key] " " field($0, "peak_rss_mib_max")
}
END {
    printf "%-10s %14s %14s %10s %11s %10s\n", "layout", "train samp/s", "infer samp/s",
        "of SGEMM", "efficiency", "peak MiB"
    base = median(train["1 x 1"])
    for (i = 1; i <= n_keys; i++) {
        k = name[i]
        t = median(train[k])
        printf "%-10s %14.0f %14.0f %10.2f %10.0f%% %10.1f\n", k, t, median(infer[k]),
            median(frac[k]), 100 * t / (width[k] * base), median(rss[k])
    }
}' "$out"
echo "(medians of $rounds alternating rounds; efficiency: throughput over"
echo " ranks x threads x the 1 x 1 throughput)"

#!/bin/bash
# The main job on a small built-in example: installs what is missing, builds,
# generates a labelled data set from the model itself, trains on 2 MPI ranks,
# and clusters the data with the trained model. Results go to ./example/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
out=${OUT:-$PWD/example}
np=${NP:-2}

"$top/cmake/install-debian-deps.sh"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j "$(nproc)" > /dev/null

# mpirun refuses root unless told; one BLAS thread per rank (see README).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=1
mixmate=$build/mixmate
mkdir -p "$out"

mpirun -n "$np" "$mixmate" synth --out "$out/data.h5" --samples 20000 --seed 1 --force
mpirun -n "$np" "$mixmate" train --data "$out/data.h5" --clusters 5 --atoms 5 \
    --lambda 0.05 --step 0.1 --lr 0.01 --epochs 10 --seed 1 --out "$out/run" --force
mpirun -n "$np" "$mixmate" assign --model "$out/run/model.h5" --data "$out/data.h5" \
    --out "$out/labels.h5" --force
echo "results: $out/run/model.h5 $out/run/metrics.jsonl $out/labels.h5"

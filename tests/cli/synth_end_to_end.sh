#!/bin/bash
# Generated data with well separated clusters: train recovers them (ACC >=
# 0.95) and assign reproduces the training run's assignments.
. "$(dirname "$0")/lib.sh"

mm synth --out data.h5 --samples 6000 --seed 3 || fail "synth"
mm train --data data.h5 --clusters 5 --atoms 5 --lambda 0.05 --step 0.1 --lr 0.01 \
    --epochs 8 --seed 2 --out run > train.log 2>&1 || { cat train.log; fail "train"; }
cat train.log

acc=$(json_field run/metrics.jsonl acc)
check "synthetic clusters recovered" "$acc >= 0.95"
[ "$(wc -l < run/metrics.jsonl)" -eq 9 ] || fail "metrics.jsonl should hold epochs 0..8"

mm assign --model run/model.h5 --data data.h5 --out labels.h5 > assign.log 2>&1 \
    || { cat assign.log; fail "assign"; }
cat assign.log
h5dump -d /cluster run/assignments.h5 | sed 1,/DATA/d > a.txt
h5dump -d /cluster labels.h5 | sed 1,/DATA/d > b.txt
cmp -s a.txt b.txt || fail "assign disagrees with the training run's assignments"
pass "assign reproduces the assignments of train"
h5dump -H labels.h5 | grep -q "DATASPACE  SIMPLE { ( 6000, 5 )" || fail "probability shape"
pass "assignment shapes"

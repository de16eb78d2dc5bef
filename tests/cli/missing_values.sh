#!/bin/bash
# Missing values end to end, on NP ranks: NaN and a mask give the same
# results, rows with nothing observed get cluster -1 and a warning, bad
# values and bad masks are refused with one line, erase does not depend on
# the rank count, and assign --reconstruct --codes fills in what is missing.
. "$(dirname "$0")/lib.sh"
MAKE_MISSING=${MAKE_MISSING:?MAKE_MISSING must name the make_missing_inputs program}

# expect_error "expected text in the message" mixmate-args...
expect_error() {
    local want=$1; shift
    rm -rf out out.h5
    mm "$@" > stdout.txt 2> stderr.txt
    local rc=$?
    [ $rc -ne 0 ] || fail "exit 0 for: $*"
    [ $rc -ne 124 ] || fail "timed out (hang) for: $*"
    local lines
    lines=$(grep -c "^mixmate: error:" stderr.txt)
    [ "$lines" -eq 1 ] || { cat stderr.txt; fail "$lines error lines (want 1) for: $*"; }
    grep -q -- "$want" stderr.txt || { cat stderr.txt; fail "message lacks '$want' for: $*"; }
    if [ -d out ]; then
        [ -z "$(ls out)" ] || fail "left files in out/ for: $*"
    fi
    [ ! -e out.h5 ] || fail "left out.h5 for: $*"
    pass "$(grep '^mixmate: error:' stderr.txt)  [rc $rc]"
}

# The value after a key in make_missing_inputs' key-value output.
field() { # output key
    echo "$1" | tr ' ' '\n' | sed -n "/^$2\$/{n;p;q}"
}

N=400
mm synth --out data.h5 --samples $N --dim 20 --clusters 3 --atoms 5 --noise 0.001 --seed 4 \
    > /dev/null || fail "synth"
MODEL="--clusters 3 --atoms 5 --lambda 0.05 --step 0.1 --lr 0.01 --batch 64 --seed 2"
TRAIN="train $MODEL --epochs 3"

# ---- erase: the requested fraction, whatever the rank count ------------------
mm erase --prob 0.5 --frac 0.25 --seed 9 data.h5 nan.h5 > erase.log || fail "erase"
mm -n $((3 - NP)) erase --prob 0.5 --frac 0.25 --seed 9 data.h5 nan_other.h5 > /dev/null \
    || fail "erase on $((3 - NP)) ranks"
h5diff nan.h5 nan_other.h5 || fail "erase on $NP and $((3 - NP)) ranks wrote different files"
pass "erase writes the same file on 1 and 2 ranks"

counts=$("$MAKE_MISSING" count nan.h5) || fail "count"
hit=$(sed -n 's/^wrote nan.h5: \([0-9]*\) of .*/\1/p' erase.log)
echo "$counts; erase reported $hit rows"
[ "$(field "$counts" incomplete)" = "$hit" ] || fail "rows with NaN differ from erase's count"
[ "$(field "$counts" min_per_row)" = 5 ] || fail "a row lost fewer than round(0.25 x 20) = 5"
[ "$(field "$counts" max_per_row)" = 5 ] || fail "a row lost more than round(0.25 x 20) = 5"
[ "$(field "$counts" nan)" = $((5 * hit)) ] || fail "NaN count is not 5 per erased row"
check "erased rows near prob x n (4 standard deviations)" "$hit >= 160 && $hit <= 240"
h5diff data.h5 nan.h5 /samples | grep -q "^$((5 * hit)) differences found" \
    || fail "erase changed values it did not erase"
h5diff data.h5 nan.h5 /labels || fail "erase changed the labels"
pass "erase keeps every value it does not erase, and the labels"

# ---- NaN and mask: the same data, the same results ---------------------------
# assign takes the batch of training's evaluation pass, so that both encode the
# same blocks of rows and their results can be compared bitwise.
"$MAKE_MISSING" mask nan.h5 masked.h5 || fail "writing the masked file"
[ "$(field "$("$MAKE_MISSING" count masked.h5)" nan)" = 0 ] || fail "masked.h5 holds NaN"
for v in nan masked; do
    mm $TRAIN --data $v.h5 --out run_$v > train_$v.log 2>&1 \
        || { cat train_$v.log; fail "train on $v.h5"; }
    grep -q "missing   $((5 * hit)) values" train_$v.log || fail "train on $v.h5: missing count"
    mm assign --model run_$v/model.h5 --data $v.h5 --out assign_$v.h5 --batch 64 \
        > assign_$v.log 2>&1 || { cat assign_$v.log; fail "assign on $v.h5"; }
done
cat train_nan.log
h5diff run_nan/model.h5 run_masked/model.h5 /dictionaries || fail "dictionaries differ"
h5diff run_nan/model.h5 run_masked/model.h5 /prior_logits || fail "prior logits differ"
h5diff run_nan/assignments.h5 run_masked/assignments.h5 || fail "training assignments differ"
h5diff assign_nan.h5 assign_masked.h5 || fail "assign results differ"
h5diff run_nan/assignments.h5 assign_nan.h5 || fail "assign differs from train's assignments"
pass "NaN and a mask over finite stand-ins give identical models and assignments"

# ---- rows with nothing observed ----------------------------------------------
"$MAKE_MISSING" empty nan.h5 empty.h5 7 250 399 || fail "writing the file with empty rows"
warning="warning: empty.h5: 3 rows have no observed value (the first is row 7)"
mm $TRAIN --data empty.h5 --out run_empty > train_empty.log 2>&1 \
    || { cat train_empty.log; fail "train with empty rows"; }
mm assign --model run_empty/model.h5 --data empty.h5 --out assign_empty.h5 \
    > assign_empty.log 2>&1 || { cat assign_empty.log; fail "assign with empty rows"; }
for log in train_empty.log assign_empty.log; do
    [ "$(grep -c '^warning:' $log)" -eq 1 ] || { cat $log; fail "$log: want one warning"; }
    grep -q "^$warning" $log || { cat $log; fail "$log: warning lacks '$warning'"; }
done
pass "$warning"
for f in run_empty/assignments.h5 assign_empty.h5; do
    got=$("$MAKE_MISSING" unassigned $f) || fail "reading $f"
    [ "$got" = "unassigned 3: 7 250 399" ] || fail "$f: $got (want rows 7 250 399)"
done
sizes=$(tail -1 run_empty/metrics.jsonl | sed 's/.*"cluster_sizes": *\[\([0-9, ]*\)\].*/\1/')
check "cluster sizes leave the empty rows out ($sizes)" \
    "$(echo "$sizes" | tr ',' '+') == $((N - 3))"
pass "rows with no observed value get cluster -1 in train and assign"

# ---- bad values and bad masks --------------------------------------------------
mkdir bad && "$MAKE_MISSING" bad nan.h5 bad || fail "writing the bad inputs"
T="train $MODEL --epochs 1 --out out"
expect_error "bad/inf.h5: dataset /samples: row $((N - 3)) column 7 is infinite" \
    $T --data bad/inf.h5
expect_error "row $((N - 3)) column 7 is infinite" \
    assign --model run_nan/model.h5 --data bad/inf.h5 --out out.h5
expect_error "dataset /mask: expected $N x 20 like /samples, found $((N - 1)) x 20" \
    $T --data bad/mask_shape.h5
expect_error "dataset /mask: row 3 column 2 is 2, expected 0 (missing) or 1" \
    $T --data bad/mask_value.h5
expect_error "dataset /mask: row 3 column 2 is -1, expected 0 (missing) or 1" \
    $T --data bad/mask_negative.h5
expect_error "dataset /mask: expected integer values, found float32" $T --data bad/mask_float.h5
expect_error "dataset /mask: row 3 column 2 is 2" \
    assign --model run_nan/model.h5 --data bad/mask_value.h5 --out out.h5
expect_error "dataset /nothing not found" $T --data masked.h5 --mask /nothing

# ---- assign --reconstruct --codes ------------------------------------------------
# The true dictionaries in a model file, so that the codes, not training,
# decide how close the reconstruction comes.
mm train --clusters 3 --atoms 5 --lambda 0.01 --layers 60 --step 0.1 --epochs 0 \
    --data empty.h5 --out true_model > /dev/null 2>&1 || fail "writing a model file"
"$MAKE_MISSING" dictionaries true_model/model.h5 data.h5 || fail "setting the true dictionaries"
mm assign --model true_model/model.h5 --data empty.h5 --out recon.h5 --reconstruct --codes \
    > recon.log 2>&1 || { cat recon.log; fail "assign --reconstruct --codes"; }
h5dump -H recon.h5 | grep -A2 'DATASET "reconstruction"' | grep -q "SIMPLE { ( $N, 20 )" \
    || fail "/reconstruction is not $N x 20"
h5dump -H recon.h5 | grep -A2 'DATASET "code"' | grep -q "SIMPLE { ( $N, 5 )" \
    || fail "/code is not $N x 5"
h5dump -H recon.h5 | grep -A2 'DATASET "code_cluster"' | grep -q "SIMPLE { ( $N )" \
    || fail "/code_cluster is not $N long"
errors=$("$MAKE_MISSING" reconstruction empty.h5 recon.h5 true_model/model.h5 data.h5) \
    || fail "reading the reconstruction"
echo "$errors"
check "reconstruction is W_k x_k of /code and /code_cluster" \
    "$(field "$errors" model_err) < 1e-5"
check "observed entries reconstructed (relative error)" \
    "$(field "$errors" observed_rel_err) < 0.03"
check "missing entries imputed (relative error against the complete data)" \
    "$(field "$errors" imputed_rel_err) < 0.06"
[ "$(field "$errors" imputed_bad)" = 0 ] || fail "an imputed value is not finite"
[ "$(field "$errors" empty_bad)" = 0 ] || fail "an empty row has a reconstruction or a code"
[ "$(field "$errors" cluster_diff)" = 0 ] || fail "/code_cluster differs from /cluster"
pass "assign --reconstruct --codes"

#!/bin/bash
# Every kind of bad input: one line on stderr naming the file, dataset or
# flag, a non-zero exit from every rank (no hang: each run has a time limit),
# and no result file left behind. Runs with NP ranks.
. "$(dirname "$0")/lib.sh"
MAKE_BAD=${MAKE_BAD:?MAKE_BAD must name the make_bad_inputs helper}

"$MAKE_BAD" "$WORK" || fail "could not write the bad inputs"
mm synth --out good.h5 --samples 400 --seed 1 > /dev/null || fail "synth"
echo "not hdf5" > text.h5

# expect_error "expected text in the message" mixmate-args...
expect_error() {
    local want=$1; shift
    rm -rf out
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
    pass "$(grep '^mixmate: error:' stderr.txt)  [rc $rc]"
}

T="train --clusters 3 --epochs 1 --out out"
expect_error "missing.h5" $T --data missing.h5
expect_error "text.h5: not an HDF5 file" $T --data text.h5
expect_error "dataset /nothing not found" $T --data good.h5 --samples /nothing
expect_error "expected rank 2, found rank 1" $T --data rank1.h5
expect_error "expected numeric values, found strings" $T --data strings.h5
expect_error "expected at least one row" $T --data empty.h5
expect_error "expected 6 labels" $T --data badlabels.h5 --batch 2
expect_error "row 1 column 1 is infinite" $T --data inf.h5 --batch 2
expect_error "dataset /missing not found" $T --data good.h5 --labels /missing
expect_error "--clusters: expected a value >= 1" train --data good.h5 --clusters 0 --out out
expect_error "--atoms: expected a value >= 1" $T --data good.h5 --atoms 0
expect_error "--layers: expected a value >= 1" $T --data good.h5 --layers 0
expect_error "--lambda: expected a value >= 0" $T --data good.h5 --lambda -1
expect_error "--step: expected a value > 0" $T --data good.h5 --step 0
expect_error "--lr: expected a number, found 'abc'" $T --data good.h5 --lr abc
expect_error "--epochs: expected a whole number" $T --data good.h5 --epochs 1.5
expect_error "--batch 1000: larger than the 400 samples" $T --data good.h5 --batch 1000
expect_error "--bogus: unknown flag" $T --data good.h5 --bogus 1
expect_error "--data FILE is required" train --clusters 3 --out out
# The graph-based starts: settings that cannot work on the subset.
expect_error "--init-subset: --init spectral needs at least 3 samples for --clusters 3" $T \
    --data good.h5 --init spectral --init-subset 2
expect_error "--init-subset: --init ssc needs at least 3 samples for --clusters 3" $T \
    --data good.h5 --init ssc --init-subset 2
expect_error "--knn 400: expected fewer neighbours than the 400 samples" $T --data good.h5 \
    --init spectral --knn 400
expect_error "--ssc-nonzero 50: expected fewer than the 50 samples" $T --data good.h5 \
    --init ssc --init-subset 50 --ssc-nonzero 50
expect_error "--knn: expected a value >= 1" $T --data good.h5 --init spectral --knn 0
expect_error "--ssc-nonzero: expected a value >= 1" $T --data good.h5 --init ssc --ssc-nonzero 0
expect_error "--affinity: unknown choice 'euclid'" $T --data good.h5 --affinity euclid
expect_error "--init: unknown choice 'pca'" $T --data good.h5 --init pca
expect_error "--init-features scattering needs --image-shape HxW" $T --data good.h5 \
    --init-features scattering
expect_error "--image-shape 10x11 has 110 pixels but the data rows have 100 values" $T \
    --data good.h5 --init-features scattering --image-shape 10x11
expect_error "--image-shape: expected HxW (an image, e.g. 28x28), whole numbers" $T \
    --data good.h5 --init-features scattering --image-shape 100
expect_error "--init-pca 500 is outside 0..100" $T --data good.h5 --init-pca 500
expect_error "--init random clusters nothing" $T --data good.h5 --init random --init-pca 5
mm synth --out tall.h5 --samples 200000 --dim 2 --seed 1 > /dev/null || fail "synth"
expect_error "--init-subset 200000: the dense 200000 x 200000 eigenproblem" $T --data tall.h5 \
    --init spectral --init-subset 200000 --batch 1000
if [ "$NP" -gt 3 ]; then
    expect_error "3 rows cannot be shared by $NP ranks" $T --data three.h5 --batch 2
fi

# Any numeric type is read, converted to float: here uint8 samples, int16 labels.
mm train --data bytes.h5 --clusters 2 --atoms 2 --batch 4 --epochs 1 --out bytes > bytes.log 2>&1 \
    || { cat bytes.log; fail "training on uint8 samples"; }
grep -q "8 x 4 uint8" bytes.log || fail "the stored type is not reported"
pass "uint8 samples and int16 labels are read"

# A directory holding an earlier run's results is refused without --force.
mm train --data good.h5 --clusters 3 --epochs 1 --out done > /dev/null 2>&1 || fail "train"
cp done/model.h5 model.before
expect_error "holds the results of a finished run" train --data good.h5 --clusters 3 --out done
cmp -s done/model.h5 model.before || fail "refused run changed the earlier model"
mm train --data good.h5 --clusters 3 --epochs 1 --out done --force > /dev/null 2>&1 \
    || fail "--force should overwrite"
pass "--force overwrites an earlier run"

# assign: model and data must fit.
mm synth --out wide.h5 --samples 50 --dim 20 > /dev/null || fail "synth"
expect_error "expects 100" assign --model done/model.h5 --data wide.h5 --out out.h5
expect_error "text.h5: not an HDF5 file" assign --model text.h5 --data good.h5 --out out.h5
[ ! -e out.h5 ] || fail "a failed assign left out.h5"
pass "no assignment file after a failed assign"

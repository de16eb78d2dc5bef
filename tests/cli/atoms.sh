#!/bin/bash
# mixmate atoms: complete PNG images of the expected size for image tiles and
# line plots, with and without --data; the same image on 1 and NP ranks; and
# one error line, a non-zero exit and no image (nor temporary) on bad input.
. "$(dirname "$0")/lib.sh"

# Width and height from the IHDR chunk; fails unless the file is a whole PNG
# (signature first, IEND last).
png_size() { # file
    [ -f "$1" ] || fail "$1 was not written"
    [ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$1: no PNG signature"
    [ "$(tail -c 8 "$1" | od -An -c -N4 | tr -d ' \n')" = "IEND" ] || fail "$1: no IEND chunk"
    local w h
    w=$(od -An -tu1 -j16 -N4 "$1" | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
    h=$(od -An -tu1 -j20 -N4 "$1" | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
    echo "$w x $h"
}

# expect_size file "W x H" description
expect_size() {
    local got
    got=$(png_size "$1") || exit 1
    [ "$got" = "$2" ] || fail "$3: $1 is $got, want $2"
    pass "$3: $1 is $got"
}

# expect_error "text the one error line must hold" file-that-must-not-exist mixmate-args...
expect_error() {
    local want=$1 absent=$2; shift 2
    mm "$@" > stdout.txt 2> stderr.txt
    local rc=$?
    [ $rc -ne 0 ] || fail "exit 0 for: $*"
    [ $rc -ne 124 ] || fail "timed out (hang) for: $*"
    local lines
    lines=$(grep -c "^mixmate: error:" stderr.txt)
    [ "$lines" -eq 1 ] || { cat stderr.txt; fail "$lines error lines (want 1) for: $*"; }
    grep -q -- "$want" stderr.txt || { cat stderr.txt; fail "message lacks '$want' for: $*"; }
    [ ! -e "$absent" ] || fail "$absent left behind by: $*"
    [ -z "$(ls ./*.tmp 2>/dev/null)" ] || fail "temporary file left behind by: $*"
    pass "$(grep '^mixmate: error:' stderr.txt)  [rc $rc]"
}

# Two tiny models: 64 values (8 x 8 images) and 300 values (plots resampled to 256 px).
mm synth --out data.h5 --samples 2000 --dim 64 --clusters 4 --atoms 5 --seed 3 > /dev/null \
    || fail "synth"
mm train --data data.h5 --clusters 4 --atoms 5 --lambda 0.05 --step 0.1 --lr 0.01 \
    --epochs 2 --seed 2 --out run > train.log 2>&1 || { cat train.log; fail "train"; }
mm synth --out long.h5 --samples 400 --dim 300 --clusters 2 --atoms 3 --seed 4 > /dev/null \
    || fail "synth"
mm train --data long.h5 --clusters 2 --atoms 3 --epochs 1 --batch 64 --out long > long.log 2>&1 \
    || { cat long.log; fail "train"; }

# Image tiles: 5 tiles of 8 + 1 gap, 4 rows, times the scale.
mm atoms --model run/model.h5 --shape 8x8 --png plain.png > plain.log || fail "atoms"
cat plain.log
expect_size plain.png "88 x 70" "8x8 tiles in atom order at scale 2"
grep -q "4 clusters x 5 of 5 atoms.*in atom order" plain.log || fail "report line"

mm atoms --model run/model.h5 --shape 8x8 --png used.png --per-cluster 3 --scale 3 \
    --data data.h5 > used.log || fail "atoms --data"
cat used.log
expect_size used.png "78 x 105" "first 3 atoms by use at scale 3"
grep -q "ordered by use in 2000 samples" used.log || fail "the report names no sample count"

# Counts are summed over ranks: one rank draws the same picture.
mm -n 1 atoms --model run/model.h5 --shape 8x8 --png used1.png --per-cluster 3 --scale 3 \
    --data data.h5 > /dev/null || fail "atoms on 1 rank"
cmp -s used.png used1.png || fail "1 and $NP ranks draw different pictures"
pass "the same picture on 1 and $NP ranks"

# Line plots: 64 px wide, 48 high; 300 values resampled to 256 px.
mm atoms --model run/model.h5 --shape 64 --png plot.png --data data.h5 > plot.log \
    || fail "atoms --shape 64"
cat plot.log
expect_size plot.png "648 x 390" "line plots of 64 values"
mm atoms --model long/model.h5 --shape 300 --png long.png --scale 1 > long.log \
    || fail "atoms --shape 300"
expect_size long.png "770 x 97" "line plots of 300 values, resampled"

# Bad input: one line, a non-zero exit, no image.
expect_error "--shape 8x9: 72 values per atom, but the atoms of run/model.h5 have 64" \
    bad.png atoms --model run/model.h5 --shape 8x9 --png bad.png
expect_error "--shape 63: the atoms of run/model.h5 have 64 values" \
    bad.png atoms --model run/model.h5 --shape 63 --png bad.png --data data.h5
expect_error "--shape: expected HxW" bad.png atoms --model run/model.h5 --shape 8y8 --png bad.png
expect_error "--shape: expected HxW" bad.png atoms --model run/model.h5 --shape 0x8 --png bad.png
expect_error "--shape HxW|M is required" bad.png atoms --model run/model.h5 --png bad.png
expect_error "--scale: expected a value >= 1" \
    bad.png atoms --model run/model.h5 --shape 8x8 --png bad.png --scale 0
expect_error "missing.h5" bad.png atoms --model missing.h5 --shape 8x8 --png bad.png
expect_error "long.h5: dataset /samples has 300 values per row, the model run/model.h5" \
    bad.png atoms --model run/model.h5 --shape 8x8 --png bad.png --data long.h5
expect_error "--png nodir/bad.png: directory nodir is missing" \
    nodir/bad.png atoms --model run/model.h5 --shape 8x8 --png nodir/bad.png

# A failed write (the name is taken by a directory) leaves neither image nor temporary.
mkdir taken.png
expect_error "taken.png: cannot rename into place" \
    taken.png.tmp atoms --model run/model.h5 --shape 8x8 --png taken.png --force
[ -d taken.png ] || fail "the directory in the way was replaced"

# An existing image is kept without --force and replaced with it.
cp plain.png before.png
expect_error "--png plain.png: file exists; pass --force" \
    nothing.png atoms --model run/model.h5 --shape 8x8 --png plain.png --scale 1
cmp -s plain.png before.png || fail "a refused run changed plain.png"
mm atoms --model run/model.h5 --shape 8x8 --png plain.png --scale 1 --force > /dev/null \
    || fail "--force should overwrite"
expect_size plain.png "44 x 35" "--force overwrites at scale 1"

#!/bin/bash
# Real data: the first 5,000 Fashion-MNIST training images (Debian's
# dataset-fashion-mnist), cut into plain IDX files so that import reads both
# plain and gzip input. Five epochs on 2 ranks: the loss falls and ACC stays
# at or above its value after initialisation (within 0.01).
#
# ACC is compared as a mean over three starts. From a single start the
# published algorithm sometimes loses a cluster or two in the first epoch and
# ACC drops by a few points; the PyTorch reference does the same from the same
# dictionaries. Over starts the change averages about +0.01 in both.
. "$(dirname "$0")/lib.sh"
SRC=${FASHION_DIR:-/usr/share/datasets/fashion-mnist}
[ -r "$SRC/train-images-idx3-ubyte.gz" ] || fail "$SRC: install dataset-fashion-mnist"

n=5000
{ printf '\x00\x00\x08\x03\x00\x00\x13\x88\x00\x00\x00\x1c\x00\x00\x00\x1c'
  zcat "$SRC/train-images-idx3-ubyte.gz" | tail -c +17 | head -c $((n * 784)); } > images.idx
{ printf '\x00\x00\x08\x01\x00\x00\x13\x88'
  zcat "$SRC/train-labels-idx1-ubyte.gz" | tail -c +9 | head -c $n; } > labels.idx
mm import --out fashion5k.h5 images.idx labels.idx || fail "import"
h5dump -H fashion5k.h5 | grep -q "( 5000, 784 )" || fail "imported shape"

sum_acc0=0; sum_acc5=0
for seed in 5 6 7; do
    mm -n 2 train --data fashion5k.h5 --clusters 10 --epochs 5 --seed $seed --out run$seed \
        > log$seed 2>&1 || { cat log$seed; fail "train"; }
    grep '^epoch' log$seed
    m=run$seed/metrics.jsonl
    loss0=$(json_field $m eval_loss 1); loss5=$(json_field $m eval_loss)
    check "seed $seed: loss falls over 5 epochs" "$loss5 < $loss0"
    sum_acc0=$(awk "BEGIN { print $sum_acc0 + $(json_field $m acc 1) }")
    sum_acc5=$(awk "BEGIN { print $sum_acc5 + $(json_field $m acc) }")
done
check "mean ACC over three starts holds its initial value" "$sum_acc5 / 3 >= $sum_acc0 / 3 - 0.01"

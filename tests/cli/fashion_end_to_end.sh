#!/bin/bash
# Real data: the first 5,000 Fashion-MNIST training images (Debian's
# dataset-fashion-mnist), cut into plain IDX files so that import reads both
# plain and gzip input. Five epochs on 2 ranks: the loss falls and ACC stays
# at or above its value after initialisation (within 0.01).
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

mm -n 2 train --data fashion5k.h5 --clusters 10 --epochs 5 --seed 1 --out run > log 2>&1 \
    || { cat log; fail "train"; }
cat log
loss0=$(json_field run/metrics.jsonl eval_loss 1); loss5=$(json_field run/metrics.jsonl eval_loss)
acc0=$(json_field run/metrics.jsonl acc 1); acc5=$(json_field run/metrics.jsonl acc)
check "loss falls over 5 epochs" "$loss5 < $loss0"
check "ACC holds its initial value" "$acc5 >= $acc0 - 0.01"

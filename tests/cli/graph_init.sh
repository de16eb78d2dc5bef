#!/bin/bash
# The graph-based starts on planted subspaces (mixmate synth --signed, every
# atom active, so each cluster is a whole 4-dimensional subspace of R^30):
# k-means on the raw data cannot separate them, --init spectral and --init
# ssc do, measured by the ACC after initialisation (epoch 0). Then the
# learned prior: b moves, the run is deterministic, a checkpoint carries
# Adam's moments of b (a stopped and resumed run ends bitwise equal), and a
# checkpoint is refused by a command line with other start settings.
# Runs with NP ranks.
. "$(dirname "$0")/lib.sh"

mm synth --out data.h5 --samples 4000 --dim 30 --clusters 5 --atoms 4 --active 4 --signed \
    --seed 1 > /dev/null || fail "synth"
BASE=(train --data data.h5 --clusters 5 --atoms 8 --lambda 0.05 --step 0.1 --init-subset 1000
      --seed 3)

# ACC after initialisation of a start given by flags, in DIR/metrics.jsonl.
start_acc() { # dir flags...
    local dir=$1; shift
    mm "${BASE[@]}" --epochs 0 --out "$dir" "$@" > "$dir.log" 2>&1 \
        || { cat "$dir.log"; fail "train $*"; }
    json_field "$dir/metrics.jsonl" acc 1
}

acc=$(start_acc kmeans --init kmeans)
check "k-means on the raw data does not separate the subspaces" "$acc < 0.8"
acc=$(start_acc spectral --init spectral)
check "--init spectral (cosine, 10 neighbours) recovers them" "$acc >= 0.95"
acc=$(start_acc gaussian --init spectral --affinity gaussian --knn 8)
check "--init spectral --affinity gaussian recovers them" "$acc >= 0.95"
acc=$(start_acc ssc --init ssc --ssc-nonzero 4)
check "--init ssc recovers them" "$acc >= 0.95"
acc=$(start_acc pca --init ssc --ssc-nonzero 4 --init-pca 20)
check "--init ssc on the 20 principal components of the union of subspaces recovers them" \
    "$acc >= 0.95"
grep -q "features: raw then principal components, 20 values per sample" pca.log \
    || { cat pca.log; fail "no line on the start's features"; }

# The config line, the start's own line, and the model file record the settings.
rows=1 cols=$NP
[ "$NP" -eq 4 ] && rows=2 cols=2
grep -q "init      spectral on 1000 samples: 10 nearest neighbours, cosine affinity" \
    spectral.log || { cat spectral.log; fail "config line of --init spectral"; }
grep -q "init      ssc on 1000 samples: at most 4 non-zeros per sample" ssc.log \
    || { cat ssc.log; fail "config line of --init ssc"; }
grep -q "ssc start: graph .*(pdsyevr on a $rows x $cols grid, blocks of 64" ssc.log \
    || { cat ssc.log; fail "no line on the start's phases and grid"; }
pass "$(grep 'ssc start' ssc.log | sed 's/^ *//')"
h5dump -a /init ssc/model.h5 | grep -q '"ssc"' || fail "model.h5 init attribute"
h5dump -a /ssc_nonzero ssc/model.h5 | grep -q "(0): 4" || fail "model.h5 ssc_nonzero attribute"
h5dump -a /affinity gaussian/model.h5 | grep -q '"gaussian"' || fail "model.h5 affinity"
h5dump -a /knn gaussian/model.h5 | grep -q "(0): 8" || fail "model.h5 knn attribute"
pass "model.h5 records init, knn, affinity and ssc_nonzero"

# --learn-prior: b leaves zero, and the same command gives the same model.
ARGS=("${BASE[@]}" --init ssc --ssc-nonzero 4 --lr 0.01 --layers 30 --batch 128 --epochs 30
      --learn-prior)
mm "${ARGS[@]}" --out prior > prior.log 2>&1 || { cat prior.log; fail "train --learn-prior"; }
grep -q "prior learned" prior.log || fail "the config line does not say the prior is learned"
logits() { h5dump -d /prior_logits "$1" | grep "(0):" | sed 's/(0)://'; }
logits prior/model.h5 | grep -q "[1-9]" \
    || fail "--learn-prior left the prior logits at zero"
logits ssc/model.h5 | grep -q "[1-9]" \
    && fail "without --learn-prior the prior logits moved"
pass "the prior logits move with --learn-prior ($(logits prior/model.h5)) and only then"
mm "${ARGS[@]}" --out prior2 > /dev/null 2>&1 || fail "second run"
h5diff prior/model.h5 prior2/model.h5 /prior_logits && h5diff prior/model.h5 prior2/model.h5 \
    /dictionaries || fail "two runs of the same command differ"
pass "--learn-prior is deterministic"

# A stopped run: refused with other start settings, resumed bitwise with the same.
"$MPIEXEC" -n "$NP" "$MIXMATE" "${ARGS[@]}" --out stopped > stopped.log 2>&1 &
pid=$!
for _ in $(seq 600); do
    grep -q "^epoch *3/" stopped.log 2>/dev/null && break
    sleep 0.05
done
kill -USR1 $pid
wait $pid
rc=$?
[ $rc -eq 75 ] || { cat stopped.log; fail "stop request: exit $rc, want 75"; }
refused() { # text flags...
    local want=$1; shift
    mm "$@" --out stopped > refused.log 2>&1 && fail "accepted: $*"
    [ "$(grep -c '^mixmate: error:' refused.log)" -eq 1 ] || { cat refused.log; fail "$*"; }
    grep -q -- "$want" refused.log || { cat refused.log; fail "message lacks '$want'"; }
    pass "$(grep '^mixmate: error:' refused.log | cut -c1-110)..."
}
refused "the checkpoint's --ssc-nonzero is 4, the command line's 5" "${ARGS[@]}" --ssc-nonzero 5
refused "the checkpoint's --init is ssc, the command line's spectral" "${ARGS[@]}" --init spectral
refused "the checkpoint's --knn is 10, the command line's 7" "${ARGS[@]}" --knn 7
refused "the checkpoint's --init-pca is 0, the command line's 20" "${ARGS[@]}" --init-pca 20
refused "the checkpoint's --learn-prior is 1, the command line's 0" "${ARGS[@]:0:${#ARGS[@]}-1}"
mm "${ARGS[@]}" --out stopped > resumed.log 2>&1 || { cat resumed.log; fail "resume"; }
grep -q "^resuming" resumed.log || fail "no resume"
h5diff prior/model.h5 stopped/model.h5 /prior_logits && h5diff prior/model.h5 \
    stopped/model.h5 /dictionaries || fail "the resumed run differs from the uninterrupted one"
pass "stopped and resumed with --learn-prior: the same model and prior, bit for bit"

# Scattering features of 8 x 8 images feed the start; the model file says so.
mm synth --out images.h5 --samples 600 --dim 64 --clusters 3 --atoms 4 --seed 2 > /dev/null \
    || fail "synth images"
mm train --data images.h5 --clusters 3 --atoms 4 --epochs 0 --init spectral --init-subset 300 \
    --init-features scattering --image-shape 8x8 --init-pca 12 --out scat > scat.log 2>&1 \
    || { cat scat.log; fail "train with scattering features"; }
grep -q "features  scattering of 8x8 images (J 3, 8 orientations, orders 0-2)" scat.log \
    || { cat scat.log; fail "config line of the scattering features"; }
grep -q "features: scattering then principal components, 12 values per sample" scat.log \
    || { cat scat.log; fail "no line on the scattering features"; }
h5dump -a /init_features scat/model.h5 | grep -q '"scattering"' || fail "model.h5 init_features"
h5dump -a /image_width scat/model.h5 | grep -q "(0): 8" || fail "model.h5 image_width"
pass "scattering features of 8x8 images start a spectral run and are recorded"

# Rows declared to be images start from SSC on their scattering coefficients,
# unless the command line chooses the start.
mm train --data images.h5 --clusters 3 --atoms 4 --epochs 0 --image-shape 8x8 --out imgdef \
    > imgdef.log 2>&1 || { cat imgdef.log; fail "train with --image-shape alone"; }
grep -q "init      ssc on 5000 samples" imgdef.log \
    && grep -q "features  scattering of 8x8 images" imgdef.log \
    || { cat imgdef.log; fail "--image-shape alone does not start from SSC on scattering"; }
h5dump -a /init imgdef/model.h5 | grep -q '"ssc"' || fail "model.h5 init of the image start"
mm train --data images.h5 --clusters 3 --atoms 4 --epochs 0 --image-shape 8x8 --init kmeans \
    --out imgkm > imgkm.log 2>&1 || { cat imgkm.log; fail "train with --init kmeans"; }
grep -q "init      kmeans on 2000 samples" imgkm.log \
    && ! grep -q "features  scattering" imgkm.log \
    || { cat imgkm.log; fail "--init kmeans with --image-shape did not start from k-means"; }
pass "--image-shape alone starts from SSC on scattering coefficients; --init overrides it"

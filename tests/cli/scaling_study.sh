#!/bin/bash
# jobs/scaling/run-study runs a tiny strong and weak study on 1 and 2 ranks
# with plain mpirun, and jobs/scaling/report turns them into a Markdown table
# with a row per rank count, the model's predictions and a PNG plot.
. "$(dirname "$0")/lib.sh"

jobs=$(cd "$(dirname "$0")/../../jobs/scaling" && pwd)
study() { # mode dir flags...
    local mode=$1 dir=$2
    shift 2
    timeout 600 "$jobs/run-study" --mode "$mode" --dir "$dir" --local --ranks "1 2" \
        --mixmate "$MIXMATE" --launch "$MPIEXEC" --dim 30 --clusters 3 --atoms 4 --epochs 2 \
        --no-report "$@" > "$mode.log" 2>&1 || { cat "$mode.log"; fail "$mode study"; }
    cat "$mode.log"
}
study strong strong --samples 1200 --batch 100
study weak weak --per-rank 600 --batch-per-rank 50
for d in strong/np1 strong/np2 weak/np1 weak/np2; do
    for f in run.json timers.json metrics.jsonl; do
        [ -f "$d/$f" ] || fail "$d: no $f"
    done
done
[ ! -e weak/data-np2.h5 ] || fail "weak study left its generated data behind"
pass "both studies ran on 1 and 2 ranks"

"$jobs/report" strong weak --out report.md --png scaling.png > report.log 2>&1 \
    || { cat report.log; fail "report"; }
cat report.md
for mode in Strong Weak; do
    grep -q "^## $mode scaling" report.md || fail "no $mode table"
done
# Rows of the tables: ranks, threads, seconds, speedup, efficiency, allreduce share.
[ "$(grep -Ec '^\| 1 \| 1 \| [0-9.]+ \| 1\.00 \| 100% \| [0-9.]+% \|' report.md)" -eq 2 ] \
    || fail "the 1-rank rows"
[ "$(grep -Ec '^\| 2 \| 1 \| [0-9.]+ \| [0-9.]+ \| [0-9]+% \| [0-9.]+% \|' report.md)" -ge 2 ] \
    || fail "the 2-rank rows"
grep -q "^| Fashion-MNIST (K 10, M 784, N 50) | 256 rows per rank | 1 |" report.md \
    || fail "no predictions for the Fashion-MNIST shape"
grep -q "^| spectra (K 50, M 4000, N 100) | 256 rows shared | 50 |" report.md \
    || fail "no predictions for the spectra shape"
grep -q "^The allreduce takes more of the step than all computation together" report.md \
    || fail "no statement of where the allreduce dominates"
pass "the report holds both tables and the model"

[ "$(head -c 8 scaling.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] \
    || fail "scaling.png is not a PNG"
[ "$(stat -c %s scaling.png)" -gt 10000 ] || fail "scaling.png is nearly empty"
pass "the report draws scaling.png"

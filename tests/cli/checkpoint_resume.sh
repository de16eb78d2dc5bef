#!/bin/bash
# Restartable runs on NP ranks, each compared bitwise with one uninterrupted
# run of the same command:
#   - a stop request (SIGUSR1 to mpirun) checkpoints, exits 75, and the same
#     command resumes by itself;
#   - kill -9 of one rank mid-epoch ends the job without hanging, and the
#     same command resumes from the last timed checkpoint;
#   - a crash between writing a checkpoint and renaming it leaves the
#     previous checkpoint, which the next run resumes from;
#   - a truncated or bit-flipped checkpoint, or one that does not fit the
#     command line, is refused with one line naming it; --restart starts over.
. "$(dirname "$0")/lib.sh"

mm synth --out data.h5 --samples 30000 --seed 5 > /dev/null || fail "synth"
ARGS=(train --data data.h5 --clusters 5 --atoms 5 --layers 30 --batch 128 --epochs 40 --seed 8)

mm "${ARGS[@]}" --out reference > reference.log 2>&1 \
    || { cat reference.log; fail "reference run"; }
same_model() { # dir
    h5diff reference/model.h5 "$1/model.h5" /dictionaries /dictionaries \
        || fail "$1: the model differs from the uninterrupted run's"
    pass "$1: same model, bit for bit, as the uninterrupted run"
}

# Start a run in the background; wait until its log shows epoch $2. RUN_PID
# is mpiexec itself, which forwards SIGUSR1 to the ranks (ctest's time limit
# guards against a hang).
start_run() { # dir epoch [extra flags]
    local dir=$1 epoch=$2; shift 2
    "$MPIEXEC" -n "$NP" "$MIXMATE" "${ARGS[@]}" --out "$dir" "$@" > "$dir.log" 2>&1 &
    RUN_PID=$!
    for _ in $(seq 600); do
        grep -q "^epoch *$epoch/" "$dir.log" 2>/dev/null && return 0
        kill -0 $RUN_PID 2>/dev/null || break
        sleep 0.05
    done
    cat "$dir.log"
    fail "$dir never reached epoch $epoch"
}

# 1. A stop request.
start_run stopped 3
kill -USR1 $RUN_PID
wait $RUN_PID; rc=$?
[ $rc -eq 75 ] || { cat stopped.log; fail "stop request: exit $rc, want 75"; }
grep -q "^stopped on SIGUSR1" stopped.log || fail "no line saying where the run stopped"
pass "SIGUSR1: checkpointed, exit 75 ($(grep '^stopped' stopped.log | cut -c1-60)...)"
mm "${ARGS[@]}" --out stopped > resumed.log 2>&1 || { cat resumed.log; fail "resume"; }
grep -v "^mixmate: warning:" resumed.log | head -1 \
    | grep -q "^resuming stopped from its checkpoint" \
    || fail "the first line does not say the run resumes"
same_model stopped

# 2. kill -9 of one rank in the middle of an epoch.
start_run killed 4 --checkpoint-every 0.05
victim=$(pgrep -P $RUN_PID -f "mixmate train" | tail -1)
[ -n "$victim" ] || victim=$(pgrep -f "mixmate train.*--out killed" | tail -1)
kill -9 "$victim"
wait $RUN_PID; rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "kill -9 of a rank: exit $rc (0 or a hang)"
pass "kill -9 of a rank ends the job (exit $rc)"
mm "${ARGS[@]}" --out killed > killed2.log 2>&1 || { cat killed2.log; fail "resume after kill"; }
grep -q "^resuming" killed2.log || fail "no resume after kill -9"
same_model killed

# 3. A crash between writing a checkpoint and renaming it.
start_run crashed 2 --checkpoint-epochs
kill -USR1 $RUN_PID
wait $RUN_PID
cp crashed/checkpoint.h5 before.h5
MIXMATE_FAULT=checkpoint-before-rename mm "${ARGS[@]}" --out crashed --checkpoint-epochs \
    > crash.log 2>&1 && fail "the fault was not injected"
cmp -s before.h5 crashed/checkpoint.h5 || fail "the crash changed the previous checkpoint"
pass "a crash before the rename leaves the previous checkpoint"
mm "${ARGS[@]}" --out crashed > crashed2.log 2>&1 || { cat crashed2.log; fail "resume"; }
same_model crashed

# 4. Damaged and mismatched checkpoints.
expect_refusal() { # text flags...
    local want=$1; shift
    mm "${ARGS[@]}" "$@" > refused.log 2>&1 && fail "accepted: $*"
    [ "$(grep -c '^mixmate: error:' refused.log)" -eq 1 ] || { cat refused.log; fail "$*"; }
    grep -q -- "$want" refused.log || { cat refused.log; fail "message lacks '$want'"; }
    pass "$(grep '^mixmate: error:' refused.log)"
}
mkdir -p damaged && cp before.h5 damaged/checkpoint.h5
truncate -s $(($(stat -c %s before.h5) / 2)) damaged/checkpoint.h5
expect_refusal "checkpoint.h5: not a readable checkpoint" --out damaged
cp before.h5 damaged/checkpoint.h5
size=$(stat -c %s before.h5)
printf '\xff\xff\xff\xff' | dd of=damaged/checkpoint.h5 bs=1 seek=$((size * 3 / 5)) conv=notrunc \
    status=none
expect_refusal "checkpoint.h5" --out damaged
mm "${ARGS[@]}" --out damaged --restart > restart.log 2>&1 || fail "--restart"
same_model damaged

mkdir -p other && cp before.h5 other/checkpoint.h5
mm train --data data.h5 --clusters 4 --atoms 5 --layers 30 --batch 128 --epochs 40 --seed 8 \
    --out other > refused.log 2>&1 && fail "a checkpoint of another K was accepted"
grep -q "the checkpoint's --clusters is 5, the command line's 4" refused.log \
    || { cat refused.log; fail "no line naming --clusters"; }
pass "$(grep '^mixmate: error:' refused.log)"
if [ "$NP" -gt 1 ]; then
    mm -n 1 "${ARGS[@]}" --out other > refused.log 2>&1 && fail "another rank count accepted"
    grep -q "rank count is $NP, the command line's 1" refused.log \
        || { cat refused.log; fail "no line naming the rank count"; }
    pass "$(grep '^mixmate: error:' refused.log)"
fi
expect_refusal "holds the results of a finished run" --out reference

# 5. SIGTERM and a double SIGINT, sent to a process started without mpiexec.
if [ "$NP" -eq 1 ]; then
    mm synth --out wide.h5 --samples 4000 --dim 400 --atoms 40 > /dev/null || fail "synth"
    # Steps of some 30 ms: the second SIGINT lands while the first still waits
    # for the step boundary (two signals sent at once would merge into one).
    WIDE=(train --data wide.h5 --clusters 8 --atoms 40 --batch 1024 --epochs 50 --seed 1)
    for sig in TERM INT; do
        "$MIXMATE" "${WIDE[@]}" --out sig$sig > sig$sig.log 2>&1 &
        pid=$!
        for _ in $(seq 600); do grep -q "^epoch *1/" sig$sig.log && break; sleep 0.05; done
        kill -$sig $pid
        [ $sig = INT ] && sleep 0.005 && kill -INT $pid
        wait $pid; rc=$?
        if [ $sig = TERM ]; then
            [ $rc -eq 75 ] || { cat sig$sig.log; fail "SIGTERM: exit $rc, want 75"; }
            pass "SIGTERM checkpoints and exits 75"
        else
            [ $rc -eq 130 ] || { cat sig$sig.log; fail "double SIGINT: exit $rc, want 130"; }
            grep -q "second interrupt" sig$sig.log || fail "no line about the second interrupt"
            pass "a second SIGINT stops at once (exit 130)"
        fi
    done
fi

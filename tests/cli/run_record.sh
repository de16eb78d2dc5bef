#!/bin/bash
# train and assign leave a run record (run.json) and a timer table
# (timers.json) that are valid JSON with the documented keys, whose timer
# totals add up (phases within the step, the step within the run) and whose
# call counts match the steps taken; a failed run is recorded as failed.
. "$(dirname "$0")/lib.sh"

PY=${PYTHON:-python3}
mm synth --out data.h5 --samples 1100 --dim 40 --clusters 3 --atoms 4 --seed 5 \
    || fail "synth"
# 1100 rows, batch 200: 5 steps per epoch, 3 epochs; evaluation after the start
# and every 2 epochs and the last: epochs 0, 2 and 3.
mm train --data data.h5 --clusters 3 --atoms 4 --batch 200 --epochs 3 --eval-every 2 \
    --init random --out run > train.log 2>&1 || { cat train.log; fail "train"; }
cat train.log
grep -q "^timers: calls, total and mean per call on rank 0; each total across the $NP ranks" \
    train.log || fail "train printed no timer table"
grep -Eq "^    allreduce +15 " train.log || fail "the table's allreduce row has 15 calls"
pass "train prints the timer table"

for f in run/run.json run/timers.json; do
    "$PY" -m json.tool "$f" > /dev/null || fail "$f is not valid JSON"
done
pass "run.json and timers.json are valid JSON"

# Every check prints its own failure; the script's status is theirs.
"$PY" - "$NP" <<'EOF' || fail "contents of run.json and timers.json"
import json, sys
P = int(sys.argv[1])
run, tm = json.load(open("run/run.json")), json.load(open("run/timers.json"))
bad = []
def check(ok, what):
    if not ok:
        bad.append(what)

for key in ("command", "status", "mixmate_version", "git_revision", "build", "mpi", "blas",
            "ranks", "threads_per_rank", "hosts", "oversubscribed", "environment", "start",
            "end", "wall_s", "exit_code", "input", "config"):
    check(key in run, f"run.json lacks {key}")
check(run["status"] == "finished" and run["exit_code"] == 0, "run.json: not finished, 0")
check(run["ranks"] == P and sum(h["ranks"] for h in run["hosts"]) == P, "run.json: ranks")
check(run["threads_per_rank"] == 1, "run.json: threads per rank (OMP_NUM_THREADS=1)")
check(run["blas"]["threads"] == 1 and run["blas"]["config"], "run.json: BLAS")
check(run["mpi"]["library"] and run["mpi"]["standard"], "run.json: MPI library")
check(run["build"]["compiler"] and run["build"]["flags"], "run.json: compiler and flags")
check(run["input"] == {"rows": 1100, "features": 40}, "run.json: input shape")
check(run["config"]["clusters"] == 3 and run["config"]["batch"] == 200
      and run["config"]["init"] == "random", "run.json: configuration")
check(run["start"] <= run["end"], "run.json: start after end")

t = {x["name"]: x for x in tm["timers"]}
names = ["total", "read", "init", "step", "forward", "backward", "allreduce", "optimiser",
         "evaluation", "checkpoint", "write"]
check(list(t) == names, f"timers.json names {list(t)}")
check(tm["ranks"] == P and tm["work"]["steps"] == 15 and tm["work"]["steps_per_epoch"] == 5,
      "timers.json: ranks and work")
phases = ["forward", "backward", "allreduce", "optimiser"]
for name in ["step"] + phases:
    check(t[name]["calls"] == 15, f"{name}: {t[name]['calls']} calls, not 15")
check(t["evaluation"]["calls"] == 3, "evaluation: not 3 calls (epochs 0, 2, 3)")
check(t["total"]["calls"] == 1 and t["read"]["calls"] == 1 and t["init"]["calls"] == 1,
      "total, read and init once")
eps = 1e-5
check(sum(t[n]["total_s"] for n in phases) <= t["step"]["total_s"] + eps,
      "the phases add up to more than the step")
top = sum(t[n]["total_s"] for n in names if t[n]["parent"] == "total")
check(top <= t["total"]["total_s"] + eps, "the timers under total add up to more than total")
check(t["total"]["total_s"] <= run["wall_s"] + 0.01, "total timer exceeds run.json wall time")
for x in tm["timers"]:
    r = x["ranks"]
    check(r["min_s"] <= r["mean_s"] + eps and r["mean_s"] <= r["max_s"] + eps,
          f"{x['name']}: min <= mean <= max")
    check(0 <= r["min_rank"] < P and 0 <= r["max_rank"] < P, f"{x['name']}: ranks")
    check(r["spread_s"] >= 0 and r["spread_s"] <= r["max_s"] - r["min_s"] + eps,
          f"{x['name']}: spread")
check(abs(sum(t[n]["share_of_step"] for n in phases) - sum(t[n]["total_s"] for n in phases)
          / t["step"]["total_s"]) < 1e-4, "shares of the step")
check(t["total"]["share_of_step"] is None, "total has no share of the step")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
EOF
pass "run.json and timers.json hold the run's figures, consistently"

# The epoch line keeps its own breakdown, next to the timers.
grep -Eq "^epoch   3/3 .*\[compute [0-9.]+  allreduce [0-9.]+  io [0-9.]+  eval [0-9.]+\]" \
    train.log || fail "the epoch line lost its breakdown"
pass "the epoch line still splits compute, allreduce, io and eval"

# assign: the table always, the files on request.
mm assign --model run/model.h5 --data data.h5 --out labels.h5 --timers at.json \
    --record ar.json > assign.log 2>&1 || { cat assign.log; fail "assign"; }
grep -Eq "^  evaluation +1 " assign.log || fail "assign printed no evaluation timer"
"$PY" - <<'EOF' || fail "assign's records"
import json
run, tm = json.load(open("ar.json")), json.load(open("at.json"))
t = {x["name"]: x for x in tm["timers"]}
assert run["command"] == "assign" and run["status"] == "finished", run["status"]
assert run["config"]["model"] == "run/model.h5"
assert t["evaluation"]["calls"] == 1 and t["step"]["calls"] == 0
assert tm["work"]["samples"] == 1100
EOF
pass "assign writes its timers and run record"

# A run refused for its flags or input leaves no record, as it leaves no other
# file; a run that fails after it started leaves one that says so. A directory
# in the way of the assignments' temporary file makes the last write fail.
mm train --data data.h5 --clusters 3 --batch 5000 --out refused > refused.log 2>&1 \
    && fail "a batch larger than the data was accepted"
[ -z "$(ls refused)" ] || fail "a refused run left files: $(ls refused)"
mkdir -p late/assignments.h5.tmp
mm train --data data.h5 --clusters 3 --atoms 4 --batch 200 --epochs 1 --init random \
    --out late > late.log 2>&1 && fail "train wrote over a directory"
"$PY" - <<'EOF' || fail "the failed run's record"
import json
run = json.load(open("late/run.json"))
assert run["status"] == "failed" and run["exit_code"] == 74, (run["status"], run["exit_code"])
assert run["end"] and run["wall_s"] > 0
EOF
pass "a refused run leaves no record; a run that failed is recorded as failed"

# Shared helpers of the command-line tests. Each test script sources this,
# runs in its own scratch directory and exits non-zero on the first failure.
set -u

MIXMATE=${MIXMATE:?MIXMATE must name the mixmate executable}
MPIEXEC=${MPIEXEC:-mpiexec}
NP=${NP:-1}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mixmate-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# Run mixmate on NP ranks (or $1 ranks with -n N), with a time limit so that a
# hang fails the test instead of blocking the suite.
mm() {
    local np=$NP
    if [ "$1" = "-n" ]; then np=$2; shift 2; fi
    timeout 300 "$MPIEXEC" -n "$np" "$MIXMATE" "$@"
}

# The value of a numeric field in the last (or given) line of a metrics.jsonl.
json_field() { # file field [line]
    local line=${3:-\$}
    sed -n "${line}p" "$1" | grep -o "\"$2\": *[-0-9.eE+]*" | head -1 | sed 's/.*: *//'
}

# awk-evaluated numeric comparison: check "a >= b" etc.
check() { # description expression
    awk "BEGIN { exit !($2) }" || fail "$1 ($2)"
    pass "$1 ($2)"
}

#!/bin/bash
# One Markdown table of the final metrics of every run in a sweep directory
# (the last line of each run's metrics.jsonl), sorted by the run's name.
#   jobs/collect-sweep.sh SWEEP_DIR
set -euo pipefail
dir=${1:?usage: $0 SWEEP_DIR}

field() { # json-line key
    echo "$1" | grep -o "\"$2\": *[-0-9.eE+]*" | head -1 | sed 's/.*: *//'
}

echo "| run | epochs | loss | eval loss | ACC | NMI | ARI | finished |"
echo "|---|---|---|---|---|---|---|---|"
for m in "$dir"/*/metrics.jsonl; do
    [ -f "$m" ] || continue
    run=$(basename "$(dirname "$m")")
    last=$(grep -v '^$' "$m" | tail -1)
    done_mark=no
    [ -f "$(dirname "$m")/model.h5" ] && done_mark=yes
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$run" "$(field "$last" epoch)" \
        "$(field "$last" loss)" "$(field "$last" eval_loss)" "$(field "$last" acc)" \
        "$(field "$last" nmi)" "$(field "$last" ari)" "$done_mark"
done

#!/bin/bash
# Stops what slurm-up.sh started in DIR: cancels the jobs, then stops each
# daemon it recorded (checking the pid still names that daemon), waiting up
# to ten seconds before SIGKILL.
#   tests/slurm/slurm-down.sh DIR
set -u
dir=$1
[ -f "$dir/slurm.env" ] && . "$dir/slurm.env" && scancel --user=root 2>/dev/null
[ -f "$dir/pids" ] || exit 0

alive() { # pid name: running (not a zombie) and still that program
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] || return 1
    [ "$(echo "$stat" | awk '{ print $3 }')" != Z ]
}

while read -r name pid; do
    alive "$pid" "$name" && kill -TERM "$pid"
done < "$dir/pids"
for _ in $(seq 100); do
    left=0
    while read -r name pid; do alive "$pid" "$name" && left=1; done < "$dir/pids"
    [ $left -eq 0 ] && exit 0
    sleep 0.1
done
while read -r name pid; do alive "$pid" "$name" && kill -KILL "$pid"; done < "$dir/pids"
exit 0

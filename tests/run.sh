#!/bin/bash
# Installs what is missing, builds mixmate and runs the whole test suite:
# unit tests, then command-line tests on 1, 2 and 4 MPI ranks.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}

"$top/cmake/install-debian-deps.sh"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$(nproc)"
cd "$build"
ctest --output-on-failure --timeout 900

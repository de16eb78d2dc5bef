#!/bin/bash
# Installs the Debian packages mixmate builds, tests and runs with, when any
# is missing. Needs root (or sudo) and access to a Debian mirror.
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config git
    openmpi-bin libopenmpi-dev
    libhdf5-openmpi-dev hdf5-tools
    libopenblas-dev liblapacke-dev libscalapack-openmpi-dev
    zlib1g-dev libpng-dev libcmocka-dev libfftw3-dev
    dataset-fashion-mnist python3-matplotlib
    munge slurmctld slurmd slurm-client
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

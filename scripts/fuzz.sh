#!/usr/bin/env bash
# Fuzzes every reader of outside files for SECONDS each (default 60): scidl-fuzz feeds them mutants of the
# corpus in Tests/FuzzCorpus. A reader that crashes kills scidl-fuzz; the input that did it is recovered
# from the recorder file and saved into the corpus as crash-<hash>, where the test suite replays it from
# then on. Exit status 1 if any reader crashed or answered with an unclear error.
#   scripts/fuzz.sh [SECONDS] [TARGET…]      (SCIDL_FUZZ_SEED picks other mutants; default 0)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
swift build -c release --product scidl-fuzz >&2 || exit 2
fuzz=.build/release/scidl-fuzz
targets=("$@")
if ((${#targets[@]} == 0)); then
    mapfile -t targets < <(ls Tests/FuzzCorpus)
fi
record="$(mktemp -d)/input"
status=0
for target in "${targets[@]}"; do
    "$fuzz" --seconds "$seconds" --seed "${SCIDL_FUZZ_SEED:-0}" --record "$record" "$target"
    code=$?
    if ((code == 1)); then
        status=1
    elif ((code != 0)); then
        status=1
        saved="Tests/FuzzCorpus/$target/crash-$(date +%s)-$$"
        # The recorder file: an 8-byte little-endian length, then the input.
        python3 -c 'import sys,struct; d=open(sys.argv[1],"rb").read(); n=struct.unpack("<Q",d[:8])[0]; open(sys.argv[2],"wb").write(d[8:8+n])' "$record" "$saved"
        echo "fuzz: $target crashed (exit $code); the input is saved as $saved" >&2
    fi
done
exit $status

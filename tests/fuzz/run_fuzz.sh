#!/bin/sh
# Bounded libFuzzer run of the GGUF parser (CI: about 60 s). Builds the harness with clang and
# ASan+UBSan straight from the sources, seeds it with tests/fuzz/corpus, and fails on any crash.
# usage: tests/fuzz/run_fuzz.sh [SECONDS]
set -eu
secs=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${TMPDIR:-/tmp}/tolk-fuzz.$$
mkdir -p "$work/corpus"
trap 'rm -rf "$work"' EXIT
command -v clang >/dev/null || { echo "clang not found: install clang to run the fuzzer"; exit 1; }
clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$src/runtime" -I"$src/runtime/base" -I"$src/runtime/gguf" -I"$src/simd" -I"$src/simd/ref" -o "$work/gguf_fuzz" \
    "$src/tests/fuzz/gguf_fuzz.c" "$src/runtime/gguf/gguf.c" "$src/runtime/gguf/gguf_index.c" "$src/runtime/gguf/gguf_meta.c" \
    "$src/runtime/base/error.c" "$src/simd/traits.c" "$src/simd/half.c" "$src"/simd/ref/*.c -lm
cp "$src"/tests/fuzz/corpus/* "$work/corpus/"
cd "$work"
rc=0
./gguf_fuzz -max_total_time="$secs" -max_len=4096 -rss_limit_mb=1024 -timeout=5 -print_final_stats=1 corpus \
    > fuzz.log 2>&1 || rc=$?
tail -n 30 fuzz.log
if [ $rc -ne 0 ]; then
    mkdir -p "$src/build-fuzz-artifacts"
    cp crash-* leak-* timeout-* oom-* "$src/build-fuzz-artifacts/" 2>/dev/null || true
    echo "fuzz: the GGUF parser failed (exit $rc); inputs kept in build-fuzz-artifacts/ (replay them with tests/fuzz/gguf_replay)"
    exit 1
fi
echo "fuzz: ${secs}s without a crash"

#!/bin/sh
# Bounded libFuzzer run of the GGUF parser (CI: about 60 s), built with clang and ASan+UBSan
# straight from the sources, seeded with tests/fuzz/corpus; fails on any crash (replay kept
# inputs with tests/fuzz/gguf_replay).
# usage: tests/fuzz/run_fuzz.sh [SECONDS]
set -eu
secs=${1:-60}
. "$(dirname "$0")/fuzzlib.sh"
fuzz_setup fuzz
fuzz_build "$work/gguf_fuzz" -I"$src/runtime/gguf" -I"$src/simd" -I"$src/simd/ref" \
    "$src/tests/fuzz/gguf_fuzz.c" "$src/runtime/gguf/gguf.c" "$src/runtime/gguf/gguf_index.c" \
    "$src/runtime/gguf/gguf_meta.c" "$src/runtime/base/error.c" "$src/simd/traits.c" "$src/simd/half.c" \
    "$src"/simd/ref/*.c -lm
cp "$src"/tests/fuzz/corpus/* "$work/corpus/"
fuzz_run "$work/gguf_fuzz" "$secs" 4096 corpus "the GGUF parser"
echo "fuzz: ${secs}s without a crash"

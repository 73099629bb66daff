#!/bin/sh
# Bounded libFuzzer run of the tokenizer's encoder and decoders (tests/fuzz/tok_fuzz.c) for SECONDS
# (default 20) over the gemma4 fixture vocabulary and, when TESTDATA (default ../shared/testdata)
# has them, the shared SentencePiece and byte-level BPE vocabularies; built with clang and
# ASan+UBSan straight from the sources, seeded with the tokenizer fixtures' texts.
# usage: tests/fuzz/run_tok_fuzz.sh [SECONDS] [TESTDATA]
set -eu
secs=${1:-20}
. "$(dirname "$0")/fuzzlib.sh"
fuzz_setup tok-fuzz
td=${2:-$src/../shared/testdata}
fuzz_build "$work/tok_fuzz" -I"$src/runtime/gguf" -I"$src/runtime/tokenizer" -I"$src/simd" \
    -I"$src/simd/ref" "$src/tests/fuzz/tok_fuzz.c" "$src"/runtime/tokenizer/*.c \
    "$src/runtime/gguf/gguf.c" "$src/runtime/gguf/gguf_index.c" "$src/runtime/gguf/gguf_meta.c" \
    "$src/runtime/base/error.c" "$src/simd/traits.c" "$src/simd/half.c" "$src"/simd/ref/*.c -lm
TOLK_FUZZ_VOCABS=$src/tests/fixtures/gemma4_vocab.gguf
for name in llama-spm qwen2 llama3; do
    [ -f "$td/tokenizer/$name.gguf" ] && TOLK_FUZZ_VOCABS=$TOLK_FUZZ_VOCABS:$td/tokenizer/$name.gguf
done
export TOLK_FUZZ_VOCABS
# seeds: each fixture case, once per vocabulary and flag set picked by the first byte
i=0
for f in "$src"/tests/fixtures/gemma4_tokens.inp "$src"/tests/fixtures/default_pre.inp; do
    awk -v dir="$work/corpus" -v base="$i" 'BEGIN { RS = "\n__ggml_vocab_test__\n" }
        { for (k = 0; k < 4; k++) printf "%c%c%s", k * 17 + 48, 5, $0 > (dir "/seed" base "_" NR "_" k) }' "$f"
    i=$((i + 1))
done
fuzz_run "$work/tok_fuzz" "$secs" 4096 corpus "the tokenizer"
echo "fuzz: ${secs}s of the tokenizer (gemma4, SPM and byte-level BPE vocabularies) without a crash"

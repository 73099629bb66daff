#!/bin/sh
# Speculative decoding through `tolk run`: greedy output with --spec draft / ngram / self is
# byte-identical to plain decoding on random-weight draft/target pairs of every architecture
# (made here with bench/gen_model) and on the default model when it is present; bad speculation
# options and unusable draft models are refused with one error line.
. "$(dirname "$0")/lib.sh"
: "${TOLK_BUILDDIR:=.}"
GEN=$TOLK_BUILDDIR/bench/gen_model
T=$TOLK_BIN
P="The cat sat on the mat. The cat sat on the mat. 1, 2, 3, 4, 1, 2, 3"
need_testdata # gen_model takes its vocabularies from there

same() { # same DESC MODEL SPEC-ARGS...: plain and speculative greedy outputs are identical, and the
    # speculative run drafted (or the comparison checked nothing); DRAFTS=any allows none (--spec
    # self calibrates on timings and may rightly choose to draft nothing).
    desc=$1 m=$2
    shift 2
    "$T" run -m "$m" -p "$P" -n "${NGEN:-48}" --temp 0 -t 2 > "$TMPD/plain" 2> "$TMPD/err1"
    "$T" run -m "$m" -p "$P" -n "${NGEN:-48}" --temp 0 -t 2 --verbose "$@" > "$TMPD/spec" 2> "$TMPD/err2"
    if [ -s "$TMPD/plain" ] && cmp -s "$TMPD/plain" "$TMPD/spec"; then ok; else
        bad "$desc: speculative output differs from plain decoding"
        cat "$TMPD/err1" "$TMPD/err2"
    fi
    drafted=$(sed -n 's/^speculation: \([0-9]*\) drafted.*/\1/p' "$TMPD/err2")
    if [ "${DRAFTS:-some}" = any ] || [ "${drafted:-0}" -gt 0 ]; then ok; else
        bad "$desc: nothing was drafted (${drafted:-no speculation report}), so nothing was verified"
    fi
}

for arch in llama qwen2 qwen3 gemma3; do
    d=$TMPD/$arch-draft.gguf t=$TMPD/$arch-target.gguf
    "$GEN" --arch "$arch" --preset tiny --type Q8_0 --seed 3 -o "$d"
    "$GEN" --extend-from "$d" --extra-layers 2 --epsilon 0.05 --seed 4 -o "$t"
    same "$arch draft" "$t" --draft "$d" --draft-max 4
    same "$arch draft k=1" "$t" --draft "$d" --draft-max 1
    same "$arch ngram" "$t" --spec ngram --draft-max 6
    DRAFTS=any same "$arch self" "$t" --spec self
    same "$arch self fixed layers" "$t" --spec self --spec-skip 1
done

# Longer contexts with 4 query heads per KV head and a prompt whose last prefill chunk is short
# (BOS + 33 x 2 = 67 = 64 + 3 tokens): the verification must match one-token decoding in attention
# too, and the prompt chunks must run the same kernels as in plain decoding.
d=$TMPD/gqa-draft.gguf t=$TMPD/gqa-target.gguf
"$GEN" --arch llama --preset tiny --n-head 8 --n-head-kv 2 --type Q4_0 --seed 11 -o "$d"
"$GEN" --extend-from "$d" --extra-layers 2 --epsilon 0.2 --seed 12 -o "$t"
short=$P
P=$(printf 'w%d ' $(seq 1 33))
for k in 1 3 4; do
    NGEN=160 same "gqa draft k=$k, long context" "$t" --draft "$d" --draft-max "$k"
done
NGEN=160 same "gqa self, long context" "$t" --spec self --spec-skip 2
P=$short

M=$DEFAULT_MODEL
if need_default_model part; then
    same "default model ngram" "$M" --spec ngram
    same "default model self" "$M" --spec self --spec-skip 3,5,7,9
    same "default model draft (itself)" "$M" --draft "$M" --draft-max 3
fi

# Refusals: one error line, status 1.
t=$TMPD/llama-target.gguf d=$TMPD/llama-draft.gguf
refuse() { # refuse DESC EXPECTED-TEXT ARGS...
    desc=$1 want=$2
    shift 2
    "$T" run -m "$t" -p "hi" -n 4 "$@" > /dev/null 2> "$TMPD/err"
    rc=$?
    if [ $rc -eq 1 ] && [ "$(wc -l < "$TMPD/err")" -eq 1 ] && grep -q "^tolk: error: .*$want" "$TMPD/err"; then ok; else
        bad "$desc (status $rc): $(cat "$TMPD/err")"
    fi
}
refuse "k = 0" "draft-max expects an integer in 1..32" --spec ngram --draft-max 0
refuse "absurd k" "draft-max expects an integer in 1..32" --spec ngram --draft-max 100000
refuse "p-min out of range" "draft-p-min expects a number" --spec ngram --draft-p-min 2
refuse "unknown mode" "--spec must be" --spec magic
refuse "draft mode without a file" "needs --draft FILE" --spec draft
refuse "draft-min above draft-max" "must not exceed" --spec ngram --draft-max 2 --draft-min 3
refuse "missing draft file" "" --draft "$TMPD/none.gguf"
refuse "bad skip list" "bad layer range" --spec self --spec-skip 1-x
refuse "skip out of range" "the model has layers 0..3" --spec self --spec-skip 9
refuse "skip all layers" "skips every layer" --spec self --spec-skip 0-3
refuse "draft larger than target" "larger than the target" -m "$d" --draft "$t"
# Same size, one token spelt differently (the bytes of "\xc4\xa0Paris" patched in place).
perl -0777 -pe 's/\xc4\xa0Paris/\xc4\xa0ParXs/g' "$d" > "$TMPD/other-vocab.gguf"
refuse "vocabulary mismatch names the token" "token [0-9]* is '.ParXs' in the draft but '.Paris'" \
    --draft "$TMPD/other-vocab.gguf"
refuse "another tokenizer" "tokens but the target has" --draft "$TMPD/qwen2-draft.gguf"
"$GEN" --arch llama --preset tiny --vocab "$TOLK_TESTDATA/tokenizer/llama-spm.gguf" -o "$TMPD/spm.gguf"
refuse "vocabulary size mismatch" "tokens but the target has" --draft "$TMPD/spm.gguf"
finish

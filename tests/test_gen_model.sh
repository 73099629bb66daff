#!/bin/sh
# bench/gen_model: tiny random models of every architecture and file type are read by `tolk info`;
# generation is deterministic; shape overrides and --extend-from work; bad shapes are refused
# without leaving a file; and, when llama-cpp-python is installed beside the checkout, llama.cpp
# loads and runs every model and an extended target tracks its draft.
. "$(dirname "$0")/lib.sh"
: "${TOLK_BUILDDIR:=.}"
: "${TOLK_SRCDIR:=.}"
GEN=$TOLK_BUILDDIR/bench/gen_model
T=$TOLK_BIN
PY=${TOLK_LLAMACPP_PYTHON:-$TOLK_SRCDIR/../tools/llamacpp-venv/bin/python}
need_testdata # gen_model takes its vocabulary from there

models=""
for arch in llama qwen2 qwen3 gemma3; do
    for type in F32 F16 Q8_0 Q4_0 Q4_K_M; do
        m=$TMPD/$arch-$type.gguf
        check "generate $arch $type" "$GEN" --arch "$arch" --preset tiny --type "$type" --seed 7 -o "$m"
        out=$("$T" info "$m" 2>&1)
        check "tolk info reads $arch $type" contains "$out" "architecture:  $arch"
        ft=MOSTLY_$type
        [ "$type" = F32 ] && ft=ALL_F32
        check "tolk info: $arch $type file type" contains "$out" "$ft"
        models="$models $m"
    done
done
out=$("$T" info "$TMPD/gemma3-Q4_K_M.gguf")
check "gemma3 tiny has 6 layers" contains "$out" "block_count                        6"
check "gemma3 keeps its sliding window" contains "$out" "attention.sliding_window           16"
check "gemma3 Q4_K_M: 256-fallback to Q5_0 for 128-wide rows" contains "$out" "Q5_0"

"$GEN" --arch qwen3 --preset tiny --type Q8_0 --seed 7 -o "$TMPD/again.gguf"
check "same seed, same bytes" cmp -s "$TMPD/qwen3-Q8_0.gguf" "$TMPD/again.gguf"
"$GEN" --arch qwen3 --preset tiny --type Q8_0 --seed 8 -o "$TMPD/other.gguf"
check "other seed, other bytes" test -n "$(cmp "$TMPD/qwen3-Q8_0.gguf" "$TMPD/other.gguf" 2>&1)"
"$GEN" --arch llama --preset tiny --vocab "$TOLK_TESTDATA/tokenizer/llama-spm.gguf" -o "$TMPD/spm.gguf"
check "--vocab picks the vocabulary" contains "$("$T" info "$TMPD/spm.gguf")" "vocab size:    32000"

"$GEN" --arch llama --preset tiny --n-layer 3 --n-embd 256 --n-head 8 --n-head-kv 4 --untied -o "$TMPD/custom.gguf"
out=$("$T" info "$TMPD/custom.gguf")
check "override: 3 layers" contains "$out" "block_count                        3"
check "override: n_embd 256" contains "$out" "embedding_length                   256"
"$GEN" --arch llama --preset tiny --n-head 3 -o "$TMPD/bad.gguf" 2> "$TMPD/err"
check "n_head 3 with n_head_kv 2 refused" test $? -eq 1
check "refusal says why" grep -q "not a multiple of n_head_kv" "$TMPD/err"
check "refused model leaves no file" test ! -e "$TMPD/bad.gguf" -a ! -e "$TMPD/bad.gguf.part"
"$GEN" --arch mamba -o "$TMPD/bad.gguf" 2> /dev/null
check "unknown architecture refused" test $? -eq 1

# Gemma 4's mixture of experts, quantized: the fused gate-up stacks and the F32 router load and run.
"$GEN" --arch gemma4 --preset tiny-moe --type Q4_K_M --seed 7 -o "$TMPD/g4moe.gguf"
out=$("$T" info "$TMPD/g4moe.gguf")
check "gemma4 tiny-moe has 8 experts" contains "$out" "expert_count                       8"
check "gemma4 tiny-moe routes 2" contains "$out" "expert_used_count                  2"
out=$("$T" run -m "$TMPD/g4moe.gguf" -p "hello world" -n 4 --temp 0 2>&1)
check "gemma4 tiny-moe Q4_K_M generates" test $? -eq 0 -a -n "$out"

"$GEN" --extend-from "$TMPD/llama-Q8_0.gguf" --extra-layers 3 --epsilon 0.001 --seed 9 -o "$TMPD/target.gguf"
out=$("$T" info "$TMPD/target.gguf")
check "extended llama has 5 layers" contains "$out" "block_count                        5"
"$GEN" --extend-from "$TMPD/gemma3-Q4_K_M.gguf" --extra-layers 2 --type Q4_K_M -o "$TMPD/gemma-target.gguf"
check "extended gemma3 has 8 layers" contains "$("$T" info "$TMPD/gemma-target.gguf")" "block_count                        8"
"$GEN" --extend-from "$TMPD/llama-Q8_0.gguf" --extra-layers 0 -o "$TMPD/bad.gguf" 2> /dev/null
check "--extra-layers 0 refused" test $? -eq 1

if llamacpp_usable "$PY" $models "$TMPD/target.gguf"; then
    "$PY" - $models "$TMPD/target.gguf" "$TMPD/gemma-target.gguf" <<'PYEOF'
import sys, math
from llama_cpp import Llama
for path in sys.argv[1:]:
    llm = Llama(model_path=path, n_ctx=64, n_threads=2, verbose=False, logits_all=True)
    toks = llm.tokenize(b"Hello world, this is a test.", add_bos=True)
    llm.eval(toks)
    logits = llm.scores[len(toks) - 1]
    assert all(math.isfinite(float(x)) for x in logits), path + ": non-finite logits"
    spread = float(logits.max() - logits.min())
    assert spread > 1.0, path + ": flat logits"
    print("llama.cpp ok: %s (%s layers, vocab %d, logit spread %.2f)" % (path.split("/")[-1],
          [v for k, v in llm.metadata.items() if k.endswith(".block_count")][0], llm.n_vocab(), spread))
PYEOF
    check "llama.cpp loads and runs every generated model" test $? -eq 0
    "$PY" - "$TMPD/llama-Q8_0.gguf" "$TMPD/target.gguf" <<'PYEOF'
import sys
from llama_cpp import Llama
d = Llama(model_path=sys.argv[1], n_ctx=64, n_threads=2, verbose=False, logits_all=True)
t = Llama(model_path=sys.argv[2], n_ctx=64, n_threads=2, verbose=False, logits_all=True)
toks = d.tokenize(b"The quick brown fox jumps over the lazy dog and keeps on running", add_bos=True)
d.eval(toks)
t.eval(toks)
same = sum(int(d.scores[i].argmax() == t.scores[i].argmax()) for i in range(len(toks)))
print("draft/target argmax agreement: %d/%d" % (same, len(toks)))
sys.exit(0 if same >= 0.9 * len(toks) else 1)
PYEOF
    check "extended target agrees with its draft" test $? -eq 0
else
    skip_optional "$llamacpp_why: llama.cpp did not load or run the generated models"
fi
finish

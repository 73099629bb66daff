#!/bin/sh
# The newer architectures through the CLI: `tolk info` names each and the prompt template tolk
# would use (and what decided it); a known translation model's name that lacks its markers falls
# back to the usual detection; --template overrides and --show-prompt says so on stderr; `tolk
# run` decodes an MoE model and a gemma4 model quantized to Q4_K_M.
. "$(dirname "$0")/lib.sh"
: "${TOLK_BUILDDIR:=.}"
GEN=$TOLK_BUILDDIR/bench/gen_model
T=$TOLK_BIN
need_testdata # the qwen2 vocabulary

for arch in gemma2 qwen3moe phi3 hunyuan-dense qwen2moe gemma4; do
    check "generate $arch" "$GEN" --arch "$arch" --vocab-size 64 -o "$TMPD/$arch.gguf"
    out=$("$T" info "$TMPD/$arch.gguf" 2>&1)
    check "tolk info reads $arch" contains "$out" "architecture:  $arch"
    check "tolk info names the prompt template of $arch" contains "$out" "prompt template: base (from the absence"
done

out=$("$T" info "$TMPD/qwen3moe.gguf")
check "tolk info shows the expert counts" contains "$out" "expert_used_count                  3"
check "tolk info shows Gemma 2's soft-capping" contains "$("$T" info "$TMPD/gemma2.gguf")" "final_logit_softcapping            30"

# Hunyuan-MT on a vocabulary without Hunyuan's turn markers: the file's own (Qwen3) chat template.
"$GEN" --arch hunyuan-dense --name Hunyuan-MT-7B --vocab "$TOLK_TESTDATA/tokenizer/qwen2.gguf" -o "$TMPD/hy.gguf"
out=$("$T" info "$TMPD/hy.gguf" 2>&1)
check "markers missing: the chat template decides" contains "$out" "prompt template: qwen3 (from tokenizer.chat_template)"

printf '{bos}Into {tgt}: {text}\n' > "$TMPD/t.txt"
err=$("$T" translate -m "$TMPD/hy.gguf" --to de --template "$TMPD/t.txt" --show-prompt "Hallo" 2>&1 >/dev/null)
check "--show-prompt names the template" contains "$err" "prompt template custom (from --template)"
out=$("$T" translate -m "$TMPD/hy.gguf" --to de --template "$TMPD/t.txt" --show-prompt "Hallo" 2>/dev/null)
check "--template overrides" contains "$out" "Into German: Hallo"

"$GEN" --arch qwen3moe --type Q4_K_M --vocab "$TOLK_TESTDATA/tokenizer/qwen2.gguf" -o "$TMPD/moe.gguf"
out=$("$T" run -m "$TMPD/moe.gguf" -p "Hello world" -n 4 --temp 0 -t 2 2>&1)
check "tolk run decodes a Q4_K_M MoE model" test $? -eq 0
# gemma4 quantized (per-layer embeddings, shared KV) decodes on every kernel path (the paths round
# differently, so near-ties may pick different tokens: only decoding is checked).
"$GEN" --arch gemma4 --type Q4_K_M --vocab-size 64 -o "$TMPD/g4q.gguf"
g4=$("$T" run -m "$TMPD/g4q.gguf" -p "t7 t9" -n 8 --temp 0 -t 2 2>/dev/null)
check "tolk run decodes a Q4_K_M gemma4 model: $g4" test -n "$g4"
for isa in scalar avx2 avx512; do
    flag=$isa; [ "$isa" = avx512 ] && flag=avx512f
    [ "$isa" = scalar ] || grep -qw "$flag" /proc/cpuinfo 2>/dev/null || continue
    o=$(TOLK_ISA=$isa "$T" run -m "$TMPD/g4q.gguf" -p "t7 t9" -n 8 --temp 0 -t 2 2>/dev/null)
    check "gemma4 decodes on $isa: $o" test -n "$o"
done
finish

#!/bin/sh
# `tolk translate`: prompts per model family (--show-prompt on the shared vocab-only files), user
# text that looks like control tokens stays plain text, argument errors are one clear line, and on
# the default model (when fetched) short sentences come out in the target language.
. "$(dirname "$0")/lib.sh"
T=$TOLK_BIN
V=$TOLK_TESTDATA/tokenizer
need_testdata

out=$("$T" translate -m "$V/qwen2.gguf" --from en --to de --show-prompt "Hello")
check "qwen3 prompt has the empty think block" contains "$out" "<think>

</think>"
check "qwen3 prompt names both languages" contains "$out" "from English to German"
out=$("$T" translate -m "$V/llama3.gguf" --to fr --show-prompt "Hello")
check "llama3 prompt header" contains "$out" "<|start_header_id|>assistant<|end_header_id|>"
check "llama3 prompt without source" contains "$out" "text to French."

# Injection: <|im_end|> typed by the user must not become token 151645 inside the user turn.
ids=$("$T" translate -m "$V/qwen2.gguf" --to de --show-prompt=ids "a<|im_end|>b")
n_end=$(printf '%s\n' "$ids" | tr ' ' '\n' | grep -c '^151645$')
check "user <|im_end|> stays text (template has 2 im_end)" test "$n_end" -eq 2

"$T" translate -m "$V/qwen2.gguf" --to klingonese --show-prompt "x" 2>"$TMPD/err"
check "unknown language exits 1" test $? -eq 1
check "unknown language: one line" test "$(wc -l < "$TMPD/err")" -eq 1
check "unknown language named" grep -q "klingonese" "$TMPD/err"
"$T" translate -m "$V/qwen2.gguf" "x" 2>"$TMPD/err"; check "missing --to exits 1" test $? -eq 1
check "missing --to message" grep -q "^tolk: error: no target language" "$TMPD/err"
"$T" translate -m "$V/qwen2.gguf" --to de 2>"$TMPD/err"; check "missing text exits 1" test $? -eq 1
"$T" translate -m "$V/qwen2.gguf" --to de "x" 2>"$TMPD/err"; check "vocab-only file cannot translate" test $? -eq 1
check "vocab-only: one line" test "$(wc -l < "$TMPD/err")" -eq 1
printf 'no placeholder here\n' > "$TMPD/bad.tmpl"
"$T" translate -m "$V/qwen2.gguf" --to de --template "$TMPD/bad.tmpl" --show-prompt "x" 2>"$TMPD/err"
check "template without {text} rejected" grep -q "{text}" "$TMPD/err"
printf '{bos}[{src}>{tgt}] {text} =' > "$TMPD/my.tmpl"
out=$("$T" translate -m "$V/llama3.gguf" --from de --to en --template "$TMPD/my.tmpl" --show-prompt "Hallo")
check "custom template rendered" test "$out" = "<|begin_of_text|>[German>English] Hallo ="

if need_default_model part; then
    out=$("$T" translate --from en --to de "The weather is nice today.")
    check "German translation ($out)" contains "$out" "Wetter"
    out=$("$T" translate --from en --to fr "I would like to order a coffee, please.")
    check "French translation ($out)" contains "$out" "café"
    printf 'Good morning.\n\nThank you very much.\n' | "$T" translate --from en --to de - > "$TMPD/para"
    check "stdin keeps the blank line" test "$(sed -n 2p "$TMPD/para")" = ""
    check "stdin: three lines" test "$(wc -l < "$TMPD/para")" -eq 3
fi
finish

#!/bin/sh
# `tolk tokenize` on the vocab-only files: ids for stdin byte for byte (leading/trailing
# whitespace and newlines kept, nothing added without --bos), --pieces lines, --special, and
# clear errors for bad arguments and files.
. "$(dirname "$0")/lib.sh"
T=$TOLK_BIN
V=$TOLK_TESTDATA/tokenizer
need_testdata

out=$(printf 'Hello world' | "$T" tokenize -m "$V/qwen2.gguf"); check "qwen2 ids" test "$out" = "9707 1879"
out=$(printf 'Hello world' | "$T" tokenize -m "$V/llama3.gguf" --ids); check "llama3 ids" test "$out" = "9906 1917"
out=$(printf 'Hello world' | "$T" tokenize -m "$V/llama3.gguf" --bos); check "--bos" test "$out" = "128000 9906 1917"
# Trailing newline and leading spaces are part of the input.
out=$(printf '  Hello\n' | "$T" tokenize -m "$V/qwen2.gguf"); check "whitespace kept" test "$out" = "220 21927 198"
out=$(printf '' | "$T" tokenize -m "$V/qwen2.gguf"); check "empty input" test -z "$out"
# SPM adds its space prefix itself; no BOS unless asked.
out=$(printf 'Hello world' | "$T" tokenize -m "$V/llama-spm.gguf"); check "llama-spm ids" test "$out" = "15043 3186"
# Control-token text stays plain text unless --special.
# (several ordinary tokens: an empty or failed run must not pass for "not 151645")
out=$(printf '<|im_end|>' | "$T" tokenize -m "$V/qwen2.gguf"); check "plain <|im_end|> exit 0" test $? -eq 0
n_ids=$(printf '%s\n' "$out" | tr ' ' '\n' | grep -c '^[0-9][0-9]*$')
check "plain <|im_end|> is several tokens ($out)" test "$n_ids" -gt 1
check "plain <|im_end|> has no 151645" test -z "$(printf '%s\n' "$out" | tr ' ' '\n' | grep -x 151645)"
out=$(printf '<|im_end|>' | "$T" tokenize -m "$V/qwen2.gguf" --special); check "--special" test "$out" = "151645"
# Pieces: id, tab, escaped bytes.
printf 'a\tb\n' | "$T" tokenize -m "$V/qwen2.gguf" --pieces > "$TMPD/p"
check "pieces lines" test "$(wc -l < "$TMPD/p")" -eq 3
check "pieces tab escape" grep -q "^2233	\\\\tb\$" "$TMPD/p"
check "pieces newline escape" grep -q "^198	\\\\n\$" "$TMPD/p"
# Invalid UTF-8 is tokenized, not rejected.
printf '\377\376 ok' | "$T" tokenize -m "$V/llama-spm.gguf" > "$TMPD/bad"; check "invalid utf-8 exit 0" test $? -eq 0
check "invalid utf-8 byte tokens" test -s "$TMPD/bad"

printf x | "$T" tokenize -m /nonexistent.gguf 2>"$TMPD/err"; check "missing file exits 1" test $? -eq 1
check "missing file message" grep -q "^tolk: error: /nonexistent.gguf" "$TMPD/err"
printf x | "$T" tokenize -m "$V/qwen2.gguf" extra 2>"$TMPD/err"; check "extra argument exits 1" test $? -eq 1
out=$("$T" tokenize --help); check "--help" contains "$out" "--pieces"
finish

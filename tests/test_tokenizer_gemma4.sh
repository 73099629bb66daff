#!/bin/sh
# A tiny gemma4 model carrying the synthetic Gemma 4 vocabulary (tests/fixtures/gemma4_vocab.gguf,
# tokenizer.ggml.model "gemma4") loads and runs end to end: `tolk tokenize` gives llama.cpp's ids
# (tests/fixtures/gemma4_tokens.*), `tolk translate --show-prompt=ids` starts with the forced BOS and
# turns the template's <|turn> / <turn|> into their control tokens while the user's text stays text,
# and a short generation finishes.
. "$(dirname "$0")/lib.sh"
: "${TOLK_BUILDDIR:=.}"
: "${TOLK_SRCDIR:=.}"
GEN=$TOLK_BUILDDIR/bench/gen_model
VOCAB=$TOLK_SRCDIR/tests/fixtures/gemma4_vocab.gguf
m=$TMPD/g4v.gguf
# An unrecognised template: the prompt comes from the gemma4 architecture.
echo "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}" > "$TMPD/other.jinja"
check "generate gemma4 with the gemma4 vocabulary" "$GEN" --arch gemma4 --preset tiny --vocab "$VOCAB" \
    --chat-template "$TMPD/other.jinja" -o "$m"

# The first fixture cases through the CLI (plain text, no BOS) match llama.cpp's ids.
awk 'BEGIN { RS = "\n__ggml_vocab_test__\n" } NR <= 3 { printf "%s", $0 > (dir "/case" NR ".txt") }' \
    dir="$TMPD" "$TOLK_SRCDIR/tests/fixtures/gemma4_tokens.inp"
for i in 1 2 3; do
    want=$(sed -n "${i}p" "$TOLK_SRCDIR/tests/fixtures/gemma4_tokens.out" | sed 's/^ //')
    got=$("$TOLK_BIN" tokenize -m "$m" --special < "$TMPD/case$i.txt" 2>&1)
    check "tokenize case $i: want '$want' got '$got'" [ "$got" = "$want" ]
done

ids() { "$TOLK_BIN" tokenize -m "$m" --special 2>/dev/null; }
bos=$(printf '<bos>' | ids)
turn=$(printf '<|turn>' | ids)
end_turn=$(printf '<turn|>' | ids)
check "<bos> <|turn> <turn|> are single tokens ($bos / $turn / $end_turn)" \
    [ "$(echo "$bos $turn $end_turn" | wc -w)" -eq 3 ]

prompt=$("$TOLK_BIN" translate -m "$m" --from English --to German --show-prompt=ids \
    "Hello <|turn> world" 2>"$TMPD/err.txt")
check "prompt ids: $prompt" [ -n "$prompt" ]
check "gemma4 prompt chosen" grep -q "prompt template gemma4" "$TMPD/err.txt"
first=$(echo "$prompt" | awk '{ print $1 }')
check "prompt starts with bos ($first = $bos)" [ "$first" = "$bos" ]
n_turn=$(echo "$prompt" | tr ' ' '\n' | grep -cx "$turn")
check "template turns are control tokens, the user's <|turn> is not ($n_turn = 2)" [ "$n_turn" -eq 2 ]
check "the turn end is a control token" contains " $prompt " " $end_turn "

check "a short generation" sh -c '"$0" translate -m "$1" --from English --to German -n 8 --seed 1 \
    "Hello world" > "$2"' "$TOLK_BIN" "$m" "$TMPD/out.txt"
finish

#!/bin/sh
# Forced glossary terms (docs/TM.md, "Forced terms"): a term the model leaves out is put in by
# decoding again with the term's tokens forced at the position the model scores best; the term
# report says "forced"; with --no-force-terms the same term is reported "missed". On tiny models with
# random weights (which never write a glossary term on their own, so the term in the output can
# only come from forcing), in a spaced and an unspaced script, and on the default model.
. "${TOLK_SRCDIR:-..}/tests/lib.sh"
T="$TOLK_BIN"
W=$TMPD
need_testdata
G="$TOLK_BUILDDIR/bench/gen_model"
"$G" --arch llama --preset tiny --type Q8_0 --seed 3 -o "$W/llama.gguf" >/dev/null || exit 1
"$G" --arch gemma3 --preset tiny --type Q8_0 --seed 3 -o "$W/gemma.gguf" >/dev/null || exit 1
printf 'power button\tEinschaltknopf\nscreen\tBildschirmfläche\n' >"$W/de.tsv"
printf 'power button\t電源ボタン\n' >"$W/ja.tsv"
SRC="Press the power button to turn on the screen."

for m in llama gemma; do
    "$T" translate -m "$W/$m.gguf" --from en --to de -n 24 --glossary "$W/de.tsv" --term-report "$W/r.tsv" \
        --verbose "$SRC" >"$W/out" 2>"$W/err"
    check "$m: runs" test $? -eq 0
    check "$m: forced term 1 in the output" grep -q "Einschaltknopf" "$W/out"
    check "$m: forced term 2 in the output" grep -q "Bildschirmfläche" "$W/out"
    check "$m: report says forced" test "$(cut -f4 "$W/r.tsv" | tr '\n' ' ')" = "forced forced "
    check "$m: --verbose counts them" grep -q "glossary: 2 term(s) forced" "$W/err"
    "$T" translate -m "$W/$m.gguf" --from en --to de -n 24 --glossary "$W/de.tsv" --term-report "$W/r.tsv" \
        --no-force-terms "$SRC" >"$W/out" 2>"$W/err"
    check "$m --no-force-terms: runs" test $? -eq 0
    check "$m --no-force-terms: the model wrote neither term" test "$(grep -c 'Einschaltknopf\|Bildschirmfläche' "$W/out")" -eq 0
    check "$m --no-force-terms: report says missed" test "$(cut -f4 "$W/r.tsv" | tr '\n' ' ')" = "missed missed "
done

# a script written without spaces: the term goes in without one
"$T" translate -m "$W/llama.gguf" --from en --to ja -n 24 --glossary "$W/ja.tsv" --term-report "$W/r.tsv" "$SRC" \
    >"$W/out" 2>"$W/err"
check "ja: forced term in the output" grep -q "電源ボタン" "$W/out"
check "ja: report says forced" test "$(cut -f4 "$W/r.tsv")" = "forced"

# the default model: a term it translates otherwise ("Sofa") is forced where that word stood
if need_default_model part; then
    M="$DEFAULT_MODEL"
    printf 'sofa\tCouchgarnitur\n' >"$W/sofa.tsv"
    "$T" translate -m "$M" --from en --to de -n 32 --glossary "$W/sofa.tsv" --term-report "$W/r.tsv" \
        --no-force-terms "The cat sleeps on the sofa." >"$W/plain" 2>"$W/err"
    check "default model, not forced: missed" test "$(cut -f4 "$W/r.tsv")" = "missed"
    check "default model, not forced: term absent" test "$(grep -c Couchgarnitur "$W/plain")" -eq 0
    "$T" translate -m "$M" --from en --to de -n 32 --glossary "$W/sofa.tsv" --term-report "$W/r.tsv" \
        "The cat sleeps on the sofa." >"$W/out" 2>"$W/err"
    check "default model: forced" test "$(cut -f4 "$W/r.tsv")" = "forced"
    check "default model: term in the output" grep -q Couchgarnitur "$W/out"
    check "default model: one line out" test "$(wc -l <"$W/out")" -eq 1
fi
finish

#!/bin/sh
# `tolk translate --tm / --glossary` with the default model: an exact TM match is the output and the
# model does not run; a fuzzy match drafts for speculative decoding and the output is identical to
# plain decoding of the same prompt; --tm-write adds what was translated; the term report has one
# line per term with found/missed matching the output. Without SQLite the options fail in one line.
. "${TOLK_SRCDIR:-..}/tests/lib.sh"
T="$TOLK_BIN"
W=$TMPD # lib.sh's private directory, removed on exit

if ! "$T" tm stats --tm "$W/probe.sqlite" >/dev/null 2>"$W/probe.err" &&
    grep -q "built without SQLite" "$W/probe.err"; then
    "$T" translate -m /nonexistent.gguf --tm "$W/x.sqlite" --to de "Hello" 2>"$W/err"
    check "without SQLite: --tm fails" test $? -ne 0
    check "without SQLite: one line saying so" test "$(wc -l <"$W/err")" -eq 1
    check "without SQLite: names it" grep -q "built without SQLite" "$W/err"
    finish
fi
need_default_model
M="$DEFAULT_MODEL"
DB="$W/tm.sqlite"
"$T" tm add --tm "$DB" --from en --to de "Press the power button for two seconds to switch the device on." \
    "Drücken Sie die Ein-/Aus-Taste zwei Sekunden lang, um das Gerät einzuschalten." >/dev/null

# exact: the approved translation, no model run (no tokens generated)
out=$("$T" translate -m "$M" --tm "$DB" --from en --to de --verbose \
    "Press the power  button for two seconds to switch the device on." 2>"$W/err")
check "exact match reused" test "$out" = "Drücken Sie die Ein-/Aus-Taste zwei Sekunden lang, um das Gerät einzuschalten."
check "exact match: reported" grep -q "1 segment(s) reused exactly" "$W/err"
check "exact match: no tokens generated" grep -q "generation: 0 tokens" "$W/err"

# fuzzy: drafted from the match, output identical to plain decoding of the same prompt
"$T" translate -m "$M" --tm "$DB" --from en --to de --verbose -n 40 \
    "Press the power button for three seconds to switch the device on." >"$W/out" 2>"$W/err"
check "fuzzy: translated" test -s "$W/out"
check "fuzzy: identical to plain decoding" grep -q "greedy output identical to plain decoding: yes" "$W/err"
drafted=$(sed -n 's/^speculation: \([0-9]*\) drafted.*/\1/p' "$W/err")
check "fuzzy: the TM match was drafted (${drafted:-none})" test "${drafted:-0}" -gt 0

# nothing similar: plain decoding, no drafts
"$T" translate -m "$M" --tm "$DB" --from en --to de --verbose -n 16 "The museum opens at nine." >/dev/null 2>"$W/err"
check "no match: nothing drafted" grep -q "^speculation: 0 drafted" "$W/err"

# --tm-write: what the model translated is added; --fuzzy bounds
before=$("$T" tm stats --tm "$DB" | sed -n 's/^total	//p')
printf 'Fresh bread every morning.\n\nThe train leaves at four.\n' |
    "$T" translate -m "$M" --tm "$DB" --tm-write --from en --to de -n 16 - >/dev/null 2>"$W/err"
check "--tm-write runs" test $? -eq 0
after=$("$T" tm stats --tm "$DB" | sed -n 's/^total	//p')
check "--tm-write added both paragraphs ($before -> $after)" test "$after" -eq $((before + 2))
"$T" translate -m "$M" --tm "$DB" --tm-write --to de "x" 2>"$W/err"
check "--tm-write without --from refused" test $? -eq 1
"$T" translate -m "$M" --tm "$DB" --fuzzy 101 --to de "x" 2>"$W/err"
check "--fuzzy 101 refused" test $? -eq 1

# glossary and the term report
printf 'power button\tEin-/Aus-Taste\ndevice\tGerät\nmuseum\tMuseum\n' >"$W/g.tsv"
printf 'Press the power buttons.\n\nThe devices and the museum.\n' |
    "$T" translate -m "$M" --from en --to de -n 24 --glossary "$W/g.tsv" --term-report "$W/rep.tsv" - >"$W/out" 2>"$W/err"
check "glossary run" test $? -eq 0
check "term report: 3 lines" test "$(wc -l <"$W/rep.tsv")" -eq 3
check "term report: segment 1 power button" grep -q "^1	power button	Ein-/Aus-Taste	\(found\|missed\)$" "$W/rep.tsv"
check "term report: segment 2 device, museum" test "$(grep -c '^2	' "$W/rep.tsv")" -eq 2
# found/missed agree with the output (second paragraph is after the blank line)
seg2=$(awk 'BEGIN{RS=""} NR==2' "$W/out")
if grep -q "^2	museum	Museum	found" "$W/rep.tsv"; then check "museum found is in the output" contains "$seg2" "Museum"; else
    check "museum missed is not in the output" test -z "$(printf '%s' "$seg2" | grep -i museum)"; fi
"$T" translate -m "$M" --to de --term-report "$W/r2.tsv" "x" 2>"$W/err"
check "--term-report without --glossary refused" test $? -eq 1
"$T" translate -m "$M" --to de --glossary "$W/missing.tsv" "x" 2>"$W/err"
check "missing glossary refused" test $? -eq 1
check "missing glossary: one line" test "$(wc -l <"$W/err")" -eq 1
finish

#!/bin/sh
# --tm, --tm-write and --glossary with `tolk translate -f FILE` (docs/TM.md, "Documents"): a TM exact
# match fills a segment without the model (counted in --report's "tm_exact"; a second run over a TM
# written by --tm-write generates no token at all and gives the same file), placeholders and inline
# codes come back around the TM's text, glossary terms are reported per segment id and present in
# the output where the report says so, and XLIFF and PO stay well-formed (xmllint, msgfmt -c).
. "${TOLK_SRCDIR:-..}/tests/lib.sh"
T="$TOLK_BIN"
W=$TMPD
FX=${TOLK_SRCDIR:-..}/tests/fixtures/formats
if ! "$T" tm stats --tm "$W/probe.sqlite" >/dev/null 2>"$W/probe.err" &&
    grep -q "built without SQLite" "$W/probe.err"; then
    "$T" translate --to de -f "$FX/sample.po" --tm "$W/x.sqlite" 2>"$W/err"
    check "without SQLite: -f with --tm fails" test $? -ne 0
    check "without SQLite: one line saying so" test "$(wc -l <"$W/err")" -eq 1
    finish
fi
"$T" translate --to de --copy-source --quiet -f "$FX/sample.xlf" >/dev/null 2>"$W/err" ||
    { grep -q "built without libxml2" "$W/err" && skip_cpu "this tolk was built without libxml2 (XLIFF)"; }
json_num() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" "$2"; }
# usage errors come before any model is loaded
"$T" translate --to de -f "$FX/sample.po" --copy-source --tm "$W/x.sqlite" 2>"$W/err"
check "--copy-source with --tm refused" test $? -eq 1
"$T" translate --to de -f "$FX/sample.po" --tm "$W/x.sqlite" --tm-write 2>"$W/err"
check "--tm-write without --from refused" test $? -eq 1

# the tiny model: forcing in a document runs under the placeholder filter and reports per segment id
if need_testdata part; then
    "$TOLK_BUILDDIR/bench/gen_model" --arch llama --preset tiny --type Q8_0 --seed 3 -o "$W/tiny.gguf" >/dev/null
    printf 'world\tErdkreis\nfile\tDokumentdatei\n' >"$W/g.tsv"
    "$T" translate -m "$W/tiny.gguf" --from en --to de -f "$FX/sample.xlf" -o "$W/tiny.xlf" --glossary "$W/g.tsv" \
        --term-report "$W/tiny.tsv" --report "$W/tiny.json" --quiet 2>"$W/err"
    check "tiny: document with a glossary runs" test $? -eq 0
    check "tiny: term report by segment id" test "$(cut -f1,2,4 "$W/tiny.tsv" | tr '\t\n' ' |')" = \
        "greeting world forced|empty-target file forced|"
    check "tiny: report counts them" grep -q '"terms": {"found": 0, "forced": 2, "missed": 0}' "$W/tiny.json"
    if command -v xmllint >/dev/null; then check "tiny: XLIFF well-formed" xmllint --noout "$W/tiny.xlf"; fi
fi

need_default_model
M="$DEFAULT_MODEL"
DB="$W/tm.sqlite"
"$T" tm add --tm "$DB" --from en --to de "Hello <b>world</b>, you have <br/> new & unread messages." \
    "Hallo <b>Welt</b>, Sie haben <br/> neue & ungelesene Nachrichten." >/dev/null
"$T" tm add --tm "$DB" --from en --to de "Hello, %s! You have %d new messages." \
    "Hallo, %s! Sie haben %d neue Nachrichten." >/dev/null
printf 'file\tDatei\nmessages\tNachrichten\n' >"$W/g.tsv"

# XLIFF: the TM's text with the unit's own inline codes, escaped as XML
"$T" translate -m "$M" --from en --to de -f "$FX/sample.xlf" -o "$W/de.xlf" --tm "$DB" --glossary "$W/g.tsv" \
    --term-report "$W/terms.tsv" --report "$W/de.json" --quiet 2>"$W/err"
check "XLIFF with --tm and --glossary: $(head -c 300 "$W/err")" test $? -eq 0
check "XLIFF: the TM match filled the unit, codes in place" grep -qF \
    '<target state="needs-review-translation" state-qualifier="leveraged-mt">Hallo <g id="1">Welt</g>, Sie haben <x id="2"/> neue &amp; ungelesene Nachrichten.</target>' "$W/de.xlf"
check "XLIFF: report counts 1 TM reuse" test "$(json_num tm_exact "$W/de.json")" = 1
check "XLIFF: vendor extension kept" grep -qF "<header><x-vendor:settings mode='strict'/></header>" "$W/de.xlf"
if command -v xmllint >/dev/null; then check "XLIFF: well-formed" xmllint --noout "$W/de.xlf"; fi
check "XLIFF: term report names the unit" grep -q "^greeting	messages	Nachrichten	found$" "$W/terms.tsv"

# PO: the sentence-split entry still finds its whole match; terms reported found/forced are there
"$T" translate -m "$M" --from en --to de -f "$FX/sample.po" -o "$W/de.po" --tm "$DB" --glossary "$W/g.tsv" \
    --term-report "$W/terms.tsv" --report "$W/po.json" --quiet 2>"$W/err"
check "PO with --tm and --glossary: $(head -c 300 "$W/err")" test $? -eq 0
check "PO: the TM match, placeholders kept" grep -qF 'msgstr "Hallo, %s! Sie haben %d neue Nachrichten."' "$W/de.po"
check "PO: report counts 1 TM reuse" test "$(json_num tm_exact "$W/po.json")" = 1
if command -v msgfmt >/dev/null; then check "PO: msgfmt -c" msgfmt -c -o /dev/null "$W/de.po"; fi
n_ok=0
while IFS='	' read -r seg src tgt status; do
    case $status in found | forced)
        n_ok=$((n_ok + 1))
        check "PO: segment $seg has '$tgt' as the report says ($status)" grep -q "$tgt" "$W/de.po" ;;
    esac
done <"$W/terms.tsv"
check "PO: some glossary term in the output ($n_ok)" test "$n_ok" -gt 0

# --tm-write: what was translated goes into a fresh TM; the same file again needs no model token
"$T" translate -m "$M" --from en --to de -f "$FX/sample.xlf" -o "$W/w1.xlf" --tm "$W/new.sqlite" --tm-write \
    --report "$W/w1.json" --quiet 2>"$W/err"
check "--tm-write run" test $? -eq 0
translated=$(json_num translated "$W/w1.json")
flagged=$(sed -n 's/.*"check": "\([a-z]*\)", "status": "translated".*/\1/p' "$W/w1.json" | wc -l)
added=$("$T" tm stats --tm "$W/new.sqlite" | sed -n 's/^total	//p')
check "--tm-write added the unflagged translations ($translated translated, $flagged flagged, $added added)" \
    test "${added:-0}" -eq $((translated - flagged))
if [ "${added:-0}" -gt 0 ]; then
    "$T" translate -m "$M" --from en --to de -f "$FX/sample.xlf" -o "$W/w2.xlf" --tm "$W/new.sqlite" \
        --report "$W/w2.json" --quiet 2>"$W/err"
    check "second run: every written unit reused ($(json_num tm_exact "$W/w2.json") of $added)" \
        test "$(json_num tm_exact "$W/w2.json")" -eq "$added"
    if [ "$flagged" -eq 0 ]; then
        check "second run: no token generated" test "$(json_num tokens "$W/w2.json")" -eq 0
        check "second run: the same file" cmp -s "$W/w1.xlf" "$W/w2.xlf"
    fi
fi
finish

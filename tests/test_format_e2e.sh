#!/bin/sh
# Documents translated end to end with the default model: a PO file (the result passes msgfmt -c,
# the entry translated before is untouched, what tolk filled is fuzzy, the report is written) and an
# HTML file (script, code, links and the doctype kept, as many tags as before, and no segment
# refused for a lost placeholder: decoding runs under the placeholder filter).
. "${TOLK_SRCDIR:-.}/tests/lib.sh"
fx=${TOLK_SRCDIR:-.}/tests/fixtures/formats
tmp=${TMPDIR:-/tmp}/tolk-format-e2e.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
need_default_model
"$TOLK_BIN" translate --to de -f "$fx/sample.po" -o "$tmp/de.po" --report "$tmp/de.json" --quiet 2> "$tmp/err"
check "PO translated: $(cat "$tmp/err")" test -s "$tmp/de.po"
if command -v msgfmt > /dev/null; then
    check "translated PO passes msgfmt -c" msgfmt -c -o /dev/null "$tmp/de.po"
fi
# an entry tolk filled is fuzzy; the one translated before is untouched
check "translator's entry kept" grep -q 'msgstr "Otwórz"' "$tmp/de.po"
filled=$(grep -c '^msgstr "[^"]' "$tmp/de.po")
fuzzy=$(grep -c 'fuzzy' "$tmp/de.po")
check "every entry tolk filled is fuzzy ($filled filled, $fuzzy fuzzy)" test "$fuzzy" -ge $((filled - 1))
check "report for the model run" grep -q '"format": "po"' "$tmp/de.json"
"$TOLK_BIN" translate --to fr -f "$fx/sample.html" -o "$tmp/fr.html" --report "$tmp/fr.json" --quiet 2> "$tmp/err"
check "HTML translated: $(cat "$tmp/err")" test -s "$tmp/fr.html"
for keep in '<script>var s = "<p>Do not translate</p>";</script>' '<code>tolk translate -f doc.html</code>' \
    '<a href="https://example.org/docs"' '<!DOCTYPE html>'; do
    check "HTML keeps $keep" grep -qF "$keep" "$tmp/fr.html"
done
# decoding under the placeholder filter cannot lose, repeat or invent a placeholder
check "no segment lost a placeholder: $(grep -o '"check": "[a-z]*"' "$tmp/fr.json" | sort | uniq -c | tr '\n' ' ')" \
    sh -c "! grep -q '\"check\": \"placeholders\"' '$tmp/fr.json'"
check "HTML has as many tags as before" test "$(grep -o '<[a-z/!]' "$tmp/fr.html" | wc -l)" -eq \
    "$(grep -o '<[a-z/!]' "$fx/sample.html" | wc -l)"
finish

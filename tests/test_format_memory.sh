#!/bin/sh
# Every streamed document format in bounded memory (docs/FORMATS.md, "Every format in bounded
# memory"): plain text, PO, SRT, WebVTT, HTML and Markdown files generated at 2 MB and at 8 MB
# (tests/fixtures/formats/make_big_doc.py) go through `tolk translate --copy-source -o` with a peak
# RSS (GNU time) for the big file within 4 MB of the small one's (read whole, it was about 8 times
# the file; Markdown, whose md4c reads the whole file, within 4 MB + 3 times the growth); in-place formats come back byte for byte, PO with every entry filled; standard output
# gets the same bytes; a big file that is broken at its very end fails with one error line, exit 1
# and no output, before anything is written.
. "${TOLK_SRCDIR:-.}/tests/lib.sh"
fx=${TOLK_SRCDIR:-.}/tests/fixtures/formats
tmp=${TMPDIR:-/tmp}/tolk-format-memory.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

command -v python3 > /dev/null || skip "python3 generates the big files"
/usr/bin/time -f %M true > /dev/null 2>&1 || skip "GNU time (/usr/bin/time -f %M) measures peak RSS"

peak_kb() { # FILE OUT: peak RSS in KB of translating FILE to OUT
    /usr/bin/time -f %M -o "$tmp/time" "$TOLK_BIN" translate -f "$1" --copy-source --quiet -o "$2" 2> "$tmp/err" ||
        cat "$tmp/err" >&2
    tail -1 "$tmp/time"
}

for f in txt po srt vtt html md; do
    # texts repeat (make_big_doc.py's "repeat"): the run's memo of translations, bounded at two
    # generations of 8 MB (docs/FORMATS.md), stays small, and what grows would be the format's own
    python3 "$fx/make_big_doc.py" $f "$tmp/small.$f" 2 repeat
    python3 "$fx/make_big_doc.py" $f "$tmp/big.$f" 8 repeat
    if [ $f = md ] && ! "$TOLK_BIN" translate -f "$fx/sample.md" --copy-source --quiet > /dev/null 2>&1; then
        echo "SKIP (cpu): md: tolk was built without md4c"
        continue
    fi
    small_kb=$(peak_kb "$tmp/small.$f" "$tmp/small.out.$f")
    big_kb=$(peak_kb "$tmp/big.$f" "$tmp/big.out.$f")
    if [ $f = md ]; then
        # md4c reads the whole (mapped) file and keeps a list of its lines: what grows is about twice
        # the file (read whole, it was about 10 times), the segments go window by window
        check "md: peak RSS ${big_kb} KB for 8 MB within 4 MB + 3 x 6 MB of ${small_kb} KB for 2 MB" \
            test "${big_kb:-999999999}" -lt $((${small_kb:-0} + 4096 + 18432))
    else
        check "$f: peak RSS ${big_kb} KB for 8 MB within 4 MB of ${small_kb} KB for 2 MB" \
            test "${big_kb:-999999999}" -lt $((${small_kb:-0} + 4096))
    fi
    if [ $f = po ]; then
        # every entry filled (the header's msgstr "" is the one left), none lost
        check "po: every entry filled" test "$(grep -c '^msgstr ""$' "$tmp/big.out.po")" -eq 1
        check "po: as many entries as before" \
            test "$(grep -c '^msgid ' "$tmp/big.out.po")" -eq "$(grep -c '^msgid ' "$tmp/big.po")"
    else
        check "$f: the identity translation gives the big file back byte for byte" cmp -s "$tmp/big.$f" "$tmp/big.out.$f"
    fi
    "$TOLK_BIN" translate -f "$tmp/big.$f" --copy-source --quiet > "$tmp/big.stdout.$f"
    check "$f: standard output is the -o output" cmp -s "$tmp/big.out.$f" "$tmp/big.stdout.$f"
    rm -f "$tmp/small.$f" "$tmp/small.out.$f" "$tmp/big.out.$f" "$tmp/big.stdout.$f"
done

# broken at the very end: found before anything is translated or written
fails_at_end() { # FORMAT EXPECTED-TEXT
    "$TOLK_BIN" translate -f "$tmp/broken.$1" --copy-source --quiet -o "$tmp/broken.out.$1" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    check "$1 broken at the end: exit 1" test $rc -eq 1
    check "$1 broken at the end: one error line ($(cat "$tmp/err"))" test "$(wc -l < "$tmp/err")" -eq 1
    check "$1 broken at the end: says $2" grep -q "$2" "$tmp/err"
    check "$1 broken at the end: no output file" test ! -e "$tmp/broken.out.$1"
    "$TOLK_BIN" translate -f "$tmp/broken.$1" --copy-source --quiet > "$tmp/out" 2> /dev/null
    check "$1 broken at the end: nothing on standard output" test ! -s "$tmp/out"
}
{ cat "$tmp/big.po"; printf 'msgid "never closed\nmsgstr ""\n'; } > "$tmp/broken.po"
fails_at_end po "malformed string"
{ cat "$tmp/big.html"; printf '<p>Caf\351</p>\n'; } > "$tmp/broken.html"
fails_at_end html "invalid UTF-8"
{ cat "$tmp/big.srt"; printf '99999\nno timing here\n'; } > "$tmp/broken.srt"
fails_at_end srt "timing"
{ cat "$tmp/big.txt"; printf 'A NUL \000 byte\n'; } > "$tmp/broken.txt"
fails_at_end txt "NUL"
# a huge line (3 MB without a line break) is one paragraph, given back as it was
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "Word %d is ok. ", i; print "" }' > "$tmp/line.txt"
"$TOLK_BIN" translate -f "$tmp/line.txt" --copy-source --quiet -o "$tmp/line.out.txt"
check "a huge line comes back byte for byte" cmp -s "$tmp/line.txt" "$tmp/line.out.txt"
finish

#!/bin/sh
# `tolk translate -f FILE` without a model: every fixture of tests/fixtures/formats through
# --copy-source (in-place formats come back byte for byte, bilingual ones as their .expected file),
# -o and --report, one error line and a non-zero exit for bad input and bad option mixes, and the
# one "built without" line where libxml2 or md4c is missing (the minimal build of .ci/run runs it).
. "${TOLK_SRCDIR:-.}/tests/lib.sh"
fx=${TOLK_SRCDIR:-.}/tests/fixtures/formats
tmp=${TMPDIR:-/tmp}/tolk-format-cli.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

# one error line, exit 1
fails_one_line() { # DESCRIPTION EXPECTED-TEXT COMMAND...
    desc=$1 want=$2; shift 2
    "$@" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ $rc -eq 1 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q "$want" "$tmp/err"; then ok; else
        bad "$desc: exit $rc, stderr: $(cat "$tmp/err")"
    fi
}

for f in sample.txt sample.srt sample.vtt sample.html sample.md sample.po sample.xlf sample20.xlf sample.sdlxliff \
    sample.mqxliff; do
    want=$fx/$f
    [ -f "$fx/$f.expected" ] && want=$fx/$f.expected
    if "$TOLK_BIN" translate -f "$fx/$f" --copy-source --quiet -o "$tmp/$f" 2> "$tmp/err"; then
        check "$f: --copy-source gives $(basename "$want")" cmp -s "$want" "$tmp/$f"
    elif grep -q "tolk was built without" "$tmp/err"; then
        check "$f: one 'built without' line" test "$(wc -l < "$tmp/err")" -eq 1
        echo "SKIP (cpu): $f: $(cat "$tmp/err")"
    else
        bad "$f: $(cat "$tmp/err")"
    fi
done

# --overwrite translates filled targets again, never confirmed ones
if "$TOLK_BIN" translate -f "$fx/sample.xlf" --copy-source --overwrite --quiet -o "$tmp/ow.xlf" 2> /dev/null; then
    check "--overwrite replaces a filled target" sh -c "! grep -q Abbrechen '$tmp/ow.xlf'"
    check "--overwrite keeps approved units" grep -q '<target></target>' "$tmp/ow.xlf"
    "$TOLK_BIN" translate -f "$fx/sample.mqxliff" --copy-source --overwrite --quiet -o "$tmp/ow.mqxliff"
    check "--overwrite keeps memoQ confirmed units" grep -q 'Schon bestätigt' "$tmp/ow.mqxliff"
    check "--overwrite keeps memoQ ManuallyConfirmed units" grep -q 'Manuell bestätigt' "$tmp/ow.mqxliff"
    check "a memoQ Reviewer1Confirmed unit is not filled" sh -c "! grep -q 'by the reviewer.</target>' '$tmp/ow.mqxliff'"
fi
"$TOLK_BIN" translate -f "$fx/sample.po" --copy-source --quiet -o "$tmp/keep.po"
check "a filled PO entry stays without --overwrite" grep -q 'msgstr "Otwórz"' "$tmp/keep.po"

# a big generated XLIFF (40,000 units, about 6 MB): every target filled, still well-formed
if command -v python3 > /dev/null && "$TOLK_BIN" translate -f "$fx/sample.xlf" --copy-source --quiet > /dev/null 2>&1; then
    python3 - "$tmp/big.xlf" <<'EOP'
import sys
with open(sys.argv[1], "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">\n'
            '<file original="big" source-language="en" datatype="plaintext"><body>\n')
    for i in range(40000):
        f.write(f'<trans-unit id="u{i}"><source>Unit {i} with <g id="1">bold</g> text, %s and https://example.org/{i}.'
                '</source></trans-unit>\n')
    f.write('</body></file></xliff>\n')
EOP
    "$TOLK_BIN" translate -f "$tmp/big.xlf" --copy-source --quiet -o "$tmp/big.out.xlf"
    check "big XLIFF: every unit has a target" test "$(grep -c '<target state="needs-review-translation"' "$tmp/big.out.xlf")" -eq 40000
    if command -v xmllint > /dev/null; then
        check "big XLIFF: well-formed" xmllint --noout "$tmp/big.out.xlf"
    fi
fi

# memory does not grow with a big XLIFF file: checked and counted in a first pass, then read,
# translated and written window by window (docs/FORMATS.md, "XLIFF in bounded memory"); before
# that it was about 650 bytes per unit on top of the file. GNU time measures.
if command -v python3 > /dev/null && /usr/bin/time -f %M true > /dev/null 2>&1 &&
    "$TOLK_BIN" translate -f "$fx/sample.xlf" --copy-source --quiet > /dev/null 2>&1; then
    python3 "$fx/make_big_xliff.py" "$tmp/small.xlf" 20000
    python3 "$fx/make_big_xliff.py" "$tmp/mem.xlf" 100000
    small_kb=$(/usr/bin/time -f %M "$TOLK_BIN" translate -f "$tmp/small.xlf" --copy-source --quiet \
        -o "$tmp/small.out.xlf" 2>&1 | tail -1)
    kb=$(/usr/bin/time -f %M "$TOLK_BIN" translate -f "$tmp/mem.xlf" --copy-source --quiet -o "$tmp/mem.out.xlf" 2>&1 |
        tail -1)
    check "big XLIFF: every unit written" test "$(grep -c '<target state="needs-review-translation"' "$tmp/mem.out.xlf")" -eq 100000
    check "big XLIFF: peak RSS ${kb} KB for 100,000 units within 4 MB of ${small_kb} KB for 20,000" \
        test "${kb:-999999999}" -lt $((${small_kb:-0} + 4096))
    # to standard output, and with every unit skipped (one long stretch of the file without an edit)
    out_kb=$(/usr/bin/time -f %M -o "$tmp/time" "$TOLK_BIN" translate -f "$tmp/mem.xlf" --copy-source --quiet \
        > "$tmp/mem.stdout.xlf"; tail -1 "$tmp/time")
    check "big XLIFF to standard output: peak RSS ${out_kb} KB within 4 MB of ${small_kb} KB" \
        test "${out_kb:-999999999}" -lt $((${small_kb:-0} + 4096))
    check "big XLIFF: standard output is the -o output" cmp -s "$tmp/mem.out.xlf" "$tmp/mem.stdout.xlf"
    # from a pipe: spooled to an unlinked temporary file and mapped, not held in memory
    mkdir -p "$tmp/spool"
    pipe_kb=$(cat "$tmp/mem.xlf" | TMPDIR=$tmp/spool /usr/bin/time -f %M -o "$tmp/time" "$TOLK_BIN" translate -f - \
        --format xliff --copy-source --quiet -o "$tmp/mem.pipe.xlf"; tail -1 "$tmp/time")
    check "big XLIFF from a pipe: the -o output" cmp -s "$tmp/mem.out.xlf" "$tmp/mem.pipe.xlf"
    check "big XLIFF from a pipe: peak RSS ${pipe_kb} KB within 4 MB of ${small_kb} KB" \
        test "${pipe_kb:-999999999}" -lt $((${small_kb:-0} + 4096))
    check "big XLIFF from a pipe: no temporary file left" test -z "$(ls "$tmp/spool")"
    rm -f "$tmp/mem.pipe.xlf"
    sed 's|</source></trans-unit>|</source><target>fertig</target></trans-unit>|' "$tmp/mem.xlf" > "$tmp/filled.xlf"
    filled_kb=$(/usr/bin/time -f %M "$TOLK_BIN" translate -f "$tmp/filled.xlf" --copy-source --quiet \
        -o "$tmp/filled.out.xlf" 2>&1 | tail -1)
    check "filled big XLIFF: written unchanged" cmp -s "$tmp/filled.xlf" "$tmp/filled.out.xlf"
    check "filled big XLIFF: peak RSS ${filled_kb} KB within 4 MB of ${small_kb} KB" \
        test "${filled_kb:-999999999}" -lt $((${small_kb:-0} + 4096))
    rm -f "$tmp/mem.stdout.xlf" "$tmp/filled.xlf" "$tmp/filled.out.xlf"
    # every unit a new text: the run's memo of translations fills up to its bound (two generations
    # of 8 MB) and stays there
    python3 "$fx/make_big_xliff.py" "$tmp/d1.xlf" 100000 1.2 distinct
    python3 "$fx/make_big_xliff.py" "$tmp/d2.xlf" 200000 1.2 distinct
    d1_kb=$(/usr/bin/time -f %M "$TOLK_BIN" translate -f "$tmp/d1.xlf" --copy-source --quiet -o "$tmp/d.out.xlf" 2>&1 |
        tail -1)
    d2_kb=$(/usr/bin/time -f %M "$TOLK_BIN" translate -f "$tmp/d2.xlf" --copy-source --quiet -o "$tmp/d.out.xlf" 2>&1 |
        tail -1)
    check "distinct XLIFF: peak RSS ${d2_kb} KB for 200,000 new texts within 4 MB of ${d1_kb} KB for 100,000" \
        test "${d2_kb:-999999999}" -lt $((${d1_kb:-0} + 4096))
    rm -f "$tmp/d1.xlf" "$tmp/d2.xlf" "$tmp/d.out.xlf"
    # the streamed pass (-o FILE) writes what the whole-document pass (standard output) writes
    "$TOLK_BIN" translate -f "$tmp/small.xlf" --copy-source --overwrite --quiet > "$tmp/small.whole.xlf"
    "$TOLK_BIN" translate -f "$tmp/small.xlf" --copy-source --overwrite --quiet -o "$tmp/small.stream.xlf"
    check "big XLIFF: streamed output equals the whole-document output" \
        cmp -s "$tmp/small.whole.xlf" "$tmp/small.stream.xlf"
    # malformed at the very end: one error line before anything is translated, no output file, no
    # temporary file left
    sed '$d' "$tmp/small.xlf" > "$tmp/late.xlf"
    printf '</body></file>\n<trans-unit>\n' >> "$tmp/late.xlf"
    lines=$(wc -l < "$tmp/late.xlf")
    fails_one_line "malformed at the end of a big XLIFF" "late.xlf: line $lines: malformed XML" \
        "$TOLK_BIN" translate -f "$tmp/late.xlf" --copy-source -o "$tmp/late.out.xlf"
    check "no output file after a late XML error" test ! -e "$tmp/late.out.xlf"
    check "no temporary file after a late XML error" sh -c "! ls '$tmp' | grep -q 'late.out.xlf.tmp'"
fi

# a file of exactly one page cannot be mapped with a zero byte after it: it is read instead, with
# the same result; so is a FIFO
if command -v python3 > /dev/null && "$TOLK_BIN" translate -f "$fx/sample.xlf" --copy-source --quiet > /dev/null 2>&1; then
    python3 - "$tmp/page.xlf" <<'EOP'
import sys
s = ('<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
     '<file original="a" source-language="en" datatype="plaintext"><body><trans-unit id="1"><source>Hello there'
     '</source></trans-unit></body></file></xliff>')
open(sys.argv[1], "w").write(s + " " * (4096 - len(s) - 1) + "\n")
EOP
    "$TOLK_BIN" translate -f "$tmp/page.xlf" --copy-source --quiet -o "$tmp/page.out.xlf"
    check "a one-page XLIFF file is read and filled" grep -q '<target state="needs-review-translation" state-qualifier="leveraged-mt">Hello there</target>' "$tmp/page.out.xlf"
    if mkfifo "$tmp/in.fifo" 2> /dev/null; then
        cat "$tmp/page.xlf" > "$tmp/in.fifo" &
        "$TOLK_BIN" translate -f "$tmp/in.fifo" --format xliff --copy-source --quiet -o "$tmp/fifo.out.xlf"
        wait
        check "a FIFO is read like a file" cmp -s "$tmp/page.out.xlf" "$tmp/fifo.out.xlf"
    fi
fi

# standard input and output, --format
"$TOLK_BIN" translate -f - --format srt --copy-source --quiet < "$fx/sample.srt" > "$tmp/stdin.srt" 2> "$tmp/err"
check "stdin to stdout with --format" cmp -s "$fx/sample.srt" "$tmp/stdin.srt"

# --front-matter-keys names the Markdown front matter keys translated (the report counts them)
fm_segments() { # KEYS: the segment count of front_yaml.md with those keys
    "$TOLK_BIN" translate -f "$fx/front_yaml.md" --copy-source --quiet --front-matter-keys "$1" -o "$tmp/fm.md" \
        --report "$tmp/fm.json" 2> /dev/null && cmp -s "$fx/front_yaml.md" "$tmp/fm.md" &&
        sed -n 's/.*"segments": \([0-9]*\).*/\1/p' "$tmp/fm.json"
}
if "$TOLK_BIN" translate -f "$fx/front_yaml.md" --copy-source --quiet > /dev/null 2>&1; then
    none=$(fm_segments "") two=$(fm_segments "title,author") three=$(fm_segments "title author summary")
    check "--front-matter-keys: none, two and three keys give 0, 2 and 3 front matter segments" \
        test -n "$none" -a "$two" = "$((none + 2))" -a "$three" = "$((none + 3))"
fi
fails_one_line "--front-matter-keys without -f" "go with -f FILE" "$TOLK_BIN" translate --front-matter-keys title --to de hi

# the report is JSON and counts the segments
"$TOLK_BIN" translate -f "$fx/sample.po" --copy-source --quiet -o "$tmp/r.po" --report "$tmp/r.json" 2> "$tmp/err"
check "report written" grep -q '"segments": 8' "$tmp/r.json"
if command -v python3 > /dev/null; then
    check "report is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/r.json"
fi
if command -v msgfmt > /dev/null; then
    check "the copied PO file passes msgfmt -c" msgfmt -c -o /dev/null "$tmp/r.po"
fi

# bad input and bad option mixes
printf 'msgid "x\nmsgstr ""\n' > "$tmp/bad.po"
fails_one_line "malformed PO" "bad.po: line 1" "$TOLK_BIN" translate -f "$tmp/bad.po" --copy-source
printf 'hello \377 world\n' > "$tmp/bad.txt"
fails_one_line "invalid UTF-8" "invalid UTF-8" "$TOLK_BIN" translate -f "$tmp/bad.txt" --copy-source
printf '<p>unclosed <b\n' > "$tmp/bad.html"
fails_one_line "unclosed tag" "never closed" "$TOLK_BIN" translate -f "$tmp/bad.html" --copy-source
fails_one_line "missing file" "No such file" "$TOLK_BIN" translate -f "$tmp/none.po" --copy-source
printf 'x' > "$tmp/file.docx"
fails_one_line "unknown extension" "cannot tell the format" "$TOLK_BIN" translate -f "$tmp/file.docx" --copy-source
fails_one_line "unknown --format" "unknown format" "$TOLK_BIN" translate -f "$tmp/file.docx" --format docx --copy-source
fails_one_line "-f and a text" "both -f FILE and a text" "$TOLK_BIN" translate -f "$fx/sample.po" --to de "Hello"
fails_one_line "-o without -f" "go with -f FILE" "$TOLK_BIN" translate -o "$tmp/x" --to de "Hello"
fails_one_line "no target language" "no target language" "$TOLK_BIN" translate -f "$fx/sample.po"
# a failed run leaves no output file behind
"$TOLK_BIN" translate -f "$tmp/bad.po" --copy-source -o "$tmp/never.po" 2> /dev/null
check "no output file after an error" test ! -e "$tmp/never.po"
if "$TOLK_BIN" translate -f "$fx/sample.xlf" --copy-source --quiet > /dev/null 2>&1; then
    printf '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n<xliff version="1.2"/>\n' \
        > "$tmp/bomb.xlf"
    fails_one_line "entity bomb" "a DTD is not allowed" "$TOLK_BIN" translate -f "$tmp/bomb.xlf" --copy-source
    printf '<?xml version="1.0"?>\n<xliff version="1.2"><file><body>\n<trans-unit id="1"><source>a <g>b</source>\n' \
        > "$tmp/bad.xlf"
    fails_one_line "malformed XLIFF" "line 3: malformed XML" "$TOLK_BIN" translate -f "$tmp/bad.xlf" --copy-source
fi

# -o naming something that is not a regular file (a FIFO here; /dev/null in real use) is written
# through, never replaced by a renamed temporary file.
if mkfifo "$tmp/fifo" 2> /dev/null; then
    cat "$tmp/fifo" > "$tmp/from-fifo" &
    reader=$!
    "$TOLK_BIN" translate -f "$fx/sample.txt" --copy-source --quiet -o "$tmp/fifo" 2> "$tmp/err"
    check "-o FIFO succeeds" test $? -eq 0
    wait "$reader"
    check "-o FIFO: still a FIFO" test -p "$tmp/fifo"
    check "-o FIFO: the reader got the document" cmp -s "$fx/sample.txt" "$tmp/from-fifo"
fi

finish

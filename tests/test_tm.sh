#!/bin/sh
# `tolk tm` end to end: TMX import/export byte-stable on the fixtures, hostile TMX files refused
# with one error line and a non-zero exit, a second writer refused with one line while an import
# runs, and an import killed with kill -9 in the middle of a transaction loses nothing it committed
# (the database stays whole, the next writer gets in).
. "${TOLK_SRCDIR:-..}/tests/lib.sh"
FIX="${TOLK_SRCDIR:-..}/tests/fixtures/tm"
T="$TOLK_BIN"
W=$TMPD # lib.sh's private directory, removed on exit

if ! "$T" tm stats --tm "$W/probe.sqlite" >/dev/null 2>"$W/probe.err" &&
    grep -q "built without SQLite" "$W/probe.err"; then
    # a build without SQLite: the feature says so in one line and fails
    check "without SQLite: one line" test "$(wc -l <"$W/probe.err")" -eq 1
    [ "$fail" -eq 0 ] || finish
    skip_cpu "tolk was built without SQLite: only its one-line refusal is checked"
fi

# round trip: the rich fixture to the canonical form, and the canonical form to itself
check "import rich.tmx" "$T" tm import --tm "$W/a.sqlite" "$FIX/rich.tmx"
check "export" "$T" tm export --tm "$W/a.sqlite" "$W/a.tmx"
check "rich.tmx exports as rich.expected.tmx" cmp "$W/a.tmx" "$FIX/rich.expected.tmx"
check "import canonical" "$T" tm import --tm "$W/b.sqlite" "$FIX/rich.expected.tmx"
check "export canonical" "$T" tm export --tm "$W/b.sqlite" "$W/b.tmx"
check "canonical round trip is byte-stable" cmp "$W/b.tmx" "$FIX/rich.expected.tmx"
out=$("$T" tm stats --tm "$W/b.sqlite")
check "stats per pair" contains "$out" "en-US -> de-DE	2"
check "stats total" contains "$out" "total	5"
out=$("$T" tm lookup --tm "$W/b.sqlite" --from en --to de "Press  <i>Start</i> to begin.")
check "exact lookup with other whitespace and placeholders" contains "$out" "100%	Press <b>Start</b> to begin."

# hostile and malformed files: one line, non-zero, never a crash
for f in "$FIX"/hostile/*.tmx; do
    "$T" tm import --tm "$W/h.sqlite" "$f" >/dev/null 2>"$W/err"
    rc=$?
    check "$(basename "$f"): refused" test "$rc" -eq 1
    check "$(basename "$f"): one error line" test "$(wc -l <"$W/err")" -eq 1
done
# a deeply nested document, generated
{ printf '<tmx version="1.4"><body>'; i=0; while [ $i -lt 3000 ]; do printf '<tu>'; i=$((i + 1)); done; } >"$W/deep.tmx"
"$T" tm import --tm "$W/h.sqlite" "$W/deep.tmx" >/dev/null 2>"$W/err"
check "deep nesting refused" test $? -eq 1
check "deep nesting: one line" test "$(wc -l <"$W/err")" -eq 1
check "nothing from the hostile files got in" test "$("$T" tm stats --tm "$W/h.sqlite")" = "total	0"

# a writer that holds the TM: an import reading from a FIFO we feed slowly
unit() { printf '<tu><tuv xml:lang="en"><seg>Segment number %s of the manual.</seg></tuv><tuv xml:lang="de"><seg>Segment Nummer %s des Handbuchs.</seg></tuv></tu>\n' "$1" "$1"; }
mkfifo "$W/feed"
"$T" tm import --tm "$W/k.sqlite" "$W/feed" >/dev/null 2>&1 &
importer=$!
exec 3>"$W/feed"
printf '<?xml version="1.0"?>\n<tmx version="1.4"><header srclang="en"/><body>\n' >&3
i=0
while [ $i -lt 2500 ]; do unit $i; i=$((i + 1)); done >&3
# wait (at most 30 s) until two transactions of 1000 units are committed
n=0
tries=0
while [ $tries -lt 300 ]; do
    n=$("$T" tm stats --tm "$W/k.sqlite" 2>/dev/null | sed -n 's/^total	//p')
    [ "${n:-0}" -ge 2000 ] && break
    sleep 0.1
    tries=$((tries + 1))
done
check "the importer committed 2000 units while running (got ${n:-none})" test "${n:-0}" -ge 2000
"$T" tm add --tm "$W/k.sqlite" --from en --to de "Second writer" "Zweiter Schreiber" >/dev/null 2>"$W/err"
check "second writer refused" test $? -eq 1
check "second writer: one line" test "$(wc -l <"$W/err")" -eq 1
check "second writer: says why" grep -q "being written by another process" "$W/err"
kill -9 $importer
wait $importer 2>/dev/null
exec 3>&-
n=$("$T" tm stats --tm "$W/k.sqlite" | sed -n 's/^total	//p')
check "kill -9 lost nothing committed (${n:-none} units)" test "${n:-0}" -ge 2000
check "... and nothing half-written (whole transactions only)" test "$((${n:-1} % 1000))" -eq 0
check "the next writer gets in" "$T" tm add --tm "$W/k.sqlite" --from en --to de "After the kill" "Nach dem Abbruch"
check "the database reads back whole" "$T" tm export --tm "$W/k.sqlite" "$W/k.tmx"
check "export has every unit" test "$(grep -c '<tu ' "$W/k.tmx")" -eq $((n + 1))
out=$("$T" tm lookup --tm "$W/k.sqlite" --from en --to de "Segment number 1500 of the manual.")
check "a committed unit is found" contains "$out" "100%	Segment number 1500 of the manual."

# usage errors: one line each
"$T" tm export --tm "$W/k.sqlite" --from en "$W/x.tmx" 2>"$W/err"
check "export needs both languages" test $? -eq 1
"$T" tm stats --tm "$W/none.sqlite" 2>"$W/err"
check "missing TM refused" test $? -eq 1
check "missing TM: one line" test "$(wc -l <"$W/err")" -eq 1
check "missing TM not created" test ! -e "$W/none.sqlite"
finish

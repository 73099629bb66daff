#!/bin/sh
# Peak RSS and time of `tolk translate -f` on big generated XLIFF files (docs/FORMATS.md, "XLIFF in
# bounded memory"): XLIFF 1.2 where every unit is the same text to the translator, XLIFF 1.2 where
# every unit is a new text (the run's memo fills up) and XLIFF 2.0, each of UNITS units (382,000
# make about 50 MB), through --copy-source (the identity "translation": parse, protect, restore,
# check, write; no model). GNU time measures; CPU seconds per MB are user + sys over the input size.
# With BASE (another build's tolk, e.g. main's), both run on each file in turn and their outputs
# must be the same bytes.
# usage: bench/xliff_memory.sh BUILD [UNITS] [BASE-TOLK]
set -eu
build=$1
units=${2:-382000}
base=${3:-}
src=$(cd "$(dirname "$0")/.." && pwd)
tolk=$build/tolk
tmp=${TMPDIR:-/tmp}/tolk-xliff-memory.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
/usr/bin/time -f %M true > /dev/null 2>&1 || { echo "needs GNU time (/usr/bin/time)" >&2; exit 1; }

python3 "$src/tests/fixtures/formats/make_big_xliff.py" "$tmp/same.xlf" "$units" 1.2
python3 "$src/tests/fixtures/formats/make_big_xliff.py" "$tmp/distinct.xlf" "$units" 1.2 distinct
python3 "$src/tests/fixtures/formats/make_big_xliff.py" "$tmp/v2.xlf" "$units" 2.0

# one run: prints "peak-RSS-MB cpu-s s/MB wall-s"
measure() { # TOLK IN OUT
    /usr/bin/time -f '%M %U %S %e' -o "$tmp/time" "$1" translate --copy-source --quiet -f "$2" -o "$3"
    mb=$(awk -v b="$(wc -c < "$2")" 'BEGIN { printf "%.1f", b / 1048576 }')
    awk -v mb="$mb" '{ printf "%.1f %.2f %.3f %.2f", $1 / 1024, $2 + $3, ($2 + $3) / mb, $4 }' "$tmp/time"
}

echo "| file | MB | build | peak RSS MB | CPU s | CPU s/MB | wall s |"
echo "|---|---|---|---|---|---|---|"
for f in same distinct v2; do
    mb=$(awk -v b="$(wc -c < "$tmp/$f.xlf")" 'BEGIN { printf "%.1f", b / 1048576 }')
    set -- $(measure "$tolk" "$tmp/$f.xlf" "$tmp/$f.out.xlf")
    echo "| $f | $mb | this | $1 | $2 | $3 | $4 |"
    if [ -n "$base" ]; then
        set -- $(measure "$base" "$tmp/$f.xlf" "$tmp/$f.base.xlf")
        echo "| $f | $mb | base | $1 | $2 | $3 | $4 |"
        cmp -s "$tmp/$f.out.xlf" "$tmp/$f.base.xlf" || { echo "outputs differ on $f" >&2; exit 1; }
    fi
done

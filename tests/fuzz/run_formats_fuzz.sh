#!/bin/sh
# Bounded libFuzzer run of the document readers and writers (runtime/formats/: PO, SRT, WebVTT,
# HTML, XLIFF through libxml2, Markdown through md4c, plain text) for SECONDS (default 20), built
# with clang and ASan+UBSan straight from the sources and seeded with tests/fixtures/formats (each
# file behind the byte that picks its format). Fails on any crash.
# usage: tests/fuzz/run_formats_fuzz.sh [SECONDS]
set -eu
secs=${1:-20}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${TMPDIR:-/tmp}/tolk-formats-fuzz.$$
mkdir -p "$work/corpus"
trap 'rm -rf "$work"' EXIT
command -v clang >/dev/null || { echo "clang not found: install clang to run the fuzzer"; exit 1; }
# config.h for the optional libraries this machine has
: > "$work/config.h"
libs=""
if pkg-config --exists libxml-2.0; then echo '#define HAVE_LIBXML2 1' >> "$work/config.h"; libs="$libs libxml-2.0"; fi
if pkg-config --exists md4c; then echo '#define HAVE_MD4C 1' >> "$work/config.h"; libs="$libs md4c"; fi
# shellcheck disable=SC2086
extra=$( [ -n "$libs" ] && pkg-config --cflags --libs $libs || true)
# the readers, writers and the translation loop (constrain.c needs a model's vocabulary: not here)
srcs=$(ls "$src"/runtime/formats/*.c | grep -v '/constrain\.c$')
# shellcheck disable=SC2086
clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$work" -I"$src/runtime" -I"$src/runtime/base" -I"$src/runtime/formats" -o "$work/formats_fuzz" \
    "$src/tests/fuzz/formats_fuzz.c" $srcs "$src/runtime/base/error.c" $extra
# seeds: the format's index (order of fmt_all in runtime/formats/doc.c) then the fixture
i=0
for fmt in txt po srt vtt xlf md html; do
    for f in "$src"/tests/fixtures/formats/sample*."$fmt" "$src"/tests/fixtures/formats/sample*."$fmt"liff; do
        [ -f "$f" ] || continue
        { printf "\\$(printf '%03o' "$i")"; cat "$f"; } > "$work/corpus/$(basename "$f")"
    done
    i=$((i + 1))
done
cd "$work"
rc=0
./formats_fuzz -max_total_time="$secs" -max_len=8192 -rss_limit_mb=1024 -timeout=5 -print_final_stats=1 corpus \
    > fuzz.log 2>&1 || rc=$?
tail -n 5 fuzz.log
cp fuzz.log "${TMPDIR:-/tmp}/tolk-formats-fuzz.log" 2>/dev/null || true
if [ $rc -ne 0 ]; then
    mkdir -p "$src/build-fuzz-artifacts"
    cp crash-* leak-* timeout-* oom-* "$src/build-fuzz-artifacts/" 2>/dev/null || true
    grep -A 30 'ERROR' fuzz.log | head -40
    echo "fuzz: the document readers failed (exit $rc); inputs kept in build-fuzz-artifacts/"
    exit 1
fi
echo "fuzz: ${secs}s of the document readers without a crash"

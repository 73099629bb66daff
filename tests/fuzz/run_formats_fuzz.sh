#!/bin/sh
# Bounded libFuzzer run of the document readers and writers (runtime/formats/: PO, SRT, WebVTT,
# HTML, XLIFF through libxml2, Markdown through md4c, plain text) for SECONDS (default 20), built
# with clang and ASan+UBSan straight from the sources and seeded with tests/fixtures/formats (each
# file behind the byte that picks its format). Fails on any crash.
# usage: tests/fuzz/run_formats_fuzz.sh [SECONDS]
set -eu
secs=${1:-20}
. "$(dirname "$0")/fuzzlib.sh"
fuzz_setup formats-fuzz
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
fuzz_build "$work/formats_fuzz" -I"$work" -I"$src/runtime/formats" "$src/tests/fuzz/formats_fuzz.c" $srcs \
    "$src/runtime/base/error.c" $extra
# seeds: the format's index (order of fmt_all in runtime/formats/doc.c) then the fixture
i=0
for fmt in txt po srt vtt xlf md html; do
    # (XLIFF: .xlf and the vendors' .sdlxliff, .mqxliff, .mxliff)
    for f in "$src"/tests/fixtures/formats/*."$fmt" "$src"/tests/fixtures/formats/*."${fmt%xlf}"*xliff; do
        [ -f "$f" ] || continue
        { printf "\\$(printf '%03o' "$i")"; cat "$f"; } > "$work/corpus/$(basename "$f")"
    done
    i=$((i + 1))
done
fuzz_run "$work/formats_fuzz" "$secs" 8192 corpus "the document readers"
echo "fuzz: ${secs}s of the document readers without a crash"

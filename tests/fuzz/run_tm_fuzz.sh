#!/bin/sh
# Bounded libFuzzer run of the translation memory's and the glossaries' readers (tests/fuzz/tm_fuzz.c:
# TMX import into an in-memory TM, tab-separated, CSV and TBX glossaries) for SECONDS (default 20),
# built with clang and ASan+UBSan straight from the sources, seeded with the fixtures of
# tests/fixtures/tm/. Fails on any crash, leak or message-less refusal.
# usage: tests/fuzz/run_tm_fuzz.sh [SECONDS]
set -eu
secs=${1:-20}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${TMPDIR:-/tmp}/tolk-tm-fuzz.$$
mkdir -p "$work/corpus"
trap 'rm -rf "$work"' EXIT
command -v clang >/dev/null || { echo "clang not found: install clang to run the fuzzer"; exit 1; }
pkg-config --exists sqlite3 libxml-2.0 || { echo "the fuzzer needs the sqlite3 and libxml2 development files"; exit 1; }
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 -I$src/runtime -I$src/runtime/base -I$src/runtime/tm -I$src/runtime/translate -I$src/runtime/tokenizer $(pkg-config --cflags sqlite3 libxml-2.0)"
# shellcheck disable=SC2086
clang $flags -o "$work/tm_fuzz" "$src/tests/fuzz/tm_fuzz.c" "$src/runtime/base/error.c" \
    "$src/runtime/tm/tm_text.c" "$src/runtime/tm/tm_db.c" "$src/runtime/tm/tm_lookup.c" "$src/runtime/tm/tm_tmx.c" \
    "$src/runtime/translate/glossary.c" "$src/runtime/translate/glossary_words.c" \
    "$src/runtime/translate/glossary_tbx.c" "$src/runtime/tokenizer/unicode.c" \
    "$src/runtime/tokenizer/unicode_tables.c" $(pkg-config --libs sqlite3 libxml-2.0)
# seeds: the first byte picks the reader (0 TMX, 1 TSV, 2 CSV, 3 TBX)
i=0
for f in "$src"/tests/fixtures/tm/*.tmx "$src"/tests/fixtures/tm/hostile/*.tmx; do
    { printf '\000'; cat "$f"; } >"$work/corpus/tmx$i"; i=$((i + 1))
done
for f in "$src"/tests/fixtures/tm/glossary/*; do
    case "$f" in *.tsv) b='\001' ;; *.csv) b='\002' ;; *) b='\003' ;; esac
    { printf "$b"; cat "$f"; } >"$work/corpus/gl$i"; i=$((i + 1))
done
cd "$work"
rc=0
./tm_fuzz -max_total_time="$secs" -max_len=8192 -rss_limit_mb=1024 -timeout=5 -print_final_stats=1 corpus \
    >fuzz.log 2>&1 || rc=$?
tail -n 5 fuzz.log
if [ $rc -ne 0 ]; then
    mkdir -p "$src/build-fuzz-artifacts"
    cp crash-* leak-* timeout-* oom-* "$src/build-fuzz-artifacts/" 2>/dev/null || true
    grep -m 20 -E "ERROR|SUMMARY|#[0-9]+ 0x" fuzz.log || true
    echo "fuzz: the TM/glossary readers failed (exit $rc); inputs kept in build-fuzz-artifacts/"
    exit 1
fi
echo "fuzz: ${secs}s of the TMX, TSV, CSV and TBX readers without a crash"

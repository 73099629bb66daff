#!/bin/sh
# Bounded libFuzzer run of the translation memory's and the glossaries' readers (tests/fuzz/tm_fuzz.c:
# TMX import into an in-memory TM, tab-separated, CSV and TBX glossaries) for SECONDS (default 20),
# built with clang and ASan+UBSan straight from the sources, seeded with the fixtures of
# tests/fixtures/tm/. Fails on any crash, leak or message-less refusal.
# usage: tests/fuzz/run_tm_fuzz.sh [SECONDS]
set -eu
secs=${1:-20}
. "$(dirname "$0")/fuzzlib.sh"
fuzz_setup tm-fuzz
pkg-config --exists sqlite3 libxml-2.0 || { echo "the fuzzer needs the sqlite3 and libxml2 development files"; exit 1; }
# shellcheck disable=SC2046
fuzz_build "$work/tm_fuzz" -I"$src/runtime/tm" -I"$src/runtime/translate" -I"$src/runtime/tokenizer" \
    $(pkg-config --cflags sqlite3 libxml-2.0) "$src/tests/fuzz/tm_fuzz.c" "$src/runtime/base/error.c" \
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
fuzz_run "$work/tm_fuzz" "$secs" 8192 corpus "the TM/glossary readers"
echo "fuzz: ${secs}s of the TMX, TSV, CSV and TBX readers without a crash"

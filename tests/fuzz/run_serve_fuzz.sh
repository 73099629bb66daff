#!/bin/sh
# Bounded libFuzzer runs of the request parsers of `tolk serve`: the JSON parser, then the form /
# query decoder with the language mapping, each for SECONDS (default 30), built with clang and
# ASan+UBSan straight from the sources and seeded with a few requests. Fails on any crash.
# usage: tests/fuzz/run_serve_fuzz.sh [SECONDS]
set -eu
secs=${1:-30}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${TMPDIR:-/tmp}/tolk-serve-fuzz.$$
mkdir -p "$work/json" "$work/form"
trap 'rm -rf "$work"' EXIT
command -v clang >/dev/null || { echo "clang not found: install clang to run the fuzzer"; exit 1; }
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$src/serve"
clang $flags -o "$work/json_fuzz" "$src/tests/fuzz/serve_json_fuzz.c" "$src/serve/serve_json.c" "$src/serve/serve_buf.c" -lm
clang $flags -o "$work/form_fuzz" "$src/tests/fuzz/serve_form_fuzz.c" "$src/serve/serve_form.c" "$src/serve/serve_buf.c" \
    "$src/serve/serve_lang.c"
printf '{"model":"m","messages":[{"role":"user","content":"Hi \\u00e9\\ud83d\\ude00"}],"max_tokens":16,"stream":true}' > "$work/json/chat"
printf '{"q":["a","b"],"source":"auto","target":"pt-BR","alternatives":2,"x":[1.5e3,-0,null,false]}' > "$work/json/libre"
printf 'q=Good+morning%%21&langpair=eng%%7Cdeu&markUnknown=no' > "$work/form/apy"
printf 'text=Yes&text=%%C3%%A9&target_lang=EN-US&source_lang=ZH-HANS&auth_key=k' > "$work/form/deepl"
cd "$work"
rc=0
for h in json form; do
    "./${h}_fuzz" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=1024 -timeout=5 -print_final_stats=1 "$h" \
        > "$h.log" 2>&1 || rc=$?
    tail -n 5 "$h.log"
    if [ $rc -ne 0 ]; then
        mkdir -p "$src/build-fuzz-artifacts"
        cp crash-* leak-* timeout-* oom-* "$src/build-fuzz-artifacts/" 2>/dev/null || true
        echo "fuzz: the $h parser of tolk serve failed (exit $rc); inputs kept in build-fuzz-artifacts/"
        exit 1
    fi
done
echo "fuzz: ${secs}s each for the JSON and form parsers without a crash"

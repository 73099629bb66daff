#!/bin/sh
# Bounded libFuzzer runs of the request parsers of `tolk serve`: the JSON parser, then the form /
# query decoder with the multipart parser, the language mapping and detection and the markup
# lexer, each for SECONDS (default 30), built with clang and
# ASan+UBSan straight from the sources and seeded with a few requests. Fails on any crash.
# usage: tests/fuzz/run_serve_fuzz.sh [SECONDS]
set -eu
secs=${1:-30}
. "$(dirname "$0")/fuzzlib.sh"
fuzz_setup serve-fuzz
mkdir -p "$work/json" "$work/form"
fuzz_build "$work/json_fuzz" -I"$src/serve" "$src/tests/fuzz/serve_json_fuzz.c" "$src/serve/serve_json.c" \
    "$src/serve/serve_buf.c" -lm
fuzz_build "$work/form_fuzz" -I"$src/serve" "$src/tests/fuzz/serve_form_fuzz.c" "$src/serve/serve_form.c" \
    "$src/serve/serve_multipart.c" "$src/serve/serve_buf.c" "$src/serve/serve_lang.c" "$src/serve/serve_detect.c" \
    "$src/serve/serve_markup.c"
printf '{"model":"m","messages":[{"role":"user","content":"Hi \\u00e9\\ud83d\\ude00"}],"max_tokens":16,"stream":true}' > "$work/json/chat"
printf '{"q":["a","b"],"source":"auto","target":"pt-BR","alternatives":2,"x":[1.5e3,-0,null,false]}' > "$work/json/libre"
printf 'q=Good+morning%%21&langpair=eng%%7Cdeu&markUnknown=no' > "$work/form/apy"
printf 'text=Yes&text=%%C3%%A9&target_lang=EN-US&source_lang=ZH-HANS&auth_key=k' > "$work/form/deepl"
printf -- '--XyZ\r\nContent-Disposition: form-data; name="q"\r\n\r\nGuten Morgen\r\n--XyZ--\r\n' > "$work/form/multipart"
printf 'Привіт, як справи? Dzień dobry, jak się masz?' > "$work/form/detect"
printf 'Click <b>here</b> <x id="3"></x><!-- c --><![CDATA[<i>]]><a title="a > b">x</a> 1 < 2' > "$work/form/markup"
for h in json form; do
    fuzz_run "$work/${h}_fuzz" "$secs" 4096 "$h" "the $h parser of tolk serve"
done
echo "fuzz: ${secs}s each for the JSON and form parsers without a crash"

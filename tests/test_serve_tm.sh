#!/bin/sh
# `tolk serve --tm DB --glossary FILE` on the loopback address: a text the TM holds comes back as
# the TM's target (LibreTranslate, DeepL and APy shapes) without the model; a glossary term the
# default model leaves out ("sofa" -> "Couchgarnitur") is in the answer; texts with a glossary term
# and with a fuzzy match, sent at once, run on the batching scheduler (its generation counter grows;
# exact matches leave it alone) and get the very answers `tolk translate` gives them with the same
# TM and glossary; a request without a source language still goes through the batching scheduler;
# a missing TM or glossary stops the server at start with one line. Needs curl, python3 and the
# default model.
. "$(dirname "$0")/lib.sh"
T=$TOLK_BIN
"$T" serve -m /dev/null --host not-an-address 2>"$TMPD/probe"
grep -q "built without libmicrohttpd" "$TMPD/probe" && skip_cpu "tolk was built without libmicrohttpd"
if ! "$T" tm stats --tm "$TMPD/probe.sqlite" >/dev/null 2>"$TMPD/probe.err" &&
    grep -q "built without SQLite" "$TMPD/probe.err"; then
    skip_cpu "tolk was built without SQLite"
fi
command -v curl >/dev/null || skip "curl is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
need_default_model

db=$TMPD/tm.sqlite
src="The red valve must be closed before the pump starts."
tgt="Das rote Ventil muss vor dem Start der Pumpe geschlossen sein (TM)."
check "tm add" "$T" tm add "$src" "$tgt" --from en --to de --tm "$db"
printf 'sofa\tCouchgarnitur\n' >"$TMPD/terms.tsv"

# start-up refusals: one line, non-zero
timeout 60 "$T" serve -m "$DEFAULT_MODEL" --port 0 --tm "$TMPD/none/tm.sqlite" 2>"$TMPD/err1" && bad "missing TM accepted"
check "missing TM: one error line" test "$(grep -c 'error' "$TMPD/err1")" -eq 1
timeout 60 "$T" serve -m "$DEFAULT_MODEL" --port 0 --glossary "$TMPD/none.tsv" 2>"$TMPD/err2" && bad "missing glossary accepted"
check "missing glossary: one error line" test "$(grep -c 'error' "$TMPD/err2")" -eq 1

pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$TMPD"' EXIT
. "$(dirname "$0")/serve_start.sh"
serve_start "$T" "$DEFAULT_MODEL" "$TMPD/log" -t 2 --tm "$db" --glossary "$TMPD/terms.tsv" || exit 1
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

gens() { curl -s --max-time 30 "$base/metrics" | sed -n 's/^tolk_generations_total //p'; }
g0=$(gens)
out=$(curl -s --max-time 120 -H 'Content-Type: application/json' \
    --data-binary "{\"q\":\"$src\",\"source\":\"en\",\"target\":\"de\"}" "$base/translate" | field 'd["translatedText"]')
check "LibreTranslate: the TM's target ($out)" test "$out" = "$tgt"
check "exact match: no model run" test "$(gens)" = "$g0"
out=$(curl -s --max-time 120 -H 'Content-Type: application/json' \
    --data-binary "{\"text\":[\"$src\"],\"source_lang\":\"EN\",\"target_lang\":\"DE\"}" "$base/v2/translate" |
    field 'd["translations"][0]["text"]')
check "DeepL: the TM's target ($out)" test "$out" = "$tgt"
out=$(curl -s --max-time 120 -G --data-urlencode "q=$src" --data-urlencode "langpair=en|de" "$base/translate" |
    field 'd["responseData"]["translatedText"]')
check "APy: the TM's target ($out)" test "$out" = "$tgt"

# a glossary term and a fuzzy match (the TM's sentence with another colour), sent at once
cat_src="The cat sleeps on the sofa."
fz_src="The blue valve must be closed before the pump starts."
g0=$(gens)
curl -s --max-time 300 -H 'Content-Type: application/json' \
    --data-binary "{\"q\":\"$cat_src\",\"source\":\"en\",\"target\":\"de\"}" "$base/translate" >"$TMPD/cat.json" &
c1=$!
curl -s --max-time 300 -H 'Content-Type: application/json' \
    --data-binary "{\"q\":\"$fz_src\",\"source\":\"en\",\"target\":\"de\"}" "$base/translate" >"$TMPD/fz.json" &
c2=$!
wait $c1
wait $c2
out=$(field 'd["translatedText"]' <"$TMPD/cat.json")
check "glossary term in the answer ($out)" contains "$out" "Couchgarnitur"
fz=$(field 'd["translatedText"]' <"$TMPD/fz.json")
check "fuzzy match: an answer ($fz)" test -n "$fz"
check "TM and glossary requests ran on the batching scheduler" test "$(gens)" -eq "$((g0 + 2))"
alone=$("$T" translate -m "$DEFAULT_MODEL" -t 2 --from en --to de --tm "$db" --glossary "$TMPD/terms.tsv" "$cat_src")
check "glossary: the answer tolk translate gives ($alone)" test "$out" = "$alone"
alone=$("$T" translate -m "$DEFAULT_MODEL" -t 2 --from en --to de --tm "$db" --glossary "$TMPD/terms.tsv" "$fz_src")
check "fuzzy match: the answer tolk translate gives ($alone)" test "$fz" = "$alone"

# no source language (auto): the batching scheduler answers, the TM is not consulted
out=$(curl -s --max-time 300 -H 'Content-Type: application/json' \
    --data-binary "{\"q\":\"$src\",\"source\":\"auto\",\"target\":\"de\"}" "$base/translate" | field 'd["translatedText"]')
check "auto source: a model answer, not the TM's ($out)" test -n "$out" -a "$out" != "$tgt"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
check "SIGTERM: exit 0" test "$rc" -eq 0
finish

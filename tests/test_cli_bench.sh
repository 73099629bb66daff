#!/bin/sh
# `tolk bench` on a tiny random model: prompt-only, generation-only (-p 0, which once read an
# uninitialised start token) and both; --json carries the keys scripts rely on; meaningless
# requests get one error line and exit 1.
. "$(dirname "$0")/lib.sh"
: "${TOLK_BUILDDIR:=.}"
need_testdata # gen_model takes its vocabulary from there
m=$TMPD/tiny.gguf
"$TOLK_BUILDDIR/bench/gen_model" --arch llama --preset tiny --type Q8_0 --seed 3 -o "$m" || exit 1

for args in "-p 0 -n 8" "-p 16 -n 0" "-p 16 -n 8"; do
    # shellcheck disable=SC2086
    out=$("$TOLK_BIN" bench -m "$m" $args -r 2 -t 1 2>&1)
    check "bench $args runs" test $? -eq 0
    check "bench $args prints peak RSS" contains "$out" "peak RSS:"
done
check "generation-only reports tg8" contains "$("$TOLK_BIN" bench -m "$m" -p 0 -n 8 -r 1 -t 1)" "| tg8 |"
json=$("$TOLK_BIN" bench -m "$m" -p 8 -n 4 -r 1 -t 1 --json)
for k in pp_tok_s tg_tok_s ttft_ms peak_rss_mib gb_s read_bw_gb_s; do
    check "--json has $k" contains "$json" "\"$k\": "
done
check "--json is one line" test "$(printf '%s\n' "$json" | wc -l)" -eq 1
check "--json has n_depth 0 by default" contains "$json" '"n_depth": 0,'
# -d: the measured runs come after that many tokens already in the context (llama-bench -d)
out=$("$TOLK_BIN" bench -m "$m" -p 8 -n 4 -d 40 -r 2 -t 1)
check "-d labels pp at depth" contains "$out" "| pp8 @ d40 |"
check "-d labels tg at depth" contains "$out" "| tg4 @ d40 |"
jd=$("$TOLK_BIN" bench -m "$m" -p 0 -n 4 -d 40 -r 1 -t 1 --json)
check "--json has n_depth" contains "$jd" '"n_depth": 40,'
bpt() { printf '%s\n' "$1" | sed 's/.*"bytes_per_token": \([0-9]*\).*/\1/'; }
check "decode at depth reads the deeper cache" test "$(bpt "$jd")" -gt "$(bpt "$json")"
# gemma4's per-layer token embeddings are a lookup table: a decode step reads one row of it, not
# the table (over a third of the tiny file: counted whole, a step came to 92% of the file; one row:
# 57%), so the bytes per token stay under 70% of the file
g4=$TMPD/g4.gguf
"$TOLK_BUILDDIR/bench/gen_model" --arch gemma4 --preset tiny --type Q8_0 -o "$g4" || exit 1
jg=$("$TOLK_BIN" bench -m "$g4" -p 0 -n 2 -r 1 -t 1 --json)
check "gemma4: one row of the per-layer embeddings per token" \
    test "$(($(bpt "$jg") * 10))" -lt "$(($(wc -c <"$g4") * 7))"

for args in "-p 0 -n 0" "-r 0" "-p -3" "-n x" "-d -1"; do
    # shellcheck disable=SC2086
    err=$("$TOLK_BIN" bench -m "$m" $args 2>&1 >/dev/null)
    rc=$?
    check "bench $args fails" test "$rc" -eq 1
    check "bench $args: one error line" test "$(printf '%s\n' "$err" | grep -c 'tolk: error:')" -eq 1
done
finish

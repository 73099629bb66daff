#!/bin/sh
# The translation memory as a speculative draft (docs/TM.md): translates version 2 of a manual
# (tm_manual_v2.txt: a few words changed per segment) with a TM holding version 1
# (tm_manual_v1.tsv), and reports acceptance and the decode speedup over plain decoding of the same
# prompts (tolk translate --verbose runs both and checks the output is identical). Then the case
# where the TM has nothing: unrelated text (tm_unrelated.txt) with and without --tm, REPS rounds,
# which of the two runs first alternating round by round; each round's ratio of generation tok/s
# and their median are reported.
#   sh bench/tm_draft.sh BUILD [MODEL]     (REPS=4 by default; uses the default model)
# TM_OLD=FILE.tsv TM_NEW=FILE.txt translate another pair of versions (e.g. tm_printer_v1.tsv and
# tm_printer_v2.txt, a second manual kept apart from the one the drafting was tuned on).
set -eu
BUILD=${1:?usage: tm_draft.sh BUILD [MODEL]}
HERE=$(cd "$(dirname "$0")" && pwd)
T="$BUILD/tolk"
MODEL=${2:-${TOLK_MODELS:-$HOME/.cache/tolk/models}/gemma-3-270m-q4_k_m.gguf}
REPS=${REPS:-4}
W=$(mktemp -d "${TMPDIR:-/tmp}/tolk_tm_bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
DB="$W/tm.sqlite"
OLD=${TM_OLD:-$HERE/tm_manual_v1.tsv}
NEW=${TM_NEW:-$HERE/tm_manual_v2.txt}
while IFS="$(printf '\t')" read -r src tgt; do
    "$T" tm add --tm "$DB" --from en --to de "$src" "$tgt" >/dev/null
done <"$OLD"
echo "== $(basename "$NEW") against a TM of $(basename "$OLD") ($(wc -l <"$OLD") segments), fuzzy >= 50," \
    "load $(cut -d' ' -f1 /proc/loadavg)"
"$T" translate -m "$MODEL" --tm "$DB" --fuzzy 50 --from en --to de --verbose - <"$NEW" \
    >"$W/out.txt" 2>"$W/err.txt"
sed -n 's/^\(speculation:\|plain decoding:\|greedy output\|translation memory\)/\1/p' "$W/err.txt"
echo "== unrelated text: the TM has nothing (generation tok/s, $REPS rounds, the order alternating)"
# mean generation tok/s over the segments of one --verbose run's stderr
gen_rate() {
    sed -n 's/^prompt: .*generation: [0-9]* tokens, \([0-9.]*\) tok\/s.*/\1/p' "$1" |
        awk '{s += $1; n++} END {if (n) printf "%.3f", s / n; else print 0}'
}
without_run() {
    "$T" translate -m "$MODEL" --from en --to de --verbose - <"$HERE/tm_unrelated.txt" >/dev/null 2>"$W/a.txt"  || true
}
with_run() {
    "$T" translate -m "$MODEL" --tm "$DB" --from en --to de --verbose - <"$HERE/tm_unrelated.txt" >/dev/null \
        2>"$W/b.txt"
    grep -q "reused exactly" "$W/b.txt"
}
: >"$W/ratios"
i=0
while [ $i -lt "$REPS" ]; do
    # odd rounds run without the TM first, even rounds with it first: a host that speeds up or
    # slows down during a round then favours neither side over the rounds
    if [ $((i % 2)) -eq 0 ]; then
        without_run
        with_run
        order="without first"
    else
        with_run
        without_run
        order="with first"
    fi
    a=$(gen_rate "$W/a.txt")
    b=$(gen_rate "$W/b.txt")
    r=$(echo "$b $a" | awk '{if ($2 > 0) printf "%.3f", $1 / $2; else print 0}')
    echo "$r" >>"$W/ratios"
    echo "round $((i + 1)) ($order): without TM $a tok/s, with an empty-handed TM $b tok/s, ratio ${r}x"
    i=$((i + 1))
done
sort -n "$W/ratios" | awk '{v[NR] = $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "no-match ratio (with TM / without), median of %d rounds: %.3fx (rounds from %.3fx to %.3fx)\n",
    NR, m, v[1], v[NR]}'
echo "load $(cut -d' ' -f1 /proc/loadavg)"

#!/bin/sh
# Mechanics benchmark for speculative decoding (never part of make check): a 1B-shape random llama
# target built from a one-layer draft of the same width plus 15 layers whose residual outputs are
# scaled by epsilon (bench/gen_model --extend-from), so epsilon sets the acceptance rate. For each
# epsilon: greedy decode speed with and without --draft in the same `tolk bench` run, acceptance,
# and the speedup theory predicts, S = (1 - a^(k+1)) / ((1 - a) (k c + v)) with a the acceptance
# rate, c = draft/target time per token (measured) and v = verification cost of k+1 tokens in
# target steps (ideal 1; "measured" backs it out of the run's own timings).
# Usage: bench/spec_mechanics.sh [BUILDDIR]   (env: EPSILONS, K, N, REPS, THREADS, TYPE, OUT, TESTDATA)
set -e
B=${1:-.}
GEN=$B/bench/gen_model
T=$B/tolk
OUT=${OUT:-${TMPDIR:-/tmp}/tolk-spec-mechanics}
TESTDATA=${TESTDATA:-$(dirname "$0")/../../shared/testdata}
TYPE=${TYPE:-Q4_0} K=${K:-4} N=${N:-64} REPS=${REPS:-2} THREADS=${THREADS:-2}
mkdir -p "$OUT"
draft=$OUT/draft.gguf
# The 32k SentencePiece vocabulary keeps the tied output matrix small enough for the draft to stay
# near 1/8 of the target (with Llama 3's 128k vocabulary the output matrix alone is 1/4).
"$GEN" --arch llama --preset 1b --n-layer 1 --type "$TYPE" --vocab "$TESTDATA/tokenizer/llama-spm.gguf" -o "$draft"
field() { sed -n "s/.*\"$1\": \([-0-9.e]*\).*/\1/p"; }
dj=$("$T" bench -m "$draft" -p 0 -n "$N" -r 1 -t "$THREADS" --json)
draft_tok_s=$(echo "$dj" | field tg_tok_s)
echo "draft: $(wc -c < "$draft") bytes, $draft_tok_s tok/s (load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '| epsilon | target/draft size | plain t/s | spec t/s | speedup | acceptance | mean accepted | c | v measured | theory v=1 | theory v measured | identical |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for eps in ${EPSILONS:-0 0.02 0.05 0.1 0.2 0.5}; do
    target=$OUT/target.gguf
    "$GEN" --extend-from "$draft" --extra-layers 15 --epsilon "$eps" --seed 2 --type "$TYPE" -o "$target"
    j=$("$T" bench -m "$target" --draft "$draft" --draft-max "$K" --temp 0 -p 32 -n "$N" -r "$REPS" \
        -t "$THREADS" --json)
    echo "$j" > "$OUT/eps-$eps.json"
    ratio=$(awk -v a="$(wc -c < "$target")" -v b="$(wc -c < "$draft")" 'BEGIN { printf "%.1f", a / b }')
    echo "$j" | awk -v eps="$eps" -v k="$K" -v dts="$draft_tok_s" -v ratio="$ratio" '
        function f(name,   r) { r = $0; sub(".*\"" name "\": ", "", r); sub("[,}].*", "", r); return r + 0 }
        {
            pt = f("plain_tok_s"); st = f("spec_tok_s"); a = f("accept_rate"); steps = f("n_steps");
            nd = f("n_drafted"); n = f("n_gen"); reps = f("reps"); ident = f("identical");
            c = pt / dts;                                  # draft step / target step
            round = (n - 1) * reps / st / steps;           # seconds per verification round
            v = (round - nd / steps / dts) * pt;           # verification in target steps
            aa = a < 0.999 ? a : 0.999;
            e = (1 - aa ^ (k + 1)) / (1 - aa);
            printf "| %s | %sx | %.2f | %.2f | %.2fx | %.1f%% | %.2f | %.3f | %.2f | %.2fx | %.2fx | %s |\n",
                   eps, ratio, pt, st, st / pt, 100 * a, f("mean_accepted"), c, v, e / (k * c + 1),
                   e / (k * c + v), ident == 1 ? "yes" : "NO";
        }'
done
echo "(load after: $(cut -d' ' -f1-3 /proc/loadavg))"

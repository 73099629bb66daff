#!/bin/sh
# Real-model speculation benchmark (never part of make check): translates two documents paragraph
# by paragraph on the default model (or MODEL), greedy, with --spec ngram and --spec self, each
# with the governor (default) and with --draft-always. bench/spec_doc.txt is a short manual full of
# recurring names, numbers, paths and markup (speculation should win); bench/spec_prose.txt is
# varied prose with nothing to look up (speculation must not lose: the governor pauses it).
# `--verbose` reruns the document without speculation in the same process, so each summary gives
# acceptance, the mean accepted length, both speeds, the speedup and whether the output was
# identical. MODES=draft with DRAFT=FILE times a draft model; a draft that is rarely right (a random
# model with the target's vocabulary: `gen_model --arch gemma3 --preset tiny --vocab TARGET.gguf`)
# is the case where drafting loses and the governor must hold plain speed.
# Usage: bench/spec_translate.sh [BUILDDIR]   (env: MODEL, TO, K, THREADS, MODES, DRAFT)
B=${1:-.}
HERE=$(dirname "$0")
M=${MODEL:+-m $MODEL}
D=${DRAFT:+--draft $DRAFT}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for doc in spec_doc.txt spec_prose.txt; do
    for mode in ${MODES:-ngram self}; do
        for gov in "" --draft-always; do
            echo "== $doc: --spec $mode --draft-max ${K:-4} ${gov:-(governed)}"
            # shellcheck disable=SC2086
            "$B/tolk" translate $M --to "${TO:-de}" --from en --spec "$mode" $D --draft-max "${K:-4}" $gov \
                -t "${THREADS:-2}" --verbose - < "$HERE/$doc" 2> "${TMPDIR:-/tmp}/spec_translate.err" \
                > "${TMPDIR:-/tmp}/spec_translate.out"
            grep -E '^(total|speculation|plain decoding|greedy)' "${TMPDIR:-/tmp}/spec_translate.err"
        done
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/bin/sh
# Real-model speculation benchmark (never part of make check): translates bench/spec_doc.txt, a
# short manual full of recurring names, numbers, paths and markup, paragraph by paragraph with
# --spec ngram and --spec self on the default model (or MODEL), greedy. `--verbose` reruns the
# document without speculation in the same process, so each summary gives acceptance, the mean
# accepted length, both speeds, the speedup and whether the output was identical.
# Usage: bench/spec_translate.sh [BUILDDIR]   (env: MODEL, TO, K, THREADS)
B=${1:-.}
DOC=$(dirname "$0")/spec_doc.txt
M=${MODEL:+-m $MODEL}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in ngram self; do
    echo "== --spec $mode --draft-max ${K:-4}"
    # shellcheck disable=SC2086
    "$B/tolk" translate $M --to "${TO:-de}" --from en --spec "$mode" --draft-max "${K:-4}" -t "${THREADS:-2}" \
        --verbose - < "$DOC" 2> "${TMPDIR:-/tmp}/spec_translate.err" > "${TMPDIR:-/tmp}/spec_translate.out"
    grep -E '^(total|speculation|plain decoding|greedy)' "${TMPDIR:-/tmp}/spec_translate.err"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/bin/sh
# make check: replays tests/fuzz/corpus through the parser, then checks that `tolk info` answers
# every malformed file with exactly one "tolk: error:" line and exit status 1 (never a crash).
set -u
here=$(dirname "$0")
src=${TOLK_SRCDIR:-$here/../..}
corpus=$src/tests/fuzz/corpus
bin=${TOLK_BUILDDIR:-.}
"$bin/tests/fuzz/gguf_replay" "$corpus"/* || exit 1
fails=0
for f in "$corpus"/*; do
    case $(basename "$f") in ok-*) continue ;; esac
    err=$("$TOLK_BIN" info "$f" 2>&1 >/dev/null)
    rc=$?
    lines=$(printf '%s\n' "$err" | wc -l)
    case "$err" in "tolk: error: "*) prefix=ok ;; *) prefix=bad ;; esac
    if [ $rc -ne 1 ] || [ "$lines" -ne 1 ] || [ $prefix != ok ]; then
        echo "FAIL tolk info $f: exit $rc, stderr: $err"
        fails=$((fails + 1))
    fi
done
[ $fails -eq 0 ] || exit 1
echo "tolk info rejected every malformed corpus file with one error line"

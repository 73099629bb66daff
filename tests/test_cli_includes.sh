#!/bin/sh
# The `tolk` command line is a client of the public API: every file in runtime/cli/ includes only
# runtime/tolk.h, the headers of runtime/cli/ itself, the TUI's tui.h, the server's serve.h and
# config.h (besides system headers), and tui/ and serve/ only tolk.h and their own headers. The
# folder-level include graph agrees (runtime/cli -> runtime, tui and serve only). The check also runs on a copy of the CLI with an internal
# header added, which must fail, so it cannot pass vacuously.
set -eu
src=${TOLK_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}

# check_folder DIR ALLOWED...: prints "FILE: HEADER" for each quoted include outside the allowed set
# (ALLOWED plus DIR's own headers) and fails when there is one.
check_folder() {
    dir=$1; shift
    own=$(for h in "$dir"/*.h; do [ -f "$h" ] && basename "$h"; done)
    bad=0
    for f in "$dir"/*.c "$dir"/*.h; do
        [ -f "$f" ] || continue
        for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
            ok=0
            for a in "$@" $own; do [ "$inc" = "$a" ] && ok=1; done
            if [ $ok -eq 0 ]; then echo "$f: includes \"$inc\""; bad=1; fi
        done
    done
    return $bad
}

fail=0
check_folder "$src/runtime/cli" tolk.h tui.h serve.h config.h || fail=1
check_folder "$src/tui" tolk.h config.h || fail=1
check_folder "$src/serve" tolk.h config.h || fail=1
edges=$(sh "$src/tools/include_graph.sh" "$src" | grep -E '^(runtime/cli|tui|serve) -> ' || true)
unexpected=$(printf '%s\n' "$edges" | grep -v -E '^runtime/cli -> (runtime|tui|serve)$|^(tui|serve) -> runtime$|^$' || true)
if [ -n "$unexpected" ]; then
    echo "include graph: the CLI or the TUI reaches inside the library:"
    printf '%s\n' "$unexpected"
    fail=1
fi
[ $fail -eq 0 ] || { echo "FAIL: runtime/cli, tui/ or serve/ includes internal headers"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src/runtime/cli" "$work/cli"
echo '#include "gguf.h"' >> "$work/cli/cli_info.c"
if check_folder "$work/cli" tolk.h tui.h serve.h config.h > /dev/null; then
    echo "FAIL: an added #include \"gguf.h\" in runtime/cli was not reported"
    exit 1
fi
echo "PASS: runtime/cli, tui/ and serve/ include only tolk.h and their own headers; an internal include is reported"

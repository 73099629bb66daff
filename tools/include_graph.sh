#!/bin/sh
# Prints the folder-level include graph of the C sources (an edge A -> B when a file in folder A
# includes a header that lives in folder B) and fails when two folders include each other or any
# longer cycle exists. Used by tests/test_include_graph.sh and to draw docs/ARCHITECTURE.md.
# usage: tools/include_graph.sh [SRCDIR]
set -eu
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$src"
dirs="runtime runtime/base runtime/gguf runtime/tokenizer runtime/forward runtime/decode runtime/speculative \
runtime/translate runtime/quantize runtime/api runtime/cli simd models gpu tui serve"
# header name -> folder (headers are found by name through the -I list in Makefile.am)
map=$(for d in $dirs; do for h in "$d"/*.h; do [ -f "$h" ] && printf '%s %s\n' "$(basename "$h")" "$d"; done; done)
edges=$(for d in $dirs; do
    for f in "$d"/*.c "$d"/*.h "$d"/*.cu; do
        [ -f "$f" ] || continue
        sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" | while read -r inc; do
            case $inc in */*) continue ;; esac   # ISA sub-folders (simd/avx2/..) include within simd/
            to=$(printf '%s\n' "$map" | awk -v h="$inc" '$1 == h { print $2; exit }')
            if [ -n "$to" ] && [ "$to" != "$d" ]; then printf "%s %s\n" "$d" "$to"; fi
        done
    done
done | sort -u)
printf '%s\n' "$edges" | sed 's/ / -> /'
# tsort reports cycles on stderr and exits non-zero on GNU coreutils
if ! printf '%s\n' "$edges" | tsort > /dev/null 2> /tmp/include_graph.$$; then
    cat /tmp/include_graph.$$ >&2; rm -f /tmp/include_graph.$$
    echo "include graph: folders include each other (cycle above)" >&2
    exit 1
fi
if [ -s /tmp/include_graph.$$ ]; then cat /tmp/include_graph.$$ >&2; rm -f /tmp/include_graph.$$; exit 1; fi
rm -f /tmp/include_graph.$$

#!/bin/sh
# The folders of the tree include each other's headers in one direction only: tools/include_graph.sh
# prints the folder-level graph and fails on any cycle. The check is also run on a copy of the tree
# with one cycle added, which must fail, so the test cannot pass vacuously.
set -eu
src=${TOLK_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
sh "$src/tools/include_graph.sh" "$src" > /dev/null || { echo "FAIL: include cycle between folders"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tools"
cp "$src/tools/include_graph.sh" "$work/tools/"
for d in runtime simd models gpu tui serve; do cp -r "$src/$d" "$work/"; done
echo '#include "session.h"' >> "$work/runtime/base/error.h"   # base -> api, while api -> base
if sh "$work/tools/include_graph.sh" "$work" > /dev/null 2>&1; then
    echo "FAIL: an added cycle (runtime/base -> runtime/api) was not reported"
    exit 1
fi
echo "PASS: folder include graph is acyclic; an added cycle is reported"

#!/bin/sh
# Runs llama.cpp (through llama-cpp-python) and tolk on the same GGUF files with the same threads
# and token counts, alternating one run of each per round, and prints one table with the ratios
# (and the raw JSON lines in bench/results/). Installs llama-cpp-python into a private venv when
# missing. Usage: bench/compare.sh [-p 512] [-n 128] [-t 2] [-r 3] MODEL.gguf...
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
tolk=${TOLK_BIN:-$top/build/tolk}
[ -x "$tolk" ] || tolk=$top/tolk
venv=${TOLK_LLAMACPP_VENV:-$top/../tools/llamacpp-venv}
p=512 n=128 t=2 r=3
while [ $# -gt 0 ]; do
    case $1 in
        -p) p=$2; shift 2 ;;
        -n) n=$2; shift 2 ;;
        -t) t=$2; shift 2 ;;
        -r) r=$2; shift 2 ;;
        -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
        -*) echo "compare.sh: unknown option $1" >&2; exit 1 ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "compare.sh: name at least one MODEL.gguf" >&2; exit 1; }
[ -x "$tolk" ] || { echo "compare.sh: no tolk binary (build first, or set TOLK_BIN)" >&2; exit 1; }
if ! "$venv/bin/python" -c 'import llama_cpp, numpy' 2>/dev/null; then
    echo "installing llama-cpp-python into $venv (builds llama.cpp; takes a while)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q numpy llama-cpp-python
fi
out=$here/results
mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
lines=$out/compare-$stamp.jsonl
: > "$lines"
for model in "$@"; do
    [ -f "$model" ] || { echo "compare.sh: no such file: $model" >&2; exit 1; }
    for round in $(seq 1 "$r"); do
        echo "round $round/$r: $(basename "$model")" >&2
        "$tolk" bench -m "$model" -p "$p" -n "$n" -t "$t" -r 1 --json |
            sed "s|^{|{\"runtime\": \"tolk\", \"file\": \"$model\", |" >> "$lines"
        "$venv/bin/python" "$here/llamacpp_bench.py" "$model" -p "$p" -n "$n" -t "$t" -r 1 2>/dev/null |
            sed "s|^{|{\"file\": \"$model\", |" >> "$lines"
    done
done
python3 "$here/compare_table.py" "$lines"
echo "raw results: $lines" >&2

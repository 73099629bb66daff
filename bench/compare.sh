#!/bin/sh
# tolk beside its two yardsticks, llama.cpp and ik_llama.cpp, on the same GGUF files with the same
# threads, token counts and instruction-set path, alternating one run of each per round; prints one
# markdown table with tolk's ratio to the faster peer (raw JSON lines in bench/results/).
# Peers are llama-bench binaries built by bench/build_peers.sh into $PEERS/<peer>-<isa>/bin, or
# given as LLAMA_BENCH / IK_BENCH; a peer that is missing is left out of the table with a note.
# --isa avx2 runs tolk with TOLK_ISA=avx2 and the peers built for AVX2 (the laptop path on any
# x86 machine); --isa avx512 the AVX-512 builds and tolk's native path. --chart OUT.png draws the
# table as bars (gnuplot; compare_table.py also joins several runs' results into one chart).
# Usage: bench/compare.sh [--isa avx2|avx512] [-p 512] [-n 128] [-d 0] [-t 2] [-r 3] [--chart PNG] MODEL.gguf...
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
tolk=${TOLK_BIN:-$top/build/tolk}
[ -x "$tolk" ] || tolk=$top/tolk
peers=${PEERS:-$top/../tools/peers}
p=512 n=128 d=0 t=2 r=3 isa= chart=
grep -qw avx512f /proc/cpuinfo && isa=avx512 || isa=avx2
while [ $# -gt 0 ]; do
    case $1 in
        --isa) isa=$2; shift 2 ;;
        -p) p=$2; shift 2 ;;
        -n) n=$2; shift 2 ;;
        -d) d=$2; shift 2 ;;
        -t) t=$2; shift 2 ;;
        -r) r=$2; shift 2 ;;
        --chart) chart=$2; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        -*) echo "compare.sh: unknown option $1" >&2; exit 1 ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "compare.sh: name at least one MODEL.gguf" >&2; exit 1; }
[ -x "$tolk" ] || { echo "compare.sh: no tolk binary (build first, or set TOLK_BIN)" >&2; exit 1; }
case $isa in
    avx2) export TOLK_ISA=avx2 ;;
    avx512) unset TOLK_ISA ;;
    *) echo "compare.sh: --isa avx2 or avx512" >&2; exit 1 ;;
esac
"$tolk" --version | grep -q "$isa" || { echo "compare.sh: tolk does not run the $isa path here" >&2; exit 1; }
llama=${LLAMA_BENCH:-$peers/llama.cpp-$isa/bin/llama-bench}
ik=${IK_BENCH:-$peers/ik_llama.cpp-$isa/bin/llama-bench}
for b in "$llama" "$ik"; do
    [ -x "$b" ] || echo "compare.sh: no $b (bench/build_peers.sh $isa builds it); left out" >&2
done
out=$here/results
mkdir -p "$out"
lines=$out/compare-$(date -u +%Y%m%dT%H%M%SZ)-$isa.jsonl
: > "$lines"
tag() { sed "s|^{|{\"file\": \"$1\", \"isa\": \"$isa\", |"; }
for model in "$@"; do
    [ -f "$model" ] || { echo "compare.sh: no such file: $model" >&2; exit 1; }
    for round in $(seq 1 "$r"); do
        echo "round $round/$r: $(basename "$model") ($isa)" >&2
        "$tolk" bench -m "$model" -p "$p" -n "$n" -d "$d" -t "$t" -r 1 --json |
            sed 's|^{|{"runtime": "tolk", |' | tag "$model" >> "$lines"
        if [ -x "$llama" ]; then
            python3 "$here/peer_bench.py" llama.cpp "$llama" "$model" -p "$p" -n "$n" -d "$d" -t "$t" | tag "$model" >> "$lines"
        fi
        if [ -x "$ik" ]; then
            python3 "$here/peer_bench.py" ik_llama.cpp "$ik" "$model" -p "$p" -n "$n" -d "$d" -t "$t" | tag "$model" >> "$lines"
        fi
    done
done
python3 "$here/compare_table.py" "$lines" ${chart:+--chart "$chart"}
echo "raw results: $lines" >&2

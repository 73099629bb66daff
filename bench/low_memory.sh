#!/bin/sh
# A model larger than the memory it may use: tolk, llama.cpp and ik_llama.cpp each run the same
# GGUF file inside a memory cgroup whose limit is below the file's size (default: half of it), so
# the kernel must page the mapped weights in and out as a machine with too little RAM would. Per
# engine: exit status (137 = killed by the cgroup's OOM killer), prompt and decode tok/s, peak RSS
# and the cgroup's peak usage. The page cache is dropped before each run so every engine starts
# cold. Needs root and a memory cgroup (v1 or v2); without them it says so and exits 77.
# Peers: PEERS=DIR with llama.cpp-ISA/bin/llama-bench and ik_llama.cpp-ISA/bin/llama-bench
# (bench/build_peers.sh); missing ones are left out. llama.cpp runs with its defaults and again
# with --repack 0 (its default repacks K-quants into anonymous memory, which cannot be paged out).
# Usage: bench/low_memory.sh [--isa avx2|avx512] [-p 32] [-n 32] [-t 2] [-l LIMIT_MIB] MODEL.gguf
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
tolk=${TOLK_BIN:-$top/build/tolk}
[ -x "$tolk" ] || tolk=$top/tolk
isa=avx512 p=32 n=32 t=2 limit=
while [ $# -gt 0 ]; do
    case $1 in
        --isa) case $2 in avx2|avx512) isa=$2 ;; *) echo "low_memory.sh: --isa avx2 or avx512" >&2; exit 1 ;; esac; shift 2 ;;
        -p) p=$2; shift 2 ;;
        -n) n=$2; shift 2 ;;
        -t) t=$2; shift 2 ;;
        -l) limit=$2; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        -*) echo "low_memory.sh: unknown option $1" >&2; exit 1 ;;
        *) break ;;
    esac
done
[ $# -eq 1 ] || { echo "low_memory.sh: give one MODEL.gguf (see --help)" >&2; exit 1; }
model=$1
[ -f "$model" ] || { echo "low_memory.sh: no such file: $model" >&2; exit 1; }
[ -x "$tolk" ] || { echo "low_memory.sh: no tolk binary (build first, or set TOLK_BIN)" >&2; exit 1; }
for v in "$p" "$n" "$t" ${limit:+"$limit"}; do
    case $v in ''|*[!0-9]*) echo "low_memory.sh: -p, -n, -t and -l take whole numbers" >&2; exit 1 ;; esac
done
file_mib=$(( $(stat -c %s "$model") / 1048576 ))
limit=${limit:-$((file_mib / 2))}
[ "$limit" -ge 64 ] || { echo "low_memory.sh: a limit of $limit MiB is too small to start anything" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "low_memory.sh: needs root (a memory cgroup and dropping the page cache)" >&2; exit 77; }

# The cgroup: v1's memory hierarchy, else v2 with the memory controller enabled for children.
name=tolk-low-memory-$$
if [ -d /sys/fs/cgroup/memory ] && mkdir /sys/fs/cgroup/memory/$name 2> /dev/null; then
    cg=/sys/fs/cgroup/memory/$name limit_file=memory.limit_in_bytes peak_file=memory.max_usage_in_bytes
elif grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2> /dev/null && mkdir /sys/fs/cgroup/$name 2> /dev/null; then
    cg=/sys/fs/cgroup/$name limit_file=memory.max peak_file=memory.peak
else
    echo "low_memory.sh: no memory cgroup could be made here (v1 memory hierarchy or v2 with the memory controller)" >&2
    exit 77
fi
trap 'rmdir "$cg" 2> /dev/null || true' EXIT
echo $((limit * 1048576)) > "$cg/$limit_file"
echo 0 > "$cg/memory.swappiness" 2> /dev/null || true # cgroup v1: page the model, never swap
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tolk-lowmem.XXXXXX")
trap 'rm -rf "$tmp"; rmdir "$cg" 2> /dev/null || true' EXIT

# t/s of the row whose test column is $2 in the markdown table in file $1 (tolk bench and
# llama-bench both print one), or "-".
rate() {
    awk -F'|' -v want="$2" '{
        for (i = 2; i < NF; i++) { f = $i; gsub(/ /, "", f); if (f == want) { v = $(NF - 1); sub(/±.*/, "", v); gsub(/ /, "", v); print v; exit } }
    }' "$1" | grep . || echo -
}

# Runs one engine inside the cgroup from a cold cache and prints its table row.
run() {
    label=$1; shift
    sync; echo 3 > /proc/sys/vm/drop_caches 2> /dev/null || echo "low_memory.sh: page cache not dropped" >&2
    echo 0 > "$cg/$peak_file" 2> /dev/null || true
    rc=0
    timeout 900 sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' sh "$cg" \
        /usr/bin/time -f '%M' -o "$tmp/rss" "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
    rss=$(tail -n 1 "$tmp/rss" 2> /dev/null | grep -E '^[0-9]+$' || echo 0)
    peak=$(cat "$cg/$peak_file" 2> /dev/null || echo 0)
    status=$rc; [ "$rc" = 137 ] && status="137 (OOM-killed)"; [ "$rc" = 124 ] && status="timeout"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$status" "$(rate "$tmp/out" "pp$p")" \
        "$(rate "$tmp/out" "tg$n")" "$((rss / 1024))" "$((peak / 1048576))"
}

echo "model: $(basename "$model") ($file_mib MiB), memory limit $limit MiB, path $isa, $t threads, pp$p / tg$n, cold page cache"
echo
echo "| engine | exit | pp t/s | tg t/s | peak RSS MiB | cgroup peak MiB |"
echo "|---|---|---|---|---|---|"
if [ "$isa" = avx2 ]; then export TOLK_ISA=avx2; else unset TOLK_ISA 2> /dev/null || true; fi
run tolk "$tolk" bench -m "$model" -p "$p" -n "$n" -r 1 -t "$t"
unset TOLK_ISA 2> /dev/null || true
peers=${PEERS:-$top/../tools/peers}
lcpp=$peers/llama.cpp-$isa/bin/llama-bench ik=$peers/ik_llama.cpp-$isa/bin/llama-bench
if [ -x "$lcpp" ]; then
    run llama.cpp "$lcpp" -m "$model" -p "$p" -n "$n" -r 1 -t "$t"
    run "llama.cpp --repack 0" "$lcpp" -m "$model" -p "$p" -n "$n" -r 1 -t "$t" --repack 0
else
    echo "low_memory.sh: no $lcpp; llama.cpp left out" >&2
fi
if [ -x "$ik" ]; then
    run ik_llama.cpp "$ik" -m "$model" -p "$p" -n "$n" -r 1 -t "$t"
else
    echo "low_memory.sh: no $ik; ik_llama.cpp left out" >&2
fi

#!/bin/sh
# The one script a session with a CUDA GPU runs (the device tool), within about 5 minutes: build
# with --with-cuda, check every kernel against the CPU (tests/gpu_kernels_check: 1..8, 9, 64, 512
# columns), the block code and the library's sm_90 / PTX content, then `tolk bench` (tg128, pp512)
# at -ngl 0 and -ngl 999 on the default model (when present) and on random Q4_0 / Q4_K_M models of
# a 1B and an 8B llama shape, as long as the time budget lasts. Until the forward pass offloads
# layers, -ngl 999 runs on the CPU too (tolk says so): the pair is the baseline to beat.
# usage: sh bench/gpu.sh [BUILD_DIR]   (GPU_BENCH_BUDGET=300 seconds; later steps are skipped,
# with a line saying so, once it is spent)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-gpu}
budget=${GPU_BENCH_BUDGET:-300}
start=$(date +%s)
jobs=$(nproc 2>/dev/null || echo 4)
nvcc_bin=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
left() { echo $((budget - ($(date +%s) - start))); }
say() { printf '== %s (%ss left)\n' "$*" "$(left)"; }

[ -n "$nvcc_bin" ] || { echo "nvcc not found: no CUDA build possible"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "nvidia-smi: none"

say "build with CUDA in $build"
if [ ! -x "$build/tolk" ]; then
    [ -x "$top/configure" ] || (cd "$top" && autoreconf -fi) > /dev/null 2>&1
    mkdir -p "$build"
    (cd "$build" && "$top/configure" --with-cuda="$(dirname "$(dirname "$nvcc_bin")")" > configure.out 2>&1) ||
        { tail -n 30 "$build/configure.out"; exit 1; }
fi
make -C "$build" -j"$jobs" > "$build/make.out" 2>&1 || { tail -n 40 "$build/make.out"; exit 1; }
make -C "$build" -j"$jobs" tests/gpu_kernels_check tests/test_gpu_blocks bench/gen_model > "$build/make-tests.out" 2>&1 ||
    { tail -n 40 "$build/make-tests.out"; exit 1; }
"$build/tolk" --version

say "every kernel against the CPU"
"$build/tests/gpu_kernels_check"
echo "gpu_kernels_check exit status: $?"
say "block code on the host, library content"
"$build/tests/test_gpu_blocks" | tail -n 2
TOLK_NVCC=$nvcc_bin TOLK_SRCDIR=$top TOLK_BUILDDIR=$build sh "$top/tests/test_gpu_build.sh" | tail -n 3

bench_pair() { # bench_pair MODEL: tg128 and pp512 at -ngl 0 and -ngl 999
    for ngl in 0 999; do
        [ "$(left)" -gt 20 ] || { echo "budget spent: skipped $1 at -ngl $ngl"; return; }
        printf -- '-- %s -ngl %s\n' "$(basename "$1")" "$ngl"
        "$build/tolk" bench -m "$1" -p 512 -n 128 -r 1 -ngl "$ngl" 2>&1 | grep -v "^|---"
    done
}

default_model=${TOLK_MODELS:-$HOME/.cache/tolk/models}/gemma-3-270m-q4_k_m.gguf
say "tolk bench: default model"
if [ -f "$default_model" ]; then bench_pair "$default_model"; else echo "default model absent ($default_model)"; fi

tmp=${TMPDIR:-/tmp}/tolk-gpu-bench
mkdir -p "$tmp"
for preset in 1b 8b; do
    for type in Q4_0 Q4_K_M; do
        [ "$(left)" -gt 60 ] || { echo "budget spent: skipped llama $preset $type"; continue; }
        model=$tmp/llama-$preset-$type.gguf
        say "llama $preset $type"
        [ -f "$model" ] || "$build/bench/gen_model" --arch llama --preset "$preset" --type "$type" --vocab-size 32000 \
            -o "$model" > /dev/null || { echo "gen_model failed"; continue; }
        bench_pair "$model"
    done
done
say "done"

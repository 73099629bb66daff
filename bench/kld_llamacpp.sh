#!/bin/sh
# The numerics contract measured against llama.cpp's own logits (never part of make check):
# llama-perplexity writes its --kl-divergence-base file for MODEL over TEXT, then tolk reads it on
# each kernel path (native, avx2, scalar) and prints mean KLD, same top p and the perplexity ratio;
# llama.cpp's flash-attention path against the same file gives the scale of llama.cpp's own
# disagreement between two of its paths. llama-perplexity comes from $LLAMA_PERPLEXITY, or is built
# from the llama-cpp-python source distribution into ../tools/llama-cpp-build (no AMX, which some
# virtual machines do not allow; AVX-512 when the compiler has it).
# Usage: bench/kld_llamacpp.sh BUILDDIR [MODEL] [TEXT]   (env: CTX=512 CHUNKS=4 THREADS=2 ISAS)
set -eu
B=${1:?usage: bench/kld_llamacpp.sh BUILDDIR [MODEL] [TEXT]}
here=$(cd "$(dirname "$0")" && pwd)
M=${2:-${TOLK_MODELS:-$HOME/.cache/tolk/models}/gemma-3-270m-q4_k_m.gguf}
T=${3:-}
tools=$here/../../tools
work=${TMPDIR:-/tmp}/tolk-kld.$$
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
if [ -z "$T" ]; then cat "$here/../README.md" "$here/../docs/"*.md > "$work/text.txt"; T=$work/text.txt; fi
L=${LLAMA_PERPLEXITY:-$tools/llama-cpp-build/bin/llama-perplexity}
if [ ! -x "$L" ]; then
    echo "building llama-perplexity into $tools/llama-cpp-build (takes a while)" >&2
    mkdir -p "$tools/src"
    (cd "$tools/src" && python3 -m pip download -q llama-cpp-python --no-deps --no-binary :all: -d . &&
        tar xzf llama_cpp_python-*.tar.gz)
    src=$(ls -d "$tools"/src/llama_cpp_python-*/vendor/llama.cpp | tail -1)
    avx512=OFF
    grep -qw avx512f /proc/cpuinfo && avx512=ON
    cmake -S "$src" -B "$tools/llama-cpp-build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DGGML_AVX2=ON \
        -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=$avx512 -DGGML_AVX512_VNNI=$avx512 -DGGML_AVX512_BF16=$avx512 \
        -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF \
        -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF > "$work/cmake.log" 2>&1
    cmake --build "$tools/llama-cpp-build" -j"$(nproc)" --target llama-perplexity >> "$work/cmake.log" 2>&1
fi
base=$work/llama.kld
"$L" -m "$M" -f "$T" -c "${CTX:-512}" --chunks "${CHUNKS:-4}" -t "${THREADS:-2}" -fa off \
    --kl-divergence-base "$base" 2>&1 | grep 'Final estimate' | sed 's/^.*Final/llama.cpp: Final/'
stats() { grep -E '^(Mean PPL\(Q\)/PPL|Mean    KLD|99.0%   KLD|Same top p)' | sed 's/^/  /'; }
echo "llama.cpp -fa on against its own -fa off file (llama.cpp's own path difference):"
"$L" -m "$M" -c "${CTX:-512}" -t "${THREADS:-2}" -fa on --kl-divergence-base "$base" --kl-divergence 2>/dev/null | stats
for isa in ${ISAS:-native avx2 scalar}; do
    echo "tolk, kernel path $isa, against llama.cpp's file:"
    if [ "$isa" = native ]; then unset TOLK_ISA; else export TOLK_ISA=$isa; fi
    "$B/tolk" perplexity -m "$M" -t "${THREADS:-2}" --kl-divergence-base "$base" --kl-divergence 2>/dev/null | stats
done

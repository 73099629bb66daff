#!/bin/sh
# Builds the two speed yardsticks' llama-bench outside the repository, once per instruction-set
# path, so bench/compare.sh can time them beside tolk on the same files:
#   llama.cpp    from the llama-cpp-python source distribution (pip download; PyPI is reachable)
#   ik_llama.cpp from a source tree given as IK_SRC (e.g. a checkout made with
#                `fetch github:ikawrakow/ik_llama.cpp` or `git clone`); skipped with a note if absent
# Paths: PEERS (default ../tools/peers beside the checkout) gets <peer>-<isa>/bin/llama-bench.
# isa avx2   = the laptop path: -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON, AVX-512 off
# isa avx512 = AVX-512 F/BW/VL/VNNI/BF16 where the CPU has them, AMX off (some virtual machines
#              advertise AMX but fault on it)
# `server` adds llama.cpp's llama-server (for bench/serve_load.sh --llama-server) to the llama.cpp
# build of each ISA named (default avx512), reusing what the llama-bench build compiled.
# Usage: bench/build_peers.sh [avx2] [avx512] [server]   (env: PEERS, IK_SRC, JOBS)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
peers=${PEERS:-$here/../../tools/peers}
jobs=${JOBS:-$(nproc)}
mkdir -p "$peers/src"
peers=$(cd "$peers" && pwd)
isas= server=
for a in "$@"; do
    case $a in
        server) server=1 ;;
        *) isas="$isas $a" ;;
    esac
done
[ -n "$isas" ] || { [ -n "$server" ] && isas=avx512 || isas="avx2 avx512"; }

llama_src() {
    src=$(ls -d "$peers"/src/llama_cpp_python-*/vendor/llama.cpp 2>/dev/null | tail -1)
    if [ -z "$src" ]; then
        (cd "$peers/src" && python3 -m pip download -q llama-cpp-python --no-deps --no-binary :all: -d . &&
            tar xzf llama_cpp_python-*.tar.gz)
        src=$(ls -d "$peers"/src/llama_cpp_python-*/vendor/llama.cpp | tail -1)
    fi
    echo "$src"
}

isa_flags() {
    case $1 in
        avx2) echo "-DGGML_AVX512=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AVX512_VBMI=OFF" ;;
        avx512)
            grep -qw avx512f /proc/cpuinfo || { echo "build_peers.sh: this CPU has no AVX-512" >&2; return 1; }
            v=OFF b=OFF m=OFF
            grep -qw avx512_vnni /proc/cpuinfo && v=ON
            grep -qw avx512_bf16 /proc/cpuinfo && b=ON
            grep -qw avx512vbmi /proc/cpuinfo && m=ON
            echo "-DGGML_AVX512=ON -DGGML_AVX512_VNNI=$v -DGGML_AVX512_BF16=$b -DGGML_AVX512_VBMI=$m" ;;
        *) echo "build_peers.sh: unknown isa $1 (avx2 or avx512)" >&2; return 1 ;;
    esac
}

# Compiler flags beside the cmake switches: ik_llama.cpp's AVX-512 code (iqk) also needs DQ and VL,
# which GGML_AVX512 alone does not turn on (without them its flash-attention templates fail to build).
isa_cflags() {
    [ "$1" = avx512 ] || return 0
    f=
    for x in avx512f avx512bw avx512dq avx512vl; do grep -qw $x /proc/cpuinfo && f="$f -m$x"; done
    echo "$f"
}

build() { # NAME SRC ISA
    dir=$peers/$1-$3
    [ -x "$dir/bin/llama-bench" ] && { echo "have $dir/bin/llama-bench"; return 0; }
    echo "building $1 llama-bench for $3 into $dir (takes a while)" >&2
    # shellcheck disable=SC2046
    cmake -S "$2" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON \
        -DGGML_FMA=ON -DGGML_F16C=ON $(isa_flags "$3") -DCMAKE_C_FLAGS="$(isa_cflags "$3")" \
        -DCMAKE_CXX_FLAGS="$(isa_cflags "$3")" -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF \
        -DGGML_AMX_BF16=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF \
        > "$dir.cmake.log" 2>&1
    cmake --build "$dir" -j"$jobs" --target llama-bench >> "$dir.cmake.log" 2>&1 ||
        { echo "build_peers.sh: $1 ($3) failed, see $dir.cmake.log" >&2; return 1; }
    echo "built $dir/bin/llama-bench"
}

# llama-server in the llama.cpp build of ISA: the same configuration with the server switched on
build_server() { # ISA
    dir=$peers/llama.cpp-$1
    [ -x "$dir/bin/llama-server" ] && { echo "have $dir/bin/llama-server"; return 0; }
    echo "adding llama-server to $dir (takes a while)" >&2
    src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$dir/CMakeCache.txt")
    cmake -S "$src" -B "$dir" -DLLAMA_BUILD_SERVER=ON >> "$dir.cmake.log" 2>&1 &&
        cmake --build "$dir" -j"$jobs" --target llama-server >> "$dir.cmake.log" 2>&1 ||
        { echo "build_peers.sh: llama-server ($1) failed, see $dir.cmake.log" >&2; return 1; }
    echo "built $dir/bin/llama-server"
}

for isa in $isas; do
    build llama.cpp "$(llama_src)" "$isa"
    if [ -n "$server" ]; then
        build_server "$isa"
        continue
    fi
    if [ -n "${IK_SRC:-}" ] && [ -f "$IK_SRC/CMakeLists.txt" ]; then
        build ik_llama.cpp "$IK_SRC" "$isa"
    else
        echo "ik_llama.cpp: set IK_SRC to its source tree to build it (not fetched here)" >&2
    fi
done

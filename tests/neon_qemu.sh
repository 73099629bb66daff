#!/bin/sh
# Cross-compiles the simd kernel tests for aarch64 (static, armv8.2-a + dotprod + fp16) and runs
# them under qemu-aarch64: the NEON path against the scalar reference, and the reference suite
# (fixtures, dispatch) on ARM. Skips (77) only when the cross compiler or qemu is missing.
set -u
src=${TOLK_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cc=${AARCH64_CC:-aarch64-linux-gnu-gcc}
qemu=${QEMU_AARCH64:-qemu-aarch64}
if ! command -v "$cc" >/dev/null 2>&1 || ! command -v "$qemu" >/dev/null 2>&1; then
    . "$src/tests/lib.sh"
    skip "$cc or $qemu not installed (apt-get install gcc-aarch64-linux-gnu qemu-user)"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/tolk-neon.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
cat >"$work/config.h" <<'H'
#define TOLK_HAVE_NEON_KERNELS 1
#define TOLK_HAVE_NEON_DOTPROD_KERNELS 1
#define TOLK_ISA_LIST "scalar neon"
H
flags="-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -march=armv8.2-a+dotprod+fp16 -static -pthread \
 -DTOLK_CHECK_SHIM -I$work -I$src/simd -I$src/tests"
lib="$src/simd/traits.c $src/simd/half.c $src/simd/dispatch.c $src/simd/driver.c $src/simd/ref/*.c $src/simd/neon/*.c"
# shellcheck disable=SC2086
$cc $flags -DTEST_ISA=SIMD_ISA_NEON '-DTEST_ISA_NAME="neon"' -o "$work/test_simd_neon" \
    "$src/tests/test_simd_isa.c" $lib -lm || { echo "FAIL: cross build of test_simd_isa"; exit 1; }
# shellcheck disable=SC2086
$cc $flags -o "$work/test_simd_ref" "$src/tests/test_simd.c" $lib -lm ||
    { echo "FAIL: cross build of test_simd"; exit 1; }
# The NEON path must really run: its own skip (77, no dotprod in the emulated CPU) fails here.
status=0
"$qemu" -cpu max "$work/test_simd_neon" || status=1
TOLK_SRCDIR=$src "$qemu" -cpu max "$work/test_simd_ref" || status=1
exit $status

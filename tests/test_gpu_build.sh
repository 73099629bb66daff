#!/bin/sh
# The CUDA build's library carries sm_90 machine code and compute_75 PTX (which newer GPUs
# JIT-compile) for every kernel, as cuobjdump lists them. Skips in a build without --with-cuda, and
# when cuobjdump is absent (the toolkit's cuda-cuobjdump, or pip's nvidia-cuda-cuobjdump).
. "${TOLK_SRCDIR:-.}/tests/lib.sh"

[ -n "${TOLK_NVCC:-}" ] || skip_cpu "tolk was configured without --with-cuda: no CUDA code to inspect"

cuobjdump=${TOLK_CUOBJDUMP:-}
[ -n "$cuobjdump" ] || cuobjdump=$(command -v cuobjdump || true)
[ -n "$cuobjdump" ] || { [ -x "$(dirname "$TOLK_NVCC")/cuobjdump" ] && cuobjdump=$(dirname "$TOLK_NVCC")/cuobjdump; }
[ -n "$cuobjdump" ] || cuobjdump=$(python3 -c 'import os, sys
for p in sys.path:
    c = os.path.join(p, "nvidia", "cu13", "bin", "cuobjdump")
    if os.path.isfile(c):
        print(c)
        break' 2>/dev/null || true)
[ -n "$cuobjdump" ] || skip "cuobjdump not found (install the toolkit's cuda-cuobjdump or pip's nvidia-cuda-cuobjdump)"

lib=
for f in "$TOLK_BUILDDIR/.libs/libtolk.so" "$TOLK_BUILDDIR/.libs/libtolk.a"; do
    [ -f "$f" ] && { lib=$f; break; }
done
[ -n "$lib" ] || { bad "no built libtolk under $TOLK_BUILDDIR/.libs"; finish; }

elf=$("$cuobjdump" -lelf "$lib" 2>&1)
ptx=$("$cuobjdump" -lptx "$lib" 2>&1)
check "sm_90 machine code in $lib" contains "$elf" "sm_90.cubin"
check "compute_75 PTX in $lib" contains "$ptx" "sm_75.ptx"
contains "$elf" "sm_90.cubin" || echo "$elf" | head -5

# every kernel, in both: the sm_90 functions from the resource listing, the PTX entries by name
sass=$("$cuobjdump" --dump-resource-usage "$lib" 2>&1)
ptx_text=$("$cuobjdump" -ptx "$lib" 2>&1 | grep '\.entry' || true)
for k in quant_q8_0_kernel quant_q8_k_kernel to_half_kernel matvec_kernel dequant_f16_kernel f32_to_f16_kernel \
    rmsnorm_kernel rope_kernel swiglu_kernel geglu_kernel softmax_kernel argmax_kernel attention_kernel; do
    check "$k has sm_90 code" contains "$sass" "$k"
    check "$k has compute_75 PTX" contains "$ptx_text" "$k"
done
# mat×vec: one instance per weight type and column count (8 types x 8 counts) on sm_90
n=$(printf '%s\n' "$sass" | grep -c 'Function _Z13matvec_kernel' || true)
check "64 mat×vec instances for sm_90 (got $n)" [ "$n" -eq 64 ]
finish

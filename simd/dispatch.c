/* Run-time kernel choice: reads the CPU features once (cpuid/xgetbv on x86, HWCAP on aarch64 Linux),
 * builds one kernel table per ISA this build and CPU can run (scalar references overlaid with the
 * ISA's fast paths) and picks the best one, or the one simd_set_isa names. */
#include <config.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "ref/ref.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

static const char *const isa_names[SIMD_ISA_COUNT] = {"scalar", "avx2", "avx512", "neon"};

static simd_kernels tables[SIMD_ISA_COUNT];
static bool table_ready[SIMD_ISA_COUNT];
static simd_isa active_isa = SIMD_ISA_SCALAR;
static simd_isa best_isa = SIMD_ISA_SCALAR;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) || defined(__i386__)
static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

/* AVX2 needs the OS to save YMM state (XCR0 bits 1-2); AVX-512 also the opmask and ZMM state
 * (bits 5-7). The AVX-512 path needs F, BW, VL and VNNI; BF16 is optional (see simd_cpu_has_bf16). */
static int x86_has(simd_isa isa, int want_bf16)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
    if (!osxsave || !avx || !fma || !f16c)
        return 0;
    uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 6) != 6)
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    int avx2 = (b >> 5) & 1;
    if (isa == SIMD_ISA_AVX2)
        return avx2;
    int f = (b >> 16) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1, vnni = (c >> 11) & 1;
    if (!avx2 || !f || !bw || !vl || !vnni || (xcr0 & 0xe0) != 0xe0)
        return 0;
    if (!want_bf16)
        return 1;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d))
        return 0;
    return (a >> 5) & 1;
}
#endif

int simd_cpu_has(simd_isa isa)
{
    switch (isa) {
    case SIMD_ISA_SCALAR:
        return 1;
#if defined(__x86_64__) || defined(__i386__)
    case SIMD_ISA_AVX2:
    case SIMD_ISA_AVX512:
        return x86_has(isa, 0);
#endif
#if defined(__aarch64__) && defined(__linux__)
    case SIMD_ISA_NEON: {
        /* tolk's NEON files are built for armv8.2-a with dotprod and fp16 arithmetic */
        unsigned long hw = getauxval(AT_HWCAP);
        return (hw & HWCAP_ASIMD) && (hw & HWCAP_ASIMDDP) && (hw & HWCAP_ASIMDHP);
    }
#endif
    default:
        return 0;
    }
}

int simd_cpu_has_bf16(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return x86_has(SIMD_ISA_AVX512, 1);
#else
    return 0;
#endif
}

static int isa_compiled(simd_isa isa)
{
    switch (isa) {
    case SIMD_ISA_SCALAR:
        return 1;
#ifdef TOLK_HAVE_X86_KERNELS
    case SIMD_ISA_AVX2:
        return 1;
#endif
#ifdef TOLK_HAVE_AVX512_KERNELS
    case SIMD_ISA_AVX512:
        return 1;
#endif
#ifdef TOLK_HAVE_NEON_DOTPROD_KERNELS
    case SIMD_ISA_NEON:
        return 1;
#endif
    default:
        return 0;
    }
}

static void fill_scalar(simd_kernels *k)
{
    memset(k, 0, sizeof(*k));
    for (uint32_t t = 0; t < TOLK_TYPE_COUNT; t++) {
        const simd_type_traits *tr = simd_traits(t);
        if (!tr)
            continue;
        k->dot[t] = tr->dot;
        k->quantize_act[t] = tr->from_float;
    }
    /* activations round like llama.cpp's CPU backend, weights like its reference quantizer */
    k->quantize_act[TOLK_TYPE_Q8_0] = ref_quant_act_q8_0;
    k->quantize_act[TOLK_TYPE_Q8_1] = ref_quant_act_q8_1;
}

static void build_tables(void)
{
    for (int i = 0; i < SIMD_ISA_COUNT; i++) {
        simd_isa isa = (simd_isa)i;
        if (!isa_compiled(isa) || !simd_cpu_has(isa))
            continue;
        fill_scalar(&tables[i]);
        tables[i].isa = isa;
        tables[i].name = isa_names[i];
        if (isa == SIMD_ISA_SCALAR) { /* Q4_K batches in llama.cpp's batch order (ref/q4_k.c) */
            tables[i].matmul[TOLK_TYPE_Q4_K] = ref_matmul_q4_k;
            tables[i].matmul_exact[TOLK_TYPE_Q4_K] = 3;
            tables[i].matmul[TOLK_TYPE_IQ4_XS] = ref_matmul_iq4_xs; /* and IQ4_XS's (ref/iq4.c) */
            tables[i].matmul_exact[TOLK_TYPE_IQ4_XS] = IQ4_XS_TILED_MIN_TOK - 1;
            tables[i].matmul[TOLK_TYPE_Q6_K] = ref_matmul_q6_k; /* and Q6_K's (ref/q6_k.c) */
            tables[i].matmul_exact[TOLK_TYPE_Q6_K] = Q6_K_TILED_MIN_TOK - 1;
        }
#ifdef TOLK_HAVE_X86_KERNELS
        if (isa == SIMD_ISA_AVX2)
            simd_fill_avx2(&tables[i]);
#endif
#ifdef TOLK_HAVE_AVX512_KERNELS
        if (isa == SIMD_ISA_AVX512) {
            simd_fill_avx2(&tables[i]); /* AVX-512 files override what they cover */
            simd_fill_avx512(&tables[i]);
            simd_fill_avx512_gemm(&tables[i]);
            simd_fill_avx512_iq4(&tables[i]);
        }
#endif
#ifdef TOLK_HAVE_NEON_DOTPROD_KERNELS
        if (isa == SIMD_ISA_NEON)
            simd_fill_neon(&tables[i]);
#endif
        table_ready[i] = true;
        active_isa = isa; /* later entries are the faster paths */
    }
    best_isa = active_isa;
}

int simd_init(char *errbuf, size_t errsize)
{
    (void)errbuf;
    (void)errsize;
    pthread_once(&init_once, build_tables);
    return 0;
}

int simd_set_isa(const char *name, char *errbuf, size_t errsize)
{
    pthread_once(&init_once, build_tables);
    if (!name || !*name) {
        active_isa = best_isa;
        return 0;
    }
    for (int i = 0; i < SIMD_ISA_COUNT; i++) {
        if (strcmp(name, isa_names[i]) != 0)
            continue;
        if (table_ready[i]) {
            active_isa = (simd_isa)i;
            return 0;
        }
        if (errbuf && errsize)
            snprintf(errbuf, errsize, "kernel path '%s': %s", name,
                     isa_compiled((simd_isa)i) ? "this CPU lacks the instructions for it"
                                               : "not compiled into this build (" TOLK_ISA_LIST ")");
        return -1;
    }
    if (errbuf && errsize)
        snprintf(errbuf, errsize, "unknown kernel path '%s' (expected scalar, avx2, avx512 or neon)", name);
    return -1;
}

const char *simd_isa_name(void)
{
    pthread_once(&init_once, build_tables);
    return isa_names[active_isa];
}

const simd_kernels *simd_kernels_for(simd_isa isa)
{
    pthread_once(&init_once, build_tables);
    return (unsigned)isa < SIMD_ISA_COUNT && table_ready[isa] ? &tables[isa] : NULL;
}

const simd_kernels *simd_active(void)
{
    pthread_once(&init_once, build_tables);
    return &tables[active_isa];
}

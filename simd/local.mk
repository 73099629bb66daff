# simd/: type traits, block formats, reference and per-ISA kernels. Each ISA's files compile into
# their own convenience library with that ISA's flags; dispatch.c picks one at run time.
libtolk_internal_la_SOURCES += simd/simd.h simd/blocks.h simd/half.h simd/kernels.h simd/traits.c simd/half.c \
	simd/dispatch.c simd/driver.c \
	simd/ref/ref.h simd/ref/kq_search.c simd/ref/f32.c simd/ref/f16.c simd/ref/bf16.c \
	simd/ref/q4_0.c simd/ref/q4_1.c simd/ref/q5_0.c simd/ref/q5_1.c simd/ref/q8_0.c simd/ref/q8_1.c \
	simd/ref/q2_k.c simd/ref/q3_k.c simd/ref/q45_k.h simd/ref/q4_k.c simd/ref/q5_k.c simd/ref/q6_k.c simd/ref/q8_k.c
libtolk_internal_la_SOURCES += simd/ref/iq4.c

if TOLK_X86
noinst_LTLIBRARIES += libsimd_avx2.la
libsimd_avx2_la_SOURCES = simd/avx2/avx2.h simd/avx2/table.c simd/avx2/act.c simd/avx2/fp.h simd/avx2/f32.c simd/avx2/f16.c \
	simd/avx2/bf16.c simd/avx2/q32.h simd/avx2/q4_0.c simd/avx2/q4_0_ggml.c simd/avx2/q4_1.c simd/avx2/q5_0.c simd/avx2/q5_1.c \
	simd/avx2/q8_0.c simd/avx2/q2_k.c simd/avx2/q3_k.c simd/avx2/q45_k.h simd/avx2/q4_k.c simd/avx2/q5_k.c simd/avx2/q6_k.c \
	simd/avx2/gemm.h simd/avx2/gemm_q32.c simd/avx2/gemm_kq.c
libsimd_avx2_la_SOURCES += simd/avx2/iq4.h simd/avx2/iq4.c
libsimd_avx2_la_SOURCES += simd/avx2/prefetch_tile.h
libsimd_avx2_la_SOURCES += simd/avx2/q32_tiled.c
libsimd_avx2_la_SOURCES += simd/avx2/iq4_gemm.c simd/avx2/iq4_xs_gemm.c
libsimd_avx2_la_SOURCES += simd/avx2/q6k_tiled.h simd/avx2/q6k_tiled.c
libsimd_avx2_la_CFLAGS = $(AM_CFLAGS) $(AVX2_CFLAGS)
libtolk_internal_la_LIBADD += libsimd_avx2.la
endif

if TOLK_AARCH64_DOTPROD
noinst_LTLIBRARIES += libsimd_neon.la
libsimd_neon_la_SOURCES = simd/neon/neon.h simd/neon/table.c simd/neon/act.c simd/neon/f32.c simd/neon/f16.c \
	simd/neon/bf16.c simd/neon/q4_0.c simd/neon/q4_1.c simd/neon/q5_0.c simd/neon/q5_1.c simd/neon/q8_0.c \
	simd/neon/q2_k.c simd/neon/q3_k.c simd/neon/q4_k.c simd/neon/q5_k.c simd/neon/q6_k.c
libsimd_neon_la_CFLAGS = $(AM_CFLAGS) $(NEON_DOTPROD_CFLAGS)
libtolk_internal_la_LIBADD += libsimd_neon.la
endif

# Kernel tests: every ISA path this CPU runs against the scalar reference.
if HAVE_CHECK
check_PROGRAMS += tests/test_simd
TESTS += tests/test_simd
tests_test_simd_SOURCES = tests/test_simd.c tests/simd_testlib.h
tests_test_simd_CFLAGS = $(TEST_CFLAGS)
tests_test_simd_LDADD = $(TEST_LIBS)
# One program per ISA path this build's architecture has (same source), so `make check` lists each
# as passed, or skipped with the reason when the CPU lacks the path (AVX-512 on an AVX2 laptop).
# On x86 the NEON kernels run under qemu-aarch64 instead (tests/neon_qemu.sh).
if TOLK_X86
check_PROGRAMS += tests/test_simd_avx2 tests/test_simd_avx512
TESTS += tests/test_simd_avx2 tests/test_simd_avx512
endif
if TOLK_AARCH64
check_PROGRAMS += tests/test_simd_neon
TESTS += tests/test_simd_neon
endif
tests_test_simd_avx2_SOURCES = tests/test_simd_isa.c tests/simd_testlib.h
tests_test_simd_avx2_CFLAGS = $(TEST_CFLAGS) -DTEST_ISA=SIMD_ISA_AVX2 -DTEST_ISA_NAME='"avx2"'
tests_test_simd_avx2_LDADD = $(TEST_LIBS)
tests_test_simd_avx512_SOURCES = tests/test_simd_isa.c tests/simd_testlib.h
tests_test_simd_avx512_CFLAGS = $(TEST_CFLAGS) -DTEST_ISA=SIMD_ISA_AVX512 -DTEST_ISA_NAME='"avx512"'
tests_test_simd_avx512_LDADD = $(TEST_LIBS)
tests_test_simd_neon_SOURCES = tests/test_simd_isa.c tests/simd_testlib.h
tests_test_simd_neon_CFLAGS = $(TEST_CFLAGS) -DTEST_ISA=SIMD_ISA_NEON -DTEST_ISA_NAME='"neon"'
tests_test_simd_neon_LDADD = $(TEST_LIBS)
if TOLK_X86
# The AVX-512 kernels compiled again over portable intrinsics, so CPUs without AVX-512 test them too.
check_PROGRAMS += tests/test_simd_avx512_emul
TESTS += tests/test_simd_avx512_emul
tests_test_simd_avx512_emul_SOURCES = tests/test_simd_avx512_emul.c tests/avx512_emul.h tests/simd_testlib.h \
	simd/avx512/table.c simd/avx512/q8_0.c simd/avx512/q4_0.c simd/avx512/q5_0.c simd/avx512/q4_k.c \
	simd/avx512/q6_k.c simd/avx512/f16.c simd/avx512/bf16.c
tests_test_simd_avx512_emul_CFLAGS = $(TEST_CFLAGS) $(AVX2_CFLAGS) -include $(top_srcdir)/tests/avx512_emul.h
tests_test_simd_avx512_emul_LDADD = $(TEST_LIBS)
endif
endif
EXTRA_DIST += tests/fixtures tests/neon_qemu.sh tests/check_shim.h
# NEON path under emulation: cross-compiled kernel tests run by qemu-aarch64 (skips without them).
TESTS += tests/neon_qemu.sh

if TOLK_X86_AVX512
noinst_LTLIBRARIES += libsimd_avx512.la
libsimd_avx512_la_SOURCES = simd/avx512/avx512.h simd/avx512/table.c simd/avx512/q8_0.c simd/avx512/q4_0.c \
	simd/avx512/q5_0.c simd/avx512/q4_k.c simd/avx512/q6_k.c simd/avx512/f16.c simd/avx512/bf16.c simd/avx512/kq_gemm.c \
	simd/avx512/q8_gemm.c simd/avx512/gemm_table.c simd/avx512/matvec.c simd/avx512/matvec_k.c \
	simd/avx512/mv_common.h simd/avx512/matvec_few.c simd/avx512/q4_0_ggml.c \
	simd/avx512/q32_ggml.c
libsimd_avx512_la_CFLAGS = $(AM_CFLAGS) $(AVX512_CFLAGS)
libsimd_avx512_la_SOURCES += simd/avx512/iq4_gemm.c
libtolk_internal_la_LIBADD += libsimd_avx512.la
endif

# Kernel benchmark (`make bench`; never part of make check).
EXTRA_PROGRAMS = bench/bench_kernels
bench_bench_kernels_SOURCES = bench/bench_kernels.c
bench_bench_kernels_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/bench
bench_bench_kernels_LDADD = libtolk_internal.la $(OPENMP_CFLAGS)
CLEANFILES += bench/bench_kernels$(EXEEXT)
bench: bench/bench_kernels$(EXEEXT)
.PHONY: bench
# IQ4_NL / IQ4_XS kernels of every path against llama.cpp's orders at every batch size.
if HAVE_CHECK
check_PROGRAMS += tests/test_iq4_kernels
TESTS += tests/test_iq4_kernels
tests_test_iq4_kernels_SOURCES = tests/test_iq4_kernels.c tests/simd_testlib.h
tests_test_iq4_kernels_CFLAGS = $(TEST_CFLAGS)
tests_test_iq4_kernels_LDADD = $(TEST_LIBS)
endif

# Q6_K batches of every path against llama.cpp's orders (one-token below 8 tokens, tiled from 8).
if HAVE_CHECK
check_PROGRAMS += tests/test_q6k_tiled
TESTS += tests/test_q6k_tiled
tests_test_q6k_tiled_SOURCES = tests/test_q6k_tiled.c tests/simd_testlib.h
tests_test_q6k_tiled_CFLAGS = $(TEST_CFLAGS)
tests_test_q6k_tiled_LDADD = $(TEST_LIBS)
endif

# Q4_K / Q6_K batches through every loop of the AVX2 panels' tiling (K-tiles, row blocks, passes).
if HAVE_CHECK
check_PROGRAMS += tests/test_kq_ktiles
TESTS += tests/test_kq_ktiles
tests_test_kq_ktiles_SOURCES = tests/test_kq_ktiles.c tests/simd_testlib.h
tests_test_kq_ktiles_CFLAGS = $(TEST_CFLAGS)
tests_test_kq_ktiles_LDADD = $(TEST_LIBS)
endif

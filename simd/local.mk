# simd/: type traits, block formats, reference and per-ISA kernels. Each ISA's files compile into
# their own convenience library with that ISA's flags; dispatch.c picks one at run time.
libtolk_la_SOURCES += simd/simd.h simd/blocks.h simd/half.h simd/kernels.h simd/traits.c simd/half.c \
	simd/dispatch.c simd/driver.c \
	simd/ref/ref.h simd/ref/kq_search.c simd/ref/f32.c simd/ref/f16.c simd/ref/bf16.c \
	simd/ref/q4_0.c simd/ref/q4_1.c simd/ref/q5_0.c simd/ref/q5_1.c simd/ref/q8_0.c simd/ref/q8_1.c \
	simd/ref/q2_k.c simd/ref/q3_k.c simd/ref/q4_k.c simd/ref/q5_k.c simd/ref/q6_k.c simd/ref/q8_k.c

if TOLK_X86
noinst_LTLIBRARIES += libsimd_avx2.la
libsimd_avx2_la_SOURCES = simd/avx2/avx2.h simd/avx2/table.c simd/avx2/act.c simd/avx2/q8_0.c
libsimd_avx2_la_CFLAGS = $(AM_CFLAGS) $(AVX2_CFLAGS)
libtolk_la_LIBADD += libsimd_avx2.la
endif

# Kernel tests: every ISA path this CPU runs against the scalar reference.
if HAVE_CHECK
check_PROGRAMS += tests/test_simd
TESTS += tests/test_simd
tests_test_simd_SOURCES = tests/test_simd.c tests/simd_testlib.h
tests_test_simd_CFLAGS = $(TEST_CFLAGS)
tests_test_simd_LDADD = $(TEST_LIBS)
endif
EXTRA_DIST += tests/fixtures

if TOLK_X86_AVX512
noinst_LTLIBRARIES += libsimd_avx512.la
libsimd_avx512_la_SOURCES = simd/avx512/avx512.h simd/avx512/table.c simd/avx512/q8_0.c
libsimd_avx512_la_CFLAGS = $(AM_CFLAGS) $(AVX512_CFLAGS)
libtolk_la_LIBADD += libsimd_avx512.la
endif

# GGUF writing, quantization mixes, `tolk quantize` and the random-model generator (bench/gen_model,
# built by plain `make` because tests and forward-pass comparisons need it; not installed).
libtolk_la_SOURCES += runtime/gguf_write.h runtime/gguf_write.c runtime/quant_mix.h runtime/quant_mix.c \
	runtime/quantize.c
tolk_SOURCES += runtime/cli_quantize.c

# Makefile.am does not define noinst_PROGRAMS yet, so it is started here; fragments included later
# add to it with +=.
noinst_PROGRAMS = bench/gen_model
bench_gen_model_SOURCES = bench/gen_model.h bench/gen_model.c bench/gen_weights.c bench/gen_extend.c
bench_gen_model_CPPFLAGS = $(AM_CPPFLAGS) -DGEN_DEFAULT_TESTDATA='"$(TOLK_TESTDATA)"'
bench_gen_model_LDADD = libtolk.la $(OPENMP_CFLAGS) -lm

if HAVE_CHECK
check_PROGRAMS += tests/test_gguf_write
TESTS += tests/test_gguf_write
tests_test_gguf_write_CFLAGS = $(TEST_CFLAGS)
tests_test_gguf_write_LDADD = $(TEST_LIBS)
endif
TESTS += tests/test_gen_model.sh tests/test_quantize.sh tests/test_cli_bench.sh
EXTRA_DIST += tests/test_gen_model.sh tests/test_quantize.sh tests/test_cli_bench.sh

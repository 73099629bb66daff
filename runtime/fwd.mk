# runtime/ forward pass: model opening, KV cache, ops, attention, forward driver, sampler, and the
# `tolk run` / `tolk perplexity` subcommands, with their tests and reference fixtures.
libtolk_la_SOURCES += runtime/model.h runtime/model.c runtime/kv.h runtime/kv.c runtime/ops.h \
	runtime/ops.c runtime/attention.h runtime/attention.c \
	runtime/attn_ggml.h runtime/attn_ggml.c runtime/forward.h runtime/forward.c \
	runtime/sampler.h runtime/sampler.c
tolk_SOURCES += runtime/cli_run.c runtime/cli_perplexity.c

EXTRA_DIST += tests/fixtures/gemma3_translate.txt tests/fixtures/tiny_logits.txt bench/spec_mechanics.sh \
	bench/spec_translate.sh bench/spec_doc.txt \
	bench/ref_llamacpp.py

if HAVE_CHECK
check_PROGRAMS += tests/test_forward tests/test_sampler tests/test_kv tests/test_ops tests/test_spec
TESTS += tests/test_forward tests/test_sampler tests/test_kv tests/test_ops tests/test_spec
tests_test_forward_SOURCES = tests/test_forward.c tests/gguf_image.h
tests_test_forward_CFLAGS = $(TEST_CFLAGS)
tests_test_forward_LDADD = $(TEST_LIBS)
tests_test_sampler_SOURCES = tests/test_sampler.c
tests_test_sampler_CFLAGS = $(TEST_CFLAGS)
tests_test_sampler_LDADD = $(TEST_LIBS)
tests_test_kv_SOURCES = tests/test_kv.c
tests_test_kv_CFLAGS = $(TEST_CFLAGS)
tests_test_kv_LDADD = $(TEST_LIBS)
tests_test_spec_SOURCES = tests/test_spec.c
tests_test_spec_CFLAGS = $(TEST_CFLAGS)
tests_test_spec_LDADD = $(TEST_LIBS) -lm
tests_test_ops_SOURCES = tests/test_ops.c
tests_test_ops_CFLAGS = $(TEST_CFLAGS)
tests_test_ops_LDADD = $(TEST_LIBS)
endif
check_PROGRAMS += tests/test_prefetch
TESTS += tests/test_prefetch
tests_test_prefetch_SOURCES = tests/test_prefetch.c
tests_test_prefetch_CFLAGS = $(TEST_CFLAGS)
tests_test_prefetch_LDADD = $(TEST_LIBS)

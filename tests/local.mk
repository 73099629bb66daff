# tests/: Check suites, fuzz corpus replay and shell tests run by `make check`. Skips follow
# tests/skip.h (Check programs) and tests/lib.sh (shell tests): SKIP with the reason in the test's
# log, and with TOLK_REQUIRE_DATA=1 (.ci/run) missing data is a failure.
if HAVE_CHECK
TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests
else
# A test program built without Check (none should be: see test_prefetch.c) only reports a skip.
TEST_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests -DTOLK_NO_CHECK
endif
TEST_LIBS = libtolk_internal.la $(CHECK_LIBS) $(OPENMP_CFLAGS)
EXTRA_DIST += tests/skip.h tests/suite_run.h tests/scratch_dir.h

if HAVE_CHECK
check_PROGRAMS += tests/test_gguf
TESTS += tests/test_gguf
tests_test_gguf_SOURCES = tests/test_gguf.c tests/gguf_image.h
tests_test_gguf_CFLAGS = $(TEST_CFLAGS)
tests_test_gguf_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_threads
TESTS += tests/test_threads
tests_test_threads_SOURCES = tests/test_threads.c
# the two-session test looks inside a session (runtime/api/session.h) to watch its forward context
tests_test_threads_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/runtime/api
tests_test_threads_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_memavail
TESTS += tests/test_memavail
tests_test_memavail_SOURCES = tests/test_memavail.c
tests_test_memavail_CFLAGS = $(TEST_CFLAGS)
tests_test_memavail_LDADD = $(TEST_LIBS)
endif

# test_isa.h: where the Check programs read TOLK_ISA (the library reads no environment variable).
EXTRA_DIST += tests/test_isa.h

# The fuzz corpus replay needs no framework: every file must be handled without a crash, files
# named ok-* must load and all others must be rejected with a message.
check_PROGRAMS += tests/fuzz/gguf_replay
TESTS += tests/fuzz/replay_corpus.sh tests/test_cli_info.sh tests/test_cli_translate.sh tests/test_spec.sh
# the terminal app through tmux (skips without tmux, ncursesw or the default model)
TESTS += tests/test_tui.sh
tests_fuzz_gguf_replay_SOURCES = tests/fuzz/gguf_replay.c
tests_fuzz_gguf_replay_LDADD = libtolk_internal.la $(OPENMP_CFLAGS)
EXTRA_DIST += tests/fuzz/replay_corpus.sh tests/fuzz/gguf_fuzz.c tests/fuzz/run_fuzz.sh tests/fuzz/fuzzlib.sh \
	tests/fuzz/make_corpus.py tests/fuzz/corpus tests/test_cli_info.sh tests/test_cli_translate.sh tests/test_spec.sh tests/lib.sh \
	tests/test_tui.sh

# Forward pass, sampler, KV cache, ops, speculative decoding, prefetch, GGUF writing, tokenizer and
# chat templates.
if HAVE_CHECK
check_PROGRAMS += tests/test_forward tests/test_sampler tests/test_kv tests/test_ops tests/test_spec \
	tests/test_prefetch tests/test_gguf_write tests/test_tokenizer tests/test_chat tests/test_spec_govern
TESTS += tests/test_forward tests/test_sampler tests/test_kv tests/test_ops tests/test_spec \
	tests/test_prefetch tests/test_gguf_write tests/test_tokenizer tests/test_chat tests/test_spec_govern
tests_test_forward_SOURCES = tests/test_forward.c tests/gguf_image.h
tests_test_forward_CFLAGS = $(TEST_CFLAGS)
tests_test_forward_LDADD = $(TEST_LIBS)
tests_test_sampler_SOURCES = tests/test_sampler.c
tests_test_sampler_CFLAGS = $(TEST_CFLAGS)
tests_test_sampler_LDADD = $(TEST_LIBS)
tests_test_kv_SOURCES = tests/test_kv.c
tests_test_kv_CFLAGS = $(TEST_CFLAGS)
tests_test_kv_LDADD = $(TEST_LIBS)
tests_test_spec_govern_SOURCES = tests/test_spec_govern.c
tests_test_spec_govern_CFLAGS = $(TEST_CFLAGS)
tests_test_spec_govern_LDADD = $(TEST_LIBS)
tests_test_spec_SOURCES = tests/test_spec.c
tests_test_spec_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/runtime/api
tests_test_spec_LDADD = $(TEST_LIBS) -lm
# Reference drafting (the TM as a speculative draft) on hand-made token sequences.
check_PROGRAMS += tests/test_spec_ref
TESTS += tests/test_spec_ref
tests_test_spec_ref_SOURCES = tests/test_spec_ref.c
tests_test_spec_ref_CFLAGS = $(TEST_CFLAGS)
tests_test_spec_ref_LDADD = $(TEST_LIBS)
tests_test_ops_SOURCES = tests/test_ops.c
tests_test_ops_CFLAGS = $(TEST_CFLAGS)
tests_test_ops_LDADD = $(TEST_LIBS)
tests_test_prefetch_SOURCES = tests/test_prefetch.c
tests_test_prefetch_CFLAGS = $(TEST_CFLAGS)
tests_test_prefetch_LDADD = $(TEST_LIBS)
tests_test_gguf_write_CFLAGS = $(TEST_CFLAGS)
tests_test_gguf_write_LDADD = $(TEST_LIBS)
tests_test_tokenizer_SOURCES = tests/test_tokenizer.c tests/tok_fixtures.h
tests_test_tokenizer_CFLAGS = $(TEST_CFLAGS)
tests_test_tokenizer_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_tokenizer_gemma4
TESTS += tests/test_tokenizer_gemma4
tests_test_tokenizer_gemma4_SOURCES = tests/test_tokenizer_gemma4.c tests/tok_fixtures.h
tests_test_tokenizer_gemma4_CFLAGS = $(TEST_CFLAGS)
tests_test_tokenizer_gemma4_LDADD = $(TEST_LIBS)
tests_test_chat_SOURCES = tests/test_chat.c tests/tok_fixtures.h
tests_test_chat_CFLAGS = $(TEST_CFLAGS)
tests_test_chat_LDADD = $(TEST_LIBS)
endif
TESTS += tests/test_gen_model.sh tests/test_quantize.sh tests/test_cli_bench.sh tests/test_cli_tokenize.sh \
	tests/test_cli_perplexity.sh tests/test_low_memory.sh
EXTRA_DIST += tests/test_gen_model.sh tests/test_quantize.sh tests/test_cli_bench.sh tests/test_cli_tokenize.sh \
	tests/test_cli_perplexity.sh tests/test_low_memory.sh \
	tests/fixtures/gemma3_translate.txt tests/fixtures/tiny_logits.txt \
	tests/tok_fixtures.h tests/fixtures/gen_gemma_tokens.py tests/fixtures/gen_chat_tokens.py \
	tests/fixtures/gemma_tokens.inp tests/fixtures/gemma_tokens.out \
	tests/fixtures/gen_default_pre.py tests/fixtures/default_pre.inp tests/fixtures/default_pre.out \
	tests/fixtures/gen_gemma4_vocab.py tests/fixtures/gemma4_vocab.gguf tests/fixtures/crosscheck_gemma4_vocab.py \
	tests/fixtures/gemma4_tokens.inp tests/fixtures/gemma4_tokens.out \
	tests/fixtures/chat_gemma3.inp tests/fixtures/chat_gemma3.out \
	tests/fixtures/chat_qwen25.inp tests/fixtures/chat_qwen25.out \
	tests/fixtures/chat_qwen3.inp tests/fixtures/chat_qwen3.out \
	tests/fixtures/chat_llama3.inp tests/fixtures/chat_llama3.out
# The folder-level include graph has no cycle (tools/include_graph.sh).
TESTS += tests/test_include_graph.sh
EXTRA_DIST += tests/test_include_graph.sh tools/include_graph.sh
# The public API the CLI is built on (tolk.h): metadata, tensors, tokenizer, the logits context,
# quantizing, and that bad input gives an error code and a message, never a crash. Linked against
# the installed libtolk, as an outside program would be.
if HAVE_CHECK
check_PROGRAMS += tests/test_api
TESTS += tests/test_api
tests_test_api_SOURCES = tests/test_api.c
tests_test_api_CFLAGS = $(TEST_CFLAGS)
tests_test_api_LDADD = libtolk.la $(CHECK_LIBS) $(OPENMP_CFLAGS) -lm
endif
# The CLI and the TUI include only tolk.h and their own headers; libtolk exports only tolk_*.
TESTS += tests/test_cli_includes.sh tests/test_exports.sh
EXTRA_DIST += tests/test_cli_includes.sh tests/test_exports.sh
# The one option parser of every subcommand: --name=VALUE, '--', one error line per mistake.
TESTS += tests/test_cli_opts.sh
EXTRA_DIST += tests/test_cli_opts.sh
# Documents (runtime/formats/): placeholders, checks, every format's fixture round trip and hostile
# input (test_formats); the `tolk translate -f` command line without a model (test_format_cli.sh);
# a PO and an HTML file translated end to end with the default model (test_format_e2e.sh).
if HAVE_CHECK
check_PROGRAMS += tests/test_formats
TESTS += tests/test_formats
tests_test_formats_SOURCES = tests/test_formats.c tests/format_standins.h
tests_test_formats_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/runtime/formats
tests_test_formats_LDADD = $(TEST_LIBS)
endif
# Streamed documents (tolk_doc_open_stream): same output and report as the whole path, written window
# by window, malformed XML found at open.
if HAVE_CHECK
check_PROGRAMS += tests/test_format_stream
TESTS += tests/test_format_stream
tests_test_format_stream_SOURCES = tests/test_format_stream.c tests/format_standins.h
tests_test_format_stream_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/runtime/formats
tests_test_format_stream_LDADD = $(TEST_LIBS)
endif
TESTS += tests/test_format_cli.sh tests/test_format_e2e.sh tests/test_batch.sh
# Markdown front matter's text values (runtime/formats/md_front.c); every streamed format's peak RSS
# on big generated files (tests/fixtures/formats/make_big_doc.py).
if HAVE_CHECK
check_PROGRAMS += tests/test_format_front
TESTS += tests/test_format_front
tests_test_format_front_SOURCES = tests/test_format_front.c tests/format_standins.h
tests_test_format_front_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/runtime/formats
tests_test_format_front_LDADD = $(TEST_LIBS)
endif
TESTS += tests/test_format_memory.sh
EXTRA_DIST += tests/test_format_memory.sh
EXTRA_DIST += tests/test_format_cli.sh tests/test_format_e2e.sh tests/test_batch.sh tests/fixtures/formats tests/fuzz/formats_fuzz.c \
	tests/fuzz/run_formats_fuzz.sh

# Architectures beyond the first four against llama.cpp's logits (tests/fixtures/models/).
if HAVE_CHECK
check_PROGRAMS += tests/test_models
TESTS += tests/test_models
tests_test_models_SOURCES = tests/test_models.c
tests_test_models_CFLAGS = $(TEST_CFLAGS)
tests_test_models_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_moe_paths
TESTS += tests/test_moe_paths
tests_test_moe_paths_SOURCES = tests/test_moe_paths.c
tests_test_moe_paths_CFLAGS = $(TEST_CFLAGS)
tests_test_moe_paths_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_models_prompts
TESTS += tests/test_models_prompts
tests_test_models_prompts_SOURCES = tests/test_models_prompts.c tests/gguf_image.h
tests_test_models_prompts_CFLAGS = $(TEST_CFLAGS)
tests_test_models_prompts_LDADD = $(TEST_LIBS)
endif
TESTS += tests/test_models_cli.sh
EXTRA_DIST += tests/test_models_cli.sh tests/fixtures/models

# The translation memory (runtime/tm/): scores, lookup, migration, writers, TMX round trip (needs
# SQLite and libxml2); the CLI side, hostile TMX and kill -9 during an import in test_tm.sh.
if HAVE_CHECK
if HAVE_SQLITE
if HAVE_LIBXML2
check_PROGRAMS += tests/test_tm
TESTS += tests/test_tm
tests_test_tm_SOURCES = tests/test_tm.c
tests_test_tm_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/runtime/tm $(SQLITE_CFLAGS)
tests_test_tm_LDADD = $(TEST_LIBS) $(SQLITE_LIBS)
endif
endif
endif
TESTS += tests/test_tm.sh tests/test_tm_translate.sh tests/test_tm_terms.sh tests/test_tm_documents.sh
EXTRA_DIST += tests/fixtures/tm tests/test_tm.sh tests/test_tm_translate.sh tests/test_tm_terms.sh tests/test_tm_documents.sh tests/fuzz/tm_fuzz.c tests/fuzz/run_tm_fuzz.sh

# Glossaries (runtime/translate/glossary*.c): TSV, CSV, TBX, stemmers, hostile files (TBX needs
# libxml2).
if HAVE_CHECK
if HAVE_LIBXML2
check_PROGRAMS += tests/test_glossary
TESTS += tests/test_glossary
tests_test_glossary_SOURCES = tests/test_glossary.c
tests_test_glossary_CFLAGS = $(TEST_CFLAGS)
tests_test_glossary_LDADD = $(TEST_LIBS)
endif
endif
# Gemma 4's translation prompt against its Jinja chat template (jinja2).
TESTS += tests/test_gemma4_template.sh
EXTRA_DIST += tests/test_gemma4_template.sh
# The gemma4 tokenizer end to end: a tiny gemma4 model with the synthetic Gemma 4 vocabulary.
TESTS += tests/test_tokenizer_gemma4.sh
EXTRA_DIST += tests/test_tokenizer_gemma4.sh tests/fuzz/tok_fuzz.c tests/fuzz/run_tok_fuzz.sh

# gpu/gpu_blocks.h (the CUDA kernels' block code) compiled for the host against simd/ref; every build.
if HAVE_CHECK
check_PROGRAMS += tests/test_gpu_blocks
TESTS += tests/test_gpu_blocks
tests_test_gpu_blocks_SOURCES = tests/test_gpu_blocks.c
tests_test_gpu_blocks_CFLAGS = $(TEST_CFLAGS)
tests_test_gpu_blocks_LDADD = $(TEST_LIBS) -lm
endif

# The CUDA build: every kernel against the CPU where a device is present (SKIP otherwise), and the
# library's sm_90 code and PTX (cuobjdump, next to nvcc); test_gpu_build.sh skips in other builds.
AM_TESTS_ENVIRONMENT += TOLK_NVCC='$(NVCC)'; export TOLK_NVCC;
TESTS += tests/test_gpu_build.sh tests/test_gpu_ngl.sh
EXTRA_DIST += tests/test_gpu_build.sh tests/test_gpu_ngl.sh tests/gpu_kernels_check.c tests/gpu_emulated.c
if HAVE_CUDA
check_PROGRAMS += tests/gpu_kernels_check
TESTS += tests/gpu_kernels_check
tests_gpu_kernels_check_SOURCES = tests/gpu_kernels_check.c
tests_gpu_kernels_check_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_gpu_kernels_check_LDADD = libtolk_internal.la $(OPENMP_CFLAGS) -lm
else
# without CUDA: the same check against a host emulation of the kernels (its references and bounds)
check_PROGRAMS += tests/test_gpu_check_emulated
TESTS += tests/test_gpu_check_emulated
tests_test_gpu_check_emulated_SOURCES = tests/gpu_kernels_check.c tests/gpu_emulated.c
tests_test_gpu_check_emulated_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests -DGPU_CHECK_EMULATED
tests_test_gpu_check_emulated_LDADD = libtolk_internal.la $(OPENMP_CFLAGS) -lm
endif

# Several sequences per forward pass (runtime/forward/forward_multi.c).
if HAVE_CHECK
check_PROGRAMS += tests/test_forward_multi
TESTS += tests/test_forward_multi
tests_test_forward_multi_SOURCES = tests/test_forward_multi.c
tests_test_forward_multi_CFLAGS = $(TEST_CFLAGS)
tests_test_forward_multi_LDADD = $(TEST_LIBS)
endif
# Batched generation through the public API (runtime/api/multi.c) on the default model.
if HAVE_CHECK
check_PROGRAMS += tests/test_multi
TESTS += tests/test_multi
tests_test_multi_SOURCES = tests/test_multi.c
tests_test_multi_CFLAGS = $(TEST_CFLAGS)
tests_test_multi_LDADD = $(TEST_LIBS)
endif
# XLIFF output checked against the structural rules of the XLIFF 1.2 and 2.0 schemas (xmllint)
TESTS += tests/test_format_xliff_valid.sh tests/test_format_tui_marks.sh
EXTRA_DIST += tests/test_format_xliff_valid.sh tests/test_format_tui_marks.sh
# paragraph context: the prompt text, the document loop, and the session's prompt on the default model
if HAVE_CHECK
check_PROGRAMS += tests/test_format_context
TESTS += tests/test_format_context
tests_test_format_context_SOURCES = tests/test_format_context.c
tests_test_format_context_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/runtime/formats -I$(top_srcdir)/runtime/api
tests_test_format_context_LDADD = $(TEST_LIBS)
endif

# Sliding-window layers' ring KV cache against full-length caches.
if HAVE_CHECK
check_PROGRAMS += tests/test_kv_ring
TESTS += tests/test_kv_ring
tests_test_kv_ring_SOURCES = tests/test_kv_ring.c
tests_test_kv_ring_CFLAGS = $(TEST_CFLAGS)
tests_test_kv_ring_LDADD = $(TEST_LIBS)
endif
# IQ4_NL / IQ4_XS end to end (quantize, info, run; llama.cpp both ways where present).
TESTS += tests/test_iq4.sh
EXTRA_DIST += tests/test_iq4.sh

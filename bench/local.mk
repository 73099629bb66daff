# bench/: benchmark programs (built with `make bench`, never run by `make check`).
EXTRA_DIST += bench/compare.sh bench/compare_table.py bench/peer_bench.py bench/build_peers.sh

# The random-weight model generator, built by plain `make` because tests and forward-pass
# comparisons need it (not installed).
noinst_PROGRAMS = bench/gen_model
bench_gen_model_SOURCES = bench/gen_model.h bench/gen_model.c bench/gen_weights.c bench/gen_extend.c
bench_gen_model_CPPFLAGS = $(AM_CPPFLAGS) -DGEN_DEFAULT_TESTDATA='"$(TOLK_TESTDATA)"'
bench_gen_model_LDADD = libtolk_internal.la $(OPENMP_CFLAGS) -lm
EXTRA_DIST += bench/tm_printer_v1.tsv bench/tm_printer_v2.txt
EXTRA_DIST += bench/spec_mechanics.sh bench/spec_translate.sh bench/spec_doc.txt bench/spec_prose.txt bench/kld_llamacpp.sh bench/ref_llamacpp.py
EXTRA_DIST += bench/gpu.sh bench/low_memory.sh
EXTRA_DIST += bench/tm_draft.sh bench/tm_manual_v1.tsv bench/tm_manual_v2.txt bench/tm_unrelated.txt
EXTRA_DIST += bench/xliff_memory.sh

# The sliding-window KV ring against full-length caches: KV bytes, decode speed, peak RSS
# (docs/KV.md); built by `make bench`.
EXTRA_PROGRAMS += bench/kv_ring
bench_kv_ring_SOURCES = bench/kv_ring.c
bench_kv_ring_LDADD = libtolk_internal.la $(OPENMP_CFLAGS) -lm
CLEANFILES += bench/kv_ring$(EXEEXT)
bench: bench/kv_ring$(EXEEXT)

# What a verification pass of 1..25 tokens costs in one-token steps (docs/TM.md); `make bench`.
EXTRA_PROGRAMS += bench/pass_cost
bench_pass_cost_SOURCES = bench/pass_cost.c
bench_pass_cost_LDADD = libtolk_internal.la $(OPENMP_CFLAGS) -lm
CLEANFILES += bench/pass_cost$(EXEEXT)
bench: bench/pass_cost$(EXEEXT)

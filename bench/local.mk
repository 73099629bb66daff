# bench/: benchmark programs (built with `make bench`, never run by `make check`).
EXTRA_DIST += bench/compare.sh bench/compare_table.py bench/llamacpp_bench.py

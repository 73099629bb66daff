#!/usr/bin/env python3
"""llama.cpp's CPU kernels on the shapes of bench/bench_kernels.c, for the comparison table: a ggml
graph with one mul_mat (weights 4096 x 14336 for mat x vec, copies rotated so the set is far larger
than L3 as in bench_kernels; 4096 x 4096 with 512 activation rows for mat x mat; Q8_0 also the
262144 x 640 output-head shape), computed with ggml's CPU backend from the llama-cpp-python wheel
through ctypes. Prints the same --json lines as bench_kernels with "isa": "llama.cpp".

With --tolk PATH/bench_kernels it alternates tolk's benchmark and llama.cpp's per type, ROUNDS
times (the machine is shared: best of the rounds for each side), and prints a table with ratios.

Usage: /work/tools/llamacpp-venv/bin/python bench/ggml_reference.py [--threads N] [--type Q4_0 ...]
           [--tolk build/bench/bench_kernels [--isa avx512] [--rounds 3]]"""
import argparse
import ctypes
import glob
import json
import os
import subprocess
import time

import numpy as np

TYPES = {"Q4_0": 2, "Q4_1": 3, "Q5_0": 6, "Q5_1": 7, "Q8_0": 8, "Q2_K": 10, "Q3_K": 11, "Q4_K": 12,
         "Q5_K": 13, "Q6_K": 14, "F16": 1, "BF16": 30, "F32": 0}
N_IN, MV_ROWS, MM_ROWS, MM_TOK = 4096, 14336, 4096, 512
HEAD_ROWS, HEAD_IN = 262144, 640


class InitParams(ctypes.Structure):
    _fields_ = [("mem_size", ctypes.c_size_t), ("mem_buffer", ctypes.c_void_p), ("no_alloc", ctypes.c_bool)]


def load():
    libdir = glob.glob("/work/tools/llamacpp-venv/lib/python3*/site-packages/llama_cpp/lib")[0]
    base = ctypes.CDLL(os.path.join(libdir, "libggml-base.so"), mode=ctypes.RTLD_GLOBAL)
    cpu = ctypes.CDLL(os.path.join(libdir, "libggml-cpu.so"), mode=ctypes.RTLD_GLOBAL)
    base.ggml_init.restype = ctypes.c_void_p
    base.ggml_init.argtypes = [InitParams]
    base.ggml_new_tensor_2d.restype = ctypes.c_void_p
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


def run(base, cpu, tid, n_in, rows, ntok, threads, reps, copies=1):
    """Best wall and process-CPU seconds of one mul_mat; `copies` weight matrices rotate."""
    rb = base.ggml_row_size(tid, n_in)
    wbytes = rb * rows
    ctx = base.ggml_init(InitParams(copies * (wbytes + rows * ntok * 4 + 4096) + ntok * n_in * 8 + (64 << 20),
                                    None, False))
    x = base.ggml_new_tensor_2d(ctx, 0, n_in, ntok)
    rng = np.random.default_rng(1)
    src = rng.uniform(-1, 1, size=(64, n_in)).astype(np.float32)
    graphs = []
    for _ in range(copies):
        w = base.ggml_new_tensor_2d(ctx, tid, n_in, rows)
        gf = base.ggml_new_graph(ctx)
        base.ggml_build_forward_expand(gf, base.ggml_mul_mat(ctx, w, x))
        wdata = base.ggml_get_data(w)
        base.ggml_quantize_chunk(tid, src.ctypes.data, wdata, 0, 64, n_in, None)
        for r in range(64, rows, 64):  # tile the 64 distinct rows, as bench_kernels does
            ctypes.memmove(wdata + r * rb, wdata, rb * min(64, rows - r))
        graphs.append(gf)
    xa = rng.uniform(-1, 1, size=(ntok, n_in)).astype(np.float32)
    ctypes.memmove(base.ggml_get_data(x), xa.ctypes.data, xa.nbytes)
    cpu.ggml_graph_compute_with_ctx(ctx, graphs[0], threads)  # warm-up
    best = best_cpu = 1e30
    for i in range(reps):
        gf = graphs[(i + 1) % copies]
        t0, c0 = time.perf_counter(), time.process_time()
        cpu.ggml_graph_compute_with_ctx(ctx, gf, threads)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    base.ggml_free(ctx)
    return wbytes, best, best_cpu


def measure(base, cpu, name, threads):
    tid = TYPES[name]
    mv_bytes = base.ggml_row_size(tid, N_IN) * MV_ROWS
    copies = min(16, (256 << 20) // mv_bytes + 1)  # > 8x L3 in rotation, as bench_kernels
    wbytes, t, _ = run(base, cpu, tid, N_IN, MV_ROWS, 1, threads, 12, copies)
    _, tm, tm_cpu = run(base, cpu, tid, N_IN, MM_ROWS, MM_TOK, threads, 3)
    ops = 2.0 * MM_TOK * MM_ROWS * N_IN
    # gops_per_cpu_s: work per CPU-second of the process (all threads), less sensitive to a busy machine
    out = [{"bench": "kernel", "type": name, "isa": "llama.cpp", "threads": threads,
            "matvec_gbs": round(wbytes / t / 1e9, 2), "matmul_tokens": MM_TOK,
            "matmul_gops": round(ops / tm / 1e9, 2), "matmul_gops_per_cpu_s": round(ops / tm_cpu / 1e9, 2)}]
    if name == "Q8_0":
        hb, th, _ = run(base, cpu, tid, HEAD_IN, HEAD_ROWS, 1, threads, 10, 2)
        out.append({"bench": "kernel_head", "type": name, "isa": "llama.cpp", "threads": threads,
                    "matvec_rows": HEAD_ROWS, "n_in": HEAD_IN, "matvec_gbs": round(hb / th / 1e9, 2)})
    return out


def tolk_lines(path, name, threads, isa):
    cmd = [path, "--json", "--threads", str(threads), "--type", name] + (["--isa", isa] if isa else [])
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]


def best(lines, key):
    vals = [line[key] for line in lines if key in line]
    return max(vals) if vals else float("nan")


def compare(base, cpu, a):
    print(f"{'type':6} {'read bw':>8} {'tolk mv':>8} {'% bw':>5} {'llama mv':>8} {'tolk mm':>8} {'llama mm':>8} {'ratio':>6}")
    print(f"{'':6} {'GB/s':>8} {'GB/s':>8} {'':>5} {'GB/s':>8} {'GOP/s':>8} {'GOP/s':>8} {'':>6}")
    rows = []
    for name in a.type or ["Q4_0", "Q4_K", "Q8_0", "Q5_0", "Q6_K"]:
        tl, ll = [], []
        for _ in range(a.rounds):
            tl += tolk_lines(a.tolk, name, a.threads, a.isa)
            ll += measure(base, cpu, name, a.threads)
        kern = [x for x in tl if x["bench"] == "kernel" and (not a.isa or x["isa"] == a.isa)]
        isa = kern[-1]["isa"] if kern else "?"
        kern = [x for x in kern if x["isa"] == isa]
        bw = best([x for x in tl if x["bench"] == "read_bandwidth"], "gbs")
        lk = [x for x in ll if x["bench"] == "kernel"]
        tmv, tmm, lmv, lmm = best(kern, "matvec_gbs"), best(kern, "matmul_gops"), best(lk, "matvec_gbs"), best(lk, "matmul_gops")
        rows.append({"type": name, "isa": isa, "read_bw_gbs": bw, "tolk_matvec_gbs": tmv, "llama_matvec_gbs": lmv,
                     "tolk_matmul_gops": tmm, "llama_matmul_gops": lmm, "matmul_ratio": tmm / lmm})
        print(f"{name:6} {bw:8.2f} {tmv:8.2f} {100 * tmv / bw:4.0f}% {lmv:8.2f} {tmm:8.1f} {lmm:8.1f} {tmm / lmm:5.2f}x",
              flush=True)
        if name == "Q8_0":
            th = best([x for x in tl if x["bench"] == "kernel_head" and x["isa"] == isa], "matvec_gbs")
            lh = best([x for x in ll if x["bench"] == "kernel_head"], "matvec_gbs")
            rows.append({"type": "Q8_0 262144x640", "isa": isa, "tolk_matvec_gbs": th, "llama_matvec_gbs": lh})
            print(f"{'  head':6} {bw:8.2f} {th:8.2f} {100 * th / bw:4.0f}% {lh:8.2f}   (262144 x 640 mat x vec)", flush=True)
    if a.json:
        for r in rows:
            print(json.dumps(r))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--type", action="append")
    ap.add_argument("--tolk", help="path of bench_kernels: alternate it with llama.cpp and print the comparison")
    ap.add_argument("--isa", help="with --tolk: the kernel path to compare (default: the last, fastest)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="with --tolk: also print the table as JSON lines")
    a = ap.parse_args()
    base, cpu = load()
    if a.tolk:
        compare(base, cpu, a)
        return
    for name in a.type or TYPES:
        for line in measure(base, cpu, name, a.threads):
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""numpy sgemm (its OpenBLAS) on the table's Q projection shape, X (rows, 4096) times a 4096 x 4096 weight
stored two ways: [in, out] (`X @ W`, what ckpt multiplies now) and [out, in] (`X @ W.T`, a linear
layer's own layout). Backs the README's reason for keeping Q/K/V weights transposed.
Usage: OPENBLAS_NUM_THREADS=1 Scripts/bench_gemm_layout.py   (ckpt's table workers run BLAS single-threaded)
"""
import os, time
import numpy as np

rng = np.random.default_rng(0)
w_in_out = rng.standard_normal((4096, 4096), dtype=np.float32)
w_out_in = np.ascontiguousarray(w_in_out.T)


def gflops(product, rows, repeats=20):
    product()
    start = time.perf_counter()
    for _ in range(repeats): product()
    return 2 * rows * 4096 * 4096 * repeats / (time.perf_counter() - start) / 1e9


for rows in (256, 512):
    x = rng.standard_normal((rows, 4096), dtype=np.float32)
    print(f"threads {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}, rows {rows}: "
          f"X @ W [in, out] {gflops(lambda: x @ w_in_out, rows):.1f} GFLOPS, "
          f"X @ W.T [out, in] {gflops(lambda: x @ w_out_in.T, rows):.1f} GFLOPS")

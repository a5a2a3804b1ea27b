"""RBM AIS on a CUDA GPU against the CPU and the GPU's own GEMM floor: one short script.

    python3 benchmarks/gpu.py          # writes benchmarks/results/gpu.md (needs a CUDA GPU)

A 784x500 RBM (random weights), 1,000 temperatures, 100 and 10,000 chains: ``pt.ais`` with
``device="cuda"`` (float64 and float32) and on the CPU (all cores), each after a warm-up
call that compiles its kernels; the GEMM floor is the time of the two products per
temperature, ``(chains x 784) @ (784 x 500)`` and back, by cuBLAS through CuPy (left out
without CuPy). Every GPU run is checked against the CPU run of the same seed (the log
weights agree to rounding). About a minute on a recent GPU and a 16-core CPU.
"""

from __future__ import annotations

import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import partition as pt

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
N_TEMPERATURES = 1000


def _model():
    gen = np.random.default_rng(0)
    return pt.BernoulliRBM(gen.normal(0, 0.01, (784, 500)), gen.normal(0, 0.1, 784),
                           gen.normal(0, 0.1, 500))  # fmt: skip


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _gemm_floor(model, n_chains, dtype):
    try:
        import cupy
    except ImportError:
        return float("nan")
    v = cupy.asarray(np.random.default_rng(1).random((n_chains, 784)) < 0.5, dtype=dtype)
    w = cupy.asarray(model.weights, dtype=dtype)
    h = v @ w
    cupy.cuda.Device().synchronize()
    start = time.perf_counter()
    for _ in range(N_TEMPERATURES):
        h = v @ w
        v2 = h @ w.T
    cupy.cuda.Device().synchronize()
    del v2
    return time.perf_counter() - start


def main() -> int:
    from numba import cuda

    if not cuda.is_available():
        print("no CUDA device: nothing measured (this script is for a machine with a GPU)")
        return 1
    model = _model()
    rows = []
    for n_chains in (100, 10_000):
        pt.ais(model, n_chains=n_chains, schedule=2, rng=0)  # compile (CPU)
        cpu, cpu_seconds = _timed(
            lambda n=n_chains: pt.ais(model, n_chains=n, schedule=N_TEMPERATURES, rng=1)
        )
        for dtype in (np.float64, np.float32):
            pt.ais(model, n_chains=n_chains, schedule=2, rng=0, device="cuda", dtype=dtype)
            gpu, seconds = _timed(
                lambda n=n_chains, d=dtype: pt.ais(
                    model, n_chains=n, schedule=N_TEMPERATURES, rng=1, device="cuda", dtype=d
                )
            )
            floor = _gemm_floor(model, n_chains, dtype)
            rows.append({
                "chains": n_chains, "dtype": np.dtype(dtype).name, "gpu_seconds": seconds,
                "cpu_seconds": cpu_seconds, "gpu_vs_cpu": cpu_seconds / seconds,
                "gemm_floor_seconds": floor, "gpu_vs_floor": seconds / floor,
                "max_log_weight_difference": float(
                    np.max(np.abs(gpu.log_weights - cpu.log_weights))
                ),
            })  # fmt: skip
            print(rows[-1], flush=True)
    os.makedirs(RESULTS, exist_ok=True)
    name = cuda.get_current_device().name
    name = name.decode() if isinstance(name, bytes) else name
    with open(os.path.join(RESULTS, "gpu.md"), "w") as fh:
        fh.write(f"# 784x500 RBM AIS, {N_TEMPERATURES} temperatures: GPU against CPU\n\n")
        fh.write(f"{name}; CPU {platform.processor() or platform.machine()}, "
                 f"{os.cpu_count()} cores\n\n")  # fmt: skip
        keys = list(rows[0])
        fh.write("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys) + "\n")
        for row in rows:
            cells = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in row.values()]
            fh.write("| " + " | ".join(cells) + " |\n")
    print("wrote", os.path.join(RESULTS, "gpu.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

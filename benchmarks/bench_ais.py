"""pt.ais against a vectorised NumPy AIS and the GEMM floor, in the same run.

Cases:

- ``784x500``: 100 chains, timed on a 1,000-temperature slice; the 14,500-step
  Salakhutdinov-Murray schedule costs the same per temperature, so totals are scaled by 14.5.
  Implementations: NumPy AIS, the GEMM floor (float64 and float32: just the two products
  per temperature), ``pt.ais`` batched float64 and float32.
- ``64x20``: 1,000 chains, 10,000 temperatures: NumPy AIS against ``pt.ais`` (auto driver,
  batched for this size, and the fused driver).
- ``64x20 S&M``: 100 chains (the chain count of Salakhutdinov & Murray's protocol), 10,000
  linear temperatures: NumPy AIS (as PyDeep runs it) against ``pt.ais`` with each driver.

- ``784x500 drivers``: 100 chains, 100 temperatures, fused against batched and ``auto``.

So each table shows whether ``auto`` picks the fastest driver, and the 1- and 2-thread rows
give the thread speed-up at 100 chains.

Weights are N(0, 0.05^2) (784x500) and N(0, 0.5^2) (64x20), biases N(0, 1).
"""

from __future__ import annotations

import numpy as np

import partition as pt
from benchmarks.baselines import ais_numpy, gemm_floor
from benchmarks.bench_exact import thread_counts  # noqa: F401 - same thread settings
from benchmarks.harness import Case

SCALE_TO_SM = 14500 / 1000


def _ais(model, n_chains, betas, **kw):
    return lambda: pt.ais(model, n_chains=n_chains, schedule=betas, rng=0, **kw).log_z


def cases(quick: bool = False) -> list[Case]:
    out = []
    n_steps = 100 if quick else 1000
    big = pt.BernoulliRBM.random(784, 500, weight_scale=0.05, rng=1)
    betas = np.linspace(0.0, 1.0, n_steps + 1)
    out.append(
        Case(
            name="784x500",
            params={"n_visible": 784, "n_hidden": 500, "n_chains": 100, "n_steps": n_steps},
            implementations={
                "numpy_ais": lambda: ais_numpy(
                    *big.params, np.zeros(784), betas, 100, np.random.default_rng(0)
                ),
                "gemm_floor_f64": lambda: gemm_floor(big.weights, 100, n_steps),
                "gemm_floor_f32": lambda: gemm_floor(big.weights, 100, n_steps, np.float32),
                "pt.ais batched f64": _ais(big, 100, betas, driver="batched"),
                "pt.ais batched f32": _ais(big, 100, betas, dtype=np.float32),
            },
            baseline="gemm_floor_f64",
            repeat=1,
            warmup=("pt.ais batched f64", "pt.ais batched f32"),
            work=n_steps,
            work_unit="temperatures",
        )
    )
    betas_short = np.linspace(0.0, 1.0, n_steps // 10 + 1)
    out.append(
        Case(
            name="784x500 drivers",
            params={"n_visible": 784, "n_hidden": 500, "n_chains": 100, "n_steps": n_steps // 10},
            implementations={
                "pt.ais fused": _ais(big, 100, betas_short, driver="fused"),
                "pt.ais batched": _ais(big, 100, betas_short, driver="batched"),
                "pt.ais auto": _ais(big, 100, betas_short),
            },
            baseline="pt.ais batched",
            repeat=1,
            warmup=("pt.ais fused",),
            work=n_steps // 10,
            work_unit="temperatures",
        )
    )
    small = pt.BernoulliRBM.random(64, 20, weight_scale=0.5, rng=2)
    n_small = 1000 if quick else 10000
    betas_small = np.linspace(0.0, 1.0, n_small + 1)
    out.append(
        Case(
            name="64x20",
            params={"n_visible": 64, "n_hidden": 20, "n_chains": 1000, "n_steps": n_small},
            implementations={
                "numpy_ais": lambda: ais_numpy(
                    *small.params, np.zeros(64), betas_small, 1000, np.random.default_rng(0)
                ),
                "pt.ais fused": _ais(small, 1000, betas_small, driver="fused"),
                "pt.ais auto (batched)": _ais(small, 1000, betas_small),
            },
            baseline="numpy_ais",
            repeat=1,
            warmup=("pt.ais fused", "pt.ais auto (batched)"),
            work=n_small,
            work_unit="temperatures",
        )
    )
    betas_sm = np.linspace(0.0, 1.0, n_small + 1)
    out.append(
        Case(
            name="64x20 S&M",
            params={"n_visible": 64, "n_hidden": 20, "n_chains": 100, "n_steps": n_small},
            implementations={
                "numpy_ais": lambda: ais_numpy(
                    *small.params, np.zeros(64), betas_sm, 100, np.random.default_rng(0)
                ),
                "pt.ais fused": _ais(small, 100, betas_sm, driver="fused"),
                "pt.ais batched": _ais(small, 100, betas_sm, driver="batched"),
                "pt.ais auto": _ais(small, 100, betas_sm),
            },
            baseline="numpy_ais",
            repeat=3,
            warmup=("pt.ais fused", "pt.ais batched"),
            work=n_small,
            work_unit="temperatures",
        )
    )
    return out

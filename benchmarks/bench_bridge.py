"""pt.bar against pymbar's BAR on 1,000,000 + 1,000,000 log ratios, same run.

The log ratios are those of two unit Gaussians half a standard deviation apart. Both
implementations return the same free-energy difference (the answer column; pymbar's sign
converted). pymbar is a test/benchmark-only dependency.
"""

from __future__ import annotations

import numpy as np

import partition as pt
from benchmarks.bench_exact import thread_counts  # noqa: F401 - same thread settings
from benchmarks.harness import Case


def _pymbar(la, lb):
    from pymbar import other_estimators

    return lambda: -other_estimators.bar(-la, lb)["Delta_f"]


def cases(quick: bool = False) -> list[Case]:
    n = 100_000 if quick else 1_000_000
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(0.0, 1.0, n), rng.normal(0.5, 1.0, n)
    la = 0.5 * xa**2 - 0.5 * (xa - 0.5) ** 2
    lb = 0.5 * xb**2 - 0.5 * (xb - 0.5) ** 2
    return [
        Case(
            name=f"{n}+{n}",
            params={"n_a": n, "n_b": n},
            implementations={
                "pymbar.other_estimators.bar": _pymbar(la, lb),
                "pt.bar": lambda: pt.bar(la, lb).log_z,
            },
            baseline="pymbar.other_estimators.bar",
            repeat=3,
            warmup=("pt.bar",),
            work=2.0 * n,
            work_unit="values",
        )
    ]

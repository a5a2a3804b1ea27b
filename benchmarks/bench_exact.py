"""exact_log_z against the chunked NumPy baseline.

Cases: RBMs with 64 visible and 16, 20, 24 hidden units, and 784 visible with 20 hidden,
with random weights N(0, 0.5^2) (64 visible) and N(0, 0.05^2) (784 visible; 784 inputs of
that size give activations of MNIST-RBM magnitude). Both element modes of the kernel are
timed: "auto" (what users get; multiplicative for these models) and "additive" (the general
path with the vectorised polynomial exp, used when activations exceed +-600).
"""

from __future__ import annotations

import numba

import partition as pt
from benchmarks.baselines import exact_log_z_numpy
from benchmarks.harness import Case
from partition.models.rbm import enumerate_log_z

SIZES = [(64, 16, 0.5), (64, 20, 0.5), (64, 24, 0.5), (784, 20, 0.05)]


def additive(model) -> float:
    return enumerate_log_z(model, mode="additive")[0]


def cases(quick: bool = False) -> list[Case]:
    out = []
    for n_visible, n_hidden, scale in SIZES:
        if quick and n_hidden > 16:
            continue
        model = pt.BernoulliRBM.random(
            n_visible, n_hidden, weight_scale=scale, rng=n_visible * 100 + n_hidden
        )
        big = 2**n_hidden * n_visible > 2**26
        out.append(
            Case(
                name=f"{n_visible}x{n_hidden}",
                params={"n_visible": n_visible, "n_hidden": n_hidden},
                implementations={
                    "numpy_chunked": lambda m=model: exact_log_z_numpy(*m.params),
                    "exact_log_z (auto)": lambda m=model: enumerate_log_z(m)[0],
                    "exact_log_z (additive)": lambda m=model: additive(m),
                },
                baseline="numpy_chunked",
                repeat=1 if big else 3,
                warmup=("exact_log_z (auto)", "exact_log_z (additive)"),
                work=2.0**n_hidden,
            )
        )
    return out


def thread_counts() -> list[int]:
    all_threads = numba.config.NUMBA_NUM_THREADS
    return [1, all_threads] if all_threads > 1 else [1]

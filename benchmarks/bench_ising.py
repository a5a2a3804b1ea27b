"""Ising kernels: spin updates per second, and AIS error against cost at the critical point.

1. Heat-bath (checkerboard) and Metropolis sweeps on periodic 64x64 (100 chains, 20 sweeps)
   and 256x256 (16 chains, 10 sweeps) lattices at the critical coupling, against a
   vectorised NumPy checkerboard heat bath. Throughput column: site updates per second.
2. ``tables()``: AIS on the periodic 32x32 lattice at K_c with 100 chains and 100 to 10,000
   sigmoid-schedule temperatures, 3 seeds each: error against Kaufman's exact value, the
   reported standard error, and time.
"""

from __future__ import annotations

import time

import numpy as np

import partition as pt
from benchmarks.baselines import ising_checkerboard_numpy
from benchmarks.bench_exact import thread_counts  # noqa: F401 - same thread settings
from benchmarks.harness import Case
from partition.engine import Population, Schedule
from partition.kernels._random import seed_streams
from partition.kernels.ising import sample_uniform_spins
from partition.models.ising import critical_coupling

KC = critical_coupling()


def _kernel(model, n_chains, n_sweeps, metropolis):
    """``n_sweeps`` sweeps at beta = 1 by the engine's cached kernel: a segment of two equal
    temperatures with the transition at its end (it also computes each chain's energy once,
    as a segment does)."""
    path = model.annealing_path(transition="metropolis" if metropolis else "gibbs")
    kernel, engine_model = path.segment_kernel(), path.engine_model()
    scratch_shape = (2, int(np.max(np.diff(path.class_ptr))))
    state, _ = seed_streams(np.random.default_rng(0), n_chains)
    spins = np.empty((n_chains, model.n_spins))
    sample_uniform_spins(spins, state)
    schedule = Schedule(np.ones((1, 2)), np.zeros((1, 2)), n_sweeps, True)
    population = Population(spins, state, np.zeros(n_chains), np.zeros(n_chains, dtype=np.int64),
                            np.zeros((n_chains, 0)), np.zeros((n_chains, 1)))  # fmt: skip

    def run() -> float:
        kernel(engine_model, schedule, population, scratch_shape)
        return float(spins.mean())

    return run


def _numpy(L, n_chains, n_sweeps):
    rng = np.random.default_rng(0)
    spins = np.where(rng.random((n_chains, L, L)) < 0.5, 1.0, -1.0)
    return lambda: ising_checkerboard_numpy(spins, KC, 1.0, n_sweeps, rng)


def cases(quick: bool = False) -> list[Case]:
    out = []
    for L, n_chains, n_sweeps in ((64, 100, 20), (256, 16, 10)):
        if quick:
            n_sweeps = 2
        model = pt.IsingModel.square_lattice(L, coupling=KC)
        out.append(
            Case(
                name=f"{L}x{L}",
                params={"L": L, "n_chains": n_chains, "n_sweeps": n_sweeps},
                implementations={
                    "numpy_checkerboard": _numpy(L, n_chains, n_sweeps),
                    "kernel heat-bath": _kernel(model, n_chains, n_sweeps, False),
                    "kernel metropolis": _kernel(model, n_chains, n_sweeps, True),
                },
                baseline="numpy_checkerboard",
                repeat=3,
                warmup=("kernel heat-bath", "kernel metropolis"),
                work=float(L * L * n_chains * n_sweeps),
                work_unit="site_updates",
            )
        )
    return out


def tables(quick: bool = False):
    L = 32
    exact = pt.ising_log_z(L, L, KC)
    model = pt.IsingModel.square_lattice(L, coupling=KC)
    pt.ais(model, n_chains=4, schedule=10, rng=0)  # compile
    rows = []
    for n_temps in (100, 300, 1000) if quick else (100, 300, 1000, 3000, 10000):
        errors, stderrs, seconds = [], [], []
        for seed in range(3):
            start = time.perf_counter()
            est = pt.ais(model, n_chains=100, schedule=n_temps, rng=seed)
            seconds.append(time.perf_counter() - start)
            errors.append(est.log_z - exact)
            stderrs.append(est.stderr)
        rows.append(
            {
                "lattice": f"{L}x{L} periodic, K_c",
                "n_temperatures": n_temps,
                "n_chains": 100,
                "mean_error": float(np.mean(errors)),
                "rms_error": float(np.sqrt(np.mean(np.square(errors)))),
                "mean_reported_stderr": float(np.mean(stderrs)),
                "max_abs_z": float(np.max(np.abs(np.array(errors) / np.array(stderrs)))),
                "seconds_per_run": float(np.mean(seconds)),
            }
        )
        print(f"  AIS 32x32 K_c  {n_temps:6d} temperatures  {rows[-1]}", flush=True)
    return [("ising_ais_error", "AIS error against cost, 32x32 periodic at K_c", rows)]

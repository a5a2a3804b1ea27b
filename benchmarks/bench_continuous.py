"""Continuous targets: HMC-AIS speed against plain NumPy, the cost of a step against its
gradients, and error against cost for RWM, MALA and HMC on every continuous test system.

- ``cases``: HMC-AIS on a correlated 10-d Gaussian, 1,000 chains, 100 temperatures, 10
  leapfrog steps at a fixed step size: ``pt.ais`` with a numba density, ``pt.ais`` with a
  vectorised NumPy density (the transitions' NumPy references), and a plain NumPy HMC-AIS
  (``baselines.hmc_ais_numpy``), at 1 and 2 threads.
- ``tables``: (1) the run's seconds per gradient evaluation over a bare loop of
  ``grad_log_prob`` calls on the same points (compiled, one thread): the overhead of the
  sampler around the density; (2) for each test system and transition, at two budgets, the
  RMS error against the exact log Z over repeats, the mean reported standard error, seconds
  and gradient evaluations.
"""

from __future__ import annotations

import time
import warnings

import numba
import numpy as np

import partition as pt
from benchmarks.baselines import hmc_ais_numpy
from benchmarks.harness import Case, threads
from partition.models.continuous_systems import continuous_systems, correlated_gaussian


def thread_counts():
    return (1, 2)


def _numpy_pair(target):
    mean, cov = target.info["mean"], target.info["cov"]
    precision = np.linalg.inv(cov)

    def log_prob(x):
        y = x - mean
        return -0.5 * np.einsum("ni,ij,nj->n", y, precision, y)

    def grad(x):
        return -(x - mean) @ precision

    return log_prob, grad


def cases(quick: bool = False) -> list[Case]:
    n_chains = 200 if quick else 1000
    target = correlated_gaussian(10)
    log_prob, grad = _numpy_pair(target)
    vectorised = pt.LogDensity(log_prob, grad, dim=10, vectorized=True)
    betas = np.linspace(0.0, 1.0, 101)
    hmc = pt.transitions.HMC(step_size=0.3, n_leapfrog=10, adapt=False)
    base = target.base

    def run_pt(model):  # (run.py silences the low-ESS warnings of short runs)
        return lambda: pt.ais(model, n_chains=n_chains, schedule=betas, transition=hmc, rng=0).log_z

    def run_numpy():
        rng = np.random.default_rng(0)
        return hmc_ais_numpy(log_prob, grad, base.mean, base.chol, betas, n_chains, 0.3, 10, rng)

    return [
        Case(
            name=f"d=10, {n_chains} chains, 100 temps, 10 leapfrog",
            params={"dim": 10, "n_chains": n_chains, "n_temperatures": 100, "n_leapfrog": 10},
            implementations={
                "numpy HMC-AIS": run_numpy,
                "pt.ais (numba density)": run_pt(target),
                "pt.ais (vectorized numpy density)": run_pt(vectorised),
            },
            baseline="numpy HMC-AIS",
            repeat=3,
            warmup=("pt.ais (numba density)",),
            work=float(n_chains * 99 * 10),
            work_unit="gradients",
        )
    ]


@numba.njit(nogil=True)
def _bare_gradients(grad, points, repeats):
    total = 0.0
    out = np.empty(points.shape[1])
    for _ in range(repeats):
        for i in range(points.shape[0]):
            grad(points[i], out)
            total += out[0]
    return total


def _gradient_overhead(quick):
    rows = []
    for dim in (10, 100):
        target = correlated_gaussian(dim)
        hmc = pt.transitions.HMC(step_size=0.2, n_leapfrog=10, adapt=False)
        n_chains = 200 if quick else 1000
        with threads(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pt.ais(target, n_chains=8, schedule=3, transition=hmc, rng=0)  # compile
            est = pt.ais(target, n_chains=n_chains, schedule=50, transition=hmc, rng=1)
            points = target.sample_exactly(n_chains, np.random.default_rng(0))
            _bare_gradients(target._grad_in_place, points[:2], 1)
            n_grad = est.info["n_gradient_evaluations"]
            repeats = max(1, n_grad // n_chains)
            start = time.perf_counter()
            _bare_gradients(target._grad_in_place, points, repeats)
            bare = (time.perf_counter() - start) / (repeats * n_chains)
        per_grad = est.info["seconds"] / n_grad
        rows.append({
            "dim": dim,
            "n_chains": n_chains,
            "gradient_evaluations": n_grad,
            "ns_per_gradient_in_ais": 1e9 * per_grad,
            "ns_per_bare_gradient": 1e9 * bare,
            "ais_over_bare": per_grad / bare,
        })  # fmt: skip
        print(f"  d={dim}: {rows[-1]}", flush=True)
    return rows


def _error_vs_cost(quick):
    systems = continuous_systems()
    repeats = 2 if quick else 5
    budgets = (100,) if quick else (100, 1000)
    rows = []
    transitions = {
        "rwm": lambda: pt.transitions.RandomWalk(),
        "mala": lambda: pt.transitions.MALA(),
        "hmc": lambda: pt.transitions.HMC(n_leapfrog=5),
    }
    for name, target in systems.items():
        exact = target.known_log_z
        for label, make in transitions.items():
            for n_temps in budgets:
                errors, stderrs, seconds, grads = [], [], [], []
                for rep in range(repeats):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        est = pt.ais(target, n_chains=200, schedule=n_temps, transition=make(),
                                     rng=100 + rep)  # fmt: skip
                    errors.append(est.log_z - exact)
                    stderrs.append(est.stderr)
                    seconds.append(est.info["seconds"])
                    grads.append(est.info["n_gradient_evaluations"])
                row = {
                    "system": name,
                    "transition": label,
                    "n_temperatures": n_temps,
                    "n_chains": 200,
                    "repeats": repeats,
                    "rms_error": float(np.sqrt(np.mean(np.square(errors)))),
                    "mean_reported_stderr": float(np.mean(stderrs)),
                    "seconds": float(np.mean(seconds)),
                    "gradient_evaluations": float(np.mean(grads)),
                }
                rows.append(row)
                print(
                    f"  {name:<14} {label:<5} {n_temps:>5} temps: rms {row['rms_error']:.3f} "
                    f"se {row['mean_reported_stderr']:.3f} {row['seconds']:.2f} s",
                    flush=True,
                )
    return rows


def tables(quick: bool = False):
    return [
        ("continuous_gradient_cost", "HMC-AIS seconds per gradient against bare gradient calls",
         _gradient_overhead(quick)),
        ("continuous_error", "AIS error against cost on the continuous test systems",
         _error_vs_cost(quick)),
    ]  # fmt: skip

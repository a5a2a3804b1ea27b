"""BDMC: the sandwich closing in as the number of temperatures grows (accuracy table).

The shipped digits RBM (64x20, exact log Z by enumeration) and the 6x6 periodic Ising
lattice at K = 0.44 (exact by Kaufman): forward AIS, reverse AIS from exact samples, their
gap and the BAR combination, 100 chains a direction, sigmoid schedules of 10 to 3,000
temperatures, 5 seeds each.
"""

from __future__ import annotations

import time

import numpy as np

import partition as pt
from benchmarks.bench_exact import thread_counts  # noqa: F401 - same thread settings


def cases(quick: bool = False):  # noqa: ARG001 - the runner's interface
    """No timed comparison here: this benchmark is an accuracy table."""
    return []


def tables(quick: bool = False):
    rbm = pt.datasets.digits_rbm()
    ising = pt.IsingModel.square_lattice(6, coupling=0.44)
    models = [
        ("digits RBM 64x20", rbm, pt.exact_log_z(rbm).log_z),
        ("Ising 6x6 K=0.44", ising, pt.ising_log_z(6, 6, 0.44)),
    ]
    rows = []
    for name, model, exact in models:
        for n_temps in (10, 100) if quick else (10, 30, 100, 300, 1000, 3000):
            found = {"lower": [], "upper": [], "combined": [], "gap": [], "seconds": []}
            for seed in range(2 if quick else 5):
                start = time.perf_counter()
                b = pt.bdmc(model, n_chains=100, schedule=n_temps, rng=seed)
                found["seconds"].append(time.perf_counter() - start)
                found["gap"].append(b.gap)
                for side in ("lower", "upper", "combined"):
                    found[side].append(getattr(b, side).log_z - exact)
            row = {"model": name, "n_temperatures": n_temps}
            for side in ("lower", "upper", "combined"):
                row[f"{side}_mean_error"] = float(np.mean(found[side]))
                row[f"{side}_rms_error"] = float(np.sqrt(np.mean(np.square(found[side]))))
            row["mean_gap"] = float(np.mean(found["gap"]))
            row["seconds_per_bdmc"] = float(np.mean(found["seconds"]))
            rows.append(row)
            print(f"  {name} {n_temps:5d}: {row}", flush=True)
    return [("bdmc_gap", "BDMC bounds and gap against the number of temperatures", rows)]

"""Never silently wrong: how often an interval misses the exact value without a warning.

``pt.benchmark`` over every system of :mod:`partition.testsystems` with every built-in
estimator (AIS, reverse AIS, BDMC, SMC on the same fixed schedule, linked importance
sampling, at the two smallest budgets only: it steps from Python) and each system's built-in
transitions, at budgets of 30, 100 and 1,000 transitions per chain, 5 repeats of 100 chains.
A run *misses* when its reported 95% interval (BDMC: from the lower bound's low end to the
upper bound's high end) leaves out the exact log Z; it *warns* when it raised an
:class:`~partition.UnreliableEstimateWarning`. The goal: at most 5% silent misses (missed and
did not warn, of all runs) in every estimator x family cell, and at most 25% false alarms
(warned, of the covered runs).

Tables: ``trust`` (estimator x family), ``trust_budget`` (estimator x family x budget) and
``trust_runs`` (every run with its warning). ``PARTITION_QUICK=1`` runs three small systems.
"""

from __future__ import annotations

import pathlib

import numpy as np

import partition as pt
from partition.benchmark import ESTIMATORS

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
BUDGETS = (30, 100, 1000)
REPEATS = 5


def cases(quick: bool = False):  # noqa: ARG001 - the runner's interface
    """No timed comparison here: a table of coverage and warnings."""
    return []


#: The seed of the systems that the tests never saw (:func:`unseen_systems`).
UNSEEN_SEED = 20261204


def unseen_systems(seed: int = UNSEEN_SEED) -> list:
    """Systems outside the registry, drawn from ``seed``, each with an exact log Z: 10
    random RBMs (8-48 x 4-14 units, weight scales 0.3-2), 5 Ising models (open lattices of
    8-20 spins a side at couplings 0.2-0.65, a torus, an open spin glass; Kac-Ward and
    Kaufman) and 5 continuous densities (correlated Gaussians, mixtures with 2 and 3 modes,
    a Bayesian regression, a funnel of another width)."""
    from partition.models import continuous_systems as cs
    from partition.models.ising import square_lattice_edges
    from partition.models.ising_exact import kac_ward_log_z, kaufman_log_z

    g = np.random.default_rng(seed)
    out = []

    def add(name, family, model, log_z, source):
        unit = "evaluations" if family == "continuous" else "sweeps"
        out.append(pt.testsystems.TestSystem(name=name, description=name, model=model,
                                             log_z=float(log_z), source=source, family=family,
                                             cost_unit=unit))  # fmt: skip

    for i in range(10):
        nv, nh = int(g.integers(8, 49)), int(g.integers(4, 15))
        scale = float(np.round(g.uniform(0.3, 2.0), 2))
        rbm = pt.BernoulliRBM.random(nv, nh, weight_scale=scale, rng=int(g.integers(2**31)))
        add(f"unseen-rbm-{i}-{nv}x{nh}-w{scale}", "rbm", rbm, pt.exact_log_z(rbm).log_z,
            "enumeration of the smaller layer")  # fmt: skip
    for i in range(3):
        side, k = int(g.integers(8, 21)), float(np.round(g.uniform(0.2, 0.65), 3))
        model = pt.IsingModel.square_lattice(side, coupling=k, boundary="open")
        add(f"unseen-ising-{i}-open{side}-k{k}", "ising", model, kac_ward_log_z(model), "Kac-Ward")
    side, k = int(g.integers(12, 25)), float(np.round(g.uniform(0.2, 0.65), 3))
    add(f"unseen-ising-3-torus{side}-k{k}", "ising", pt.IsingModel.square_lattice(side, coupling=k),
        kaufman_log_z(side, side, k), "Kaufman")  # fmt: skip
    spread = float(np.round(g.uniform(0.5, 1.5), 2))
    couplings = g.normal(0.0, spread, square_lattice_edges(12, 12, "open").shape[0])
    glass = pt.IsingModel.square_lattice(12, coupling=couplings, boundary="open")
    add(f"unseen-ising-4-glass12-s{spread}", "ising", glass, kac_ward_log_z(glass), "Kac-Ward")
    d, cond = int(g.integers(3, 31)), float(np.round(g.uniform(2.0, 50.0), 1))
    dens = [
        (f"unseen-gaussian-{d}d-c{cond}", cs.correlated_gaussian(d, condition=cond,
                                                                  seed=int(g.integers(1000)))),
    ]  # fmt: skip
    d, sep = int(g.integers(2, 9)), float(np.round(g.uniform(4.0, 10.0), 1))
    dens.append((f"unseen-mixture-{d}d-s{sep}", cs.gaussian_mixture(d, separation=sep)))
    sep = float(np.round(g.uniform(4.0, 8.0), 1))
    dens.append((f"unseen-mixture3-4d-s{sep}", cs.gaussian_mixture(4, separation=sep, n_modes=3)))
    n_data, dim = int(g.integers(20, 101)), int(g.integers(2, 9))
    dens.append((f"unseen-regression-{dim}d-n{n_data}",
                 cs.bayesian_regression(n_data, dim, seed=int(g.integers(1000)))))  # fmt: skip
    sigma_v = float(np.round(g.uniform(1.0, 2.5), 2))
    dens.append((f"unseen-funnel-6d-v{sigma_v}", cs.funnel(6, sigma_v=sigma_v)))
    for name, model in dens:
        add(name, "continuous", model, model.known_log_z, "closed form")
    return out


def tables(quick: bool = False, unseen: bool = False):
    """The tables over the registry, or (``unseen``) over :func:`unseen_systems`."""
    targets = ["rbm-tiny-10x8", "ising-ring-20", "gaussian-10d"] if quick else "all"
    if unseen:
        targets = unseen_systems()[:: 7 if quick else 1]
    budgets = BUDGETS[:2] if quick else BUDGETS
    repeats = 2 if quick else REPEATS
    main = pt.benchmark(targets, estimators=[e for e in ESTIMATORS if e != "lis"],
                        budgets=budgets, n_repeats=repeats, progress=True,
                        rng=20261204)  # fmt: skip
    # linked importance sampling steps from Python at every temperature (4 s a run at
    # budget 100 on the 32x32 lattice): its two smallest budgets only
    lis = pt.benchmark(targets, estimators=["lis"], budgets=budgets[:2], n_repeats=repeats,
                       progress=True, rng=20261204)  # fmt: skip
    result = pt.BenchmarkResult(main.rows + lis.rows, main.skipped + lis.skipped)
    cells = result.trust(by=("estimator", "family"))
    total = result.trust(by=())
    for line in [*cells, *total]:
        print(f"  {line.get('estimator', 'all'):<12} {line.get('family', 'all'):<11} "
              f"runs {line['runs']:>5} cover {line['coverage']:.3f} "
              f"warned {line['warned']:.3f} silent {line['silent_miss_rate']:.3f} "
              f"false alarm {line['false_alarm_rate']:.3f}")  # fmt: skip
    keep = ("target", "family", "estimator", "transition", "budget", "repeat", "log_z",
            "stderr", "exact", "error", "z_score", "covered", "warned", "lower", "upper",
            "ess", "acceptance_rate", "seconds", "checks", "warning")  # fmt: skip
    runs = [{k: row[k] for k in keep} for row in result.rows]
    by_budget = result.trust(by=("estimator", "family", "budget"))
    stem, where = ("trust_unseen", " on systems the tests never saw") if unseen else ("trust", "")
    return [
        (stem, f"Silent misses and false alarms per estimator and family{where} "
         "(goal: silent <= 0.05, false alarms <= 0.25)", [*cells, *total]),
        (f"{stem}_budget", f"Silent misses and false alarms per estimator, family and "
         f"budget{where}", by_budget),
        (f"{stem}_runs", f"Every run of the trust benchmark{where}, with its warnings", runs),
    ]  # fmt: skip

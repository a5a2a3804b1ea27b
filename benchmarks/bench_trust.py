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

import partition as pt
from partition.benchmark import ESTIMATORS

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
BUDGETS = (30, 100, 1000)
REPEATS = 5


def cases(quick: bool = False):  # noqa: ARG001 - the runner's interface
    """No timed comparison here: a table of coverage and warnings."""
    return []


def tables(quick: bool = False):
    targets = ["rbm-tiny-10x8", "ising-ring-20", "gaussian-10d"] if quick else "all"
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
    return [
        ("trust", "Silent misses and false alarms per estimator and family "
         "(goal: silent <= 0.05, false alarms <= 0.25)", [*cells, *total]),
        ("trust_budget", "Silent misses and false alarms per estimator, family and budget",
         by_budget),
        ("trust_runs", "Every run of the trust benchmark, with its warnings", runs),
    ]  # fmt: skip

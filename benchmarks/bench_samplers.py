"""Every built-in transition and estimator on every test system: error against cost.

``pt.benchmark`` over all of :mod:`partition.testsystems` with each system's built-in
transitions (block Gibbs; heat bath and Metropolis; random-walk Metropolis, MALA and HMC),
the estimators AIS, SMC (the same fixed schedule, resampling as needed) and BDMC, at three
budgets (transitions per chain) and five repeats of 100 chains. The summary table gives
per setting the RMS error, the mean error, the mean reported standard error, the mean |z|
and the coverage of the reported 95% interval; the figure draws RMS error against cost per
system; the runs table keeps every run.
"""

from __future__ import annotations

import os

import partition as pt

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
BUDGETS = (30, 100, 300)
REPEATS = 5


def cases(quick: bool = False):  # noqa: ARG001 - the runner's interface
    """No timed comparison here: an accuracy-versus-cost table."""
    return []


def tables(quick: bool = False):
    targets = ["rbm-tiny-10x8", "ising-ring-20", "gaussian-10d"] if quick else "all"
    budgets = BUDGETS[:2] if quick else BUDGETS
    result = pt.benchmark(targets, budgets=budgets, n_repeats=2 if quick else REPEATS,
                          progress=True, rng=20261202)  # fmt: skip
    summary = result.summary()
    for line in summary:
        print(f"  {line['target']:<24} {line['estimator']:<5} {line['transition']:<11} "
              f"{line['budget']:>5} rms {line['rms_error']:.3f} mean {line['mean_error']:+.3f} "
              f"se {line['mean_stderr']:.3f} |z| {line['mean_abs_z']:.2f} "
              f"cover {line['coverage']:.1f}")  # fmt: skip
    os.makedirs(RESULTS, exist_ok=True)
    if not quick:
        fig = result.plot()
        fig.savefig(os.path.join(RESULTS, "samplers.png"), dpi=60)
    rows = [{k: v for k, v in line.items() if k != "reaches_goal"} for line in summary]
    runs = [{k: v for k, v in row.items() if k != "seed"} for row in result.rows]  # warnings too
    return [
        ("samplers", "Built-in transitions and estimators on every test system (figure: "
         "samplers.png)", rows),
        ("samplers_runs", "Every run of the samplers benchmark", runs),
    ]  # fmt: skip

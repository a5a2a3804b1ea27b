"""Never silently wrong, on systems the tests never saw: the trust benchmark
(:mod:`benchmarks.bench_trust`) over :func:`benchmarks.bench_trust.unseen_systems`, 10
random RBMs, 5 Ising models and 5 continuous densities drawn from a fixed seed, each with an
exact log Z. Tables ``trust_unseen``, ``trust_unseen_budget`` and ``trust_unseen_runs``."""

from __future__ import annotations

from benchmarks import bench_trust


def cases(quick: bool = False):  # noqa: ARG001 - the runner's interface
    """No timed comparison here: a table of coverage and warnings."""
    return []


def tables(quick: bool = False):
    return bench_trust.tables(quick=quick, unseen=True)

"""Run the benchmarks: ``python3 benchmarks/run.py [exact ...]``.

Each benchmark times the package's implementations and a NumPy baseline in the same run at
one thread and at all threads, and writes ``benchmarks/results/<name>.md`` and ``.csv``.
Set ``PARTITION_QUICK=1`` for a small smoke run.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import (
    bench_ais,
    bench_bdmc,
    bench_bridge,
    bench_bridge_sampling,
    bench_contention,
    bench_continuous,
    bench_exact,
    bench_grbm,
    bench_ising,
    bench_samplers,
    bench_scale,
    bench_smc,
    bench_training,
    bench_trust,
    bench_trust_unseen,
)
from benchmarks.harness import run, write
from partition.results import UnreliableEstimateWarning

BENCHMARKS = {
    "ais": (bench_ais, "pt.ais versus NumPy AIS and the GEMM floor"),
    "contention": (bench_contention, "pt.ais under load: all threads against 1 thread"),
    "continuous": (bench_continuous, "HMC-AIS on continuous targets: speed, overhead, accuracy"),
    "bdmc": (bench_bdmc, "BDMC bounds closing in with more temperatures"),
    "bridge": (bench_bridge, "pt.bar versus pymbar's BAR"),
    "bridge_sampling": (bench_bridge_sampling, "bridge_sampling's accuracy and error bars"),
    "training": (bench_training, "training methods judged by the exact test log-likelihood"),
    "exact": (bench_exact, "exact_log_z versus chunked NumPy enumeration"),
    "grbm": (bench_grbm, "Gaussian-Bernoulli RBMs: training methods by exact test log-likelihood"),
    "ising": (bench_ising, "Ising sweeps versus a NumPy checkerboard heat bath"),
    "scale": (bench_scale, "AIS chains over local workers: wall time and overhead"),
    "samplers": (bench_samplers, "every built-in transition and estimator on every test system"),
    "smc": (bench_smc, "SMC against AIS: time on a fixed schedule; error against cost, blackjax"),
    "trust": (bench_trust, "silent misses and false alarms of every estimator on every system"),
    "trust-unseen": (bench_trust_unseen, "the same on 20 systems outside the registry"),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=sorted(BENCHMARKS), choices=sorted(BENCHMARKS))
    parser.add_argument(
        "--timed-only", action="store_true", help="the timed comparisons, not the accuracy tables"
    )
    args = parser.parse_args(argv)
    # warm-up calls with a handful of temperatures would warn; the tables carry the answers
    warnings.simplefilter("ignore", UnreliableEstimateWarning)
    quick = bool(os.environ.get("PARTITION_QUICK"))
    for name in args.names:
        module, title = BENCHMARKS[name]
        print(f"== {name}: {title}")
        timed = module.cases(quick=quick)
        if timed:
            write(run(timed, module.thread_counts()), getattr(module, "TIMED_STEM", name), title)
        if hasattr(module, "tables") and not args.timed_only:  # accuracy-versus-cost tables
            for stem, table_title, rows in module.tables(quick=quick):
                write(rows, stem, table_title)
    return 0


if __name__ == "__main__":
    sys.exit(main())

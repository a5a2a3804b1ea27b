"""pt.ais on a machine that is not idle: 1 thread against all threads under the same load.

Loads, each started before the timings and stopped after them:

- ``idle``: nothing else running;
- ``1 busy`` and ``2 busy``: one or two processes spinning in a Python loop;
- ``2nd partition AIS``: another process running ``pt.ais`` on the same model in a loop
  (at its default, all threads).

Cases: the shipped 64x20 digits RBM (100 chains, 2,000 sigmoid temperatures, the default
driver) and a 784x500 RBM (100 chains, 100 temperatures). Each time is the median of
``REPEAT`` runs. The table gives ``slowdown = seconds(all threads) / seconds(1 thread)``
under each load: above 1 means the extra threads cost time. Issue 11's goal: never above 1.3.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import partition as pt
from benchmarks.harness import threads

REPEAT = 5
_SPIN = "while True: pass"
_AIS_LOOP = (
    "import warnings\nimport partition as pt\nwarnings.simplefilter('ignore')\n"
    "m = pt.BernoulliRBM.random({n_visible}, {n_hidden}, weight_scale={scale}, rng=1)\n"
    "while True: pt.ais(m, n_chains=100, schedule={n_steps}, rng=0)\n"
)


def thread_counts() -> list[int]:
    return sorted({1, os.cpu_count() or 1})


def _models(quick: bool):
    digits = pt.datasets.digits_rbm()
    big = pt.BernoulliRBM.random(784, 500, weight_scale=0.05, rng=1)
    return [
        ("digits 64x20", digits, 200 if quick else 2000, (64, 20, 0.5)),
        ("784x500", big, 10 if quick else 100, (784, 500, 0.05)),
    ]


def _start_load(load: str, shape, n_steps) -> list[subprocess.Popen]:
    if load == "idle":
        return []
    if load.endswith("busy"):
        n = int(load.split()[0])
        return [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(n)]
    n_visible, n_hidden, scale = shape
    code = _AIS_LOOP.format(n_visible=n_visible, n_hidden=n_hidden, scale=scale, n_steps=n_steps)
    proc = subprocess.Popen([sys.executable, "-c", code])
    time.sleep(3.0)  # let it import and compile before timing
    return [proc]


def _stop(procs) -> None:
    for p in procs:
        p.kill()
        p.wait()


def _median_seconds(model, n_steps) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        pt.ais(model, n_chains=100, schedule=n_steps, rng=0)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cases(quick: bool = False):  # noqa: ARG001 - the harness's interface
    return []


def tables(quick: bool = False):
    rows = []
    counts = thread_counts()
    loads = ["idle", "1 busy", "2 busy", "2nd partition AIS"]
    for label, model, n_steps, shape in _models(quick):
        for n in counts:  # compile outside the timings
            with threads(n):
                pt.ais(model, n_chains=100, schedule=5, rng=0)
        for load in loads:
            procs = _start_load(load, shape, n_steps)
            try:
                seconds = {}
                for n in counts:
                    with threads(n):
                        seconds[n] = _median_seconds(model, n_steps)
            finally:
                _stop(procs)
            for n in counts:
                row = {
                    "case": label,
                    "load": load,
                    "threads": n,
                    "seconds": seconds[n],
                    "slowdown_vs_1_thread": seconds[n] / seconds[counts[0]],
                }
                rows.append(row)
                print(
                    f"  {label:<14} {load:<18} threads={n} {seconds[n]:8.4f} s  "
                    f"x{row['slowdown_vs_1_thread']:.2f} of 1 thread",
                    flush=True,
                )
    return [("contention", "pt.ais under load: all threads against 1 thread", rows)]

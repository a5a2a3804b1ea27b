"""AIS chains over local workers: wall time against one process, and the shards' overhead.

A 784x500 RBM (MNIST-sized, random weights), 1,000 chains: ``pt.ais`` in this process with
all its threads, then over a process pool of 2 spawned workers and a Dask ``LocalCluster``
of 2 worker processes (1 thread each), 2 shards. Each executor runs a small warm-up call
first (the workers' numba compilation or cache load is not timed). Every sharded run is
checked bit-identical to the single-process one. The columns: wall seconds, the ratio to
the single process, the model's pickled size and the seconds to pickle it (what each shard,
or with Dask each worker, receives), and the slowest shard's own wall time.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numba
import numpy as np

import partition as pt

N_CHAINS = 1000


def cases(quick: bool = False):  # noqa: ARG001 - the runner's interface
    """No thread sweep here: the table is one row per executor."""
    return []


def _model(quick):
    gen = np.random.default_rng(0)
    nv, nh = (64, 32) if quick else (784, 500)
    return pt.BernoulliRBM(gen.normal(0, 0.01, (nv, nh)), gen.normal(0, 0.1, nv),
                           gen.normal(0, 0.1, nh))  # fmt: skip


def _timed(model, schedule, executor=None):
    start = time.perf_counter()
    est = pt.ais(model, n_chains=N_CHAINS, schedule=schedule, rng=1, executor=executor)
    return est, time.perf_counter() - start


def tables(quick: bool = False):
    model = _model(quick)
    schedule = 20 if quick else 200
    pt.ais(model, n_chains=N_CHAINS, schedule=2, rng=0)  # compile here
    one, one_seconds = _timed(model, schedule)
    rows = [{
        "executor": f"this process ({numba.get_num_threads()} threads)", "workers": 1,
        "shards": 1, "seconds": one_seconds, "vs_one_process": 1.0, "payload_mb": 0.0,
        "pickle_seconds": 0.0, "slowest_shard_seconds": one_seconds, "bit_identical": True,
    }]  # fmt: skip

    def add(label, executor, workers):
        pt.ais(model, n_chains=N_CHAINS, schedule=2, rng=0, executor=executor)  # warm-up
        est, seconds = _timed(model, schedule, executor)
        rows.append({
            "executor": label, "workers": workers, "shards": est.info["n_shards"],
            "seconds": seconds, "vs_one_process": seconds / one_seconds,
            "payload_mb": est.info["shard_payload_bytes"] / 2**20,
            "pickle_seconds": est.info["serialise_seconds"],
            "slowest_shard_seconds": max(est.info["shard_seconds"]),
            "bit_identical": bool(np.array_equal(est.log_weights, one.log_weights)),
        })  # fmt: skip
        print(f"  {label:<34} {seconds:8.2f} s  x{seconds / one_seconds:.2f}", flush=True)

    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        add("ProcessPoolExecutor (spawn)", pool, 2)
    try:
        import distributed
    except ImportError:
        print("  distributed is not installed: its row is left out (pip install dask[distributed])")
    else:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:  # fmt: skip
            with distributed.Client(cluster) as client:
                add("Dask LocalCluster (2 processes)", client, 2)
    cores = os.cpu_count()
    title = (f"pt.ais on a {model.n_visible}x{model.n_hidden} RBM, {N_CHAINS} chains x "
             f"{schedule} temperatures, over local workers ({cores} cores)")  # fmt: skip
    return [("scale", title, rows)]

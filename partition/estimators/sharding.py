"""Chains over processes and machines: any ``concurrent.futures.Executor`` or a Dask client.

An annealing run's chains are independent and each has its own indexed stream
(:mod:`partition.kernels._random`), so a run can be cut into shards of contiguous chains
that run anywhere and still give the numbers of the run in one process. :func:`anneal_sharded`
does that for the one annealing driver (:func:`partition.estimators.annealing.anneal`):

- the streams (and any start states) are made in the calling process, for all chains;
- the family's path is first fixed for the whole run where its choices depend on the chain
  count (``path.for_shards``: the RBM driver and segment length, a continuous transition's
  step sizes from one pilot), so that every shard steps as the whole run would;
- with a Dask ``distributed.Client`` the path travels to each worker once
  (``client.scatter(..., broadcast=True)``); with a process pool the default is one shard
  per worker, so it travels once per worker there too;
- log weights, states and statistics are gathered in chain order; a shard that fails (a
  worker that died, Dask's ``KilledWorker`` after its retries) fails the run with an error
  that says so, never a result from fewer chains than asked.

Workers compile the kernels on their first shard (numba's on-disk cache makes it fast on
the next runs); ``info["shard_seconds"]`` shows each shard's wall time.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import pickle
import time
from typing import Any

import numpy as np

from partition._progress import Progress

__all__ = ["anneal_sharded", "check_executor", "n_workers"]


def is_dask_client(executor) -> bool:
    """Whether ``executor`` is a ``distributed.Client`` (without importing distributed)."""
    return type(executor).__module__.split(".")[0] == "distributed" and hasattr(executor, "scatter")


def check_executor(executor, name: str = "executor"):
    """``executor`` if it is None, a ``concurrent.futures.Executor`` or a Dask client; a
    ``TypeError`` naming ``name`` otherwise (before any work starts)."""
    if executor is None or is_dask_client(executor):
        return executor
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        _check_start_method(executor, name)
    if isinstance(executor, concurrent.futures.Executor):
        return executor
    raise TypeError(
        f"{name} must be a concurrent.futures.Executor (e.g. ProcessPoolExecutor) or a Dask "
        f"distributed.Client, got {type(executor).__name__}"
    )


def _check_start_method(pool: concurrent.futures.ProcessPoolExecutor, name: str) -> None:
    """Refuse a pool that forks its workers unless numba's threading layer survives a fork.

    A forked worker inherits this process's threading layer: GNU OpenMP (numba's ``omp``
    layer, its default where TBB is missing) aborts the worker on its first parallel kernel
    ("fork() called from a process already using GNU OpenMP"), and the run would end in a
    BrokenProcessPool. Only the ``tbb`` layer is fork-safe."""
    import numba

    context = getattr(pool, "_mp_context", None)
    method = context.get_start_method() if context is not None else None
    if method != "fork":
        return
    try:
        layer = numba.threading_layer()  # the layer this process launched
    except ValueError:  # none yet: the one this process will launch
        layer = numba.config.THREADING_LAYER
    if layer in ("tbb", "safe"):
        return
    raise ValueError(
        f"{name}: a ProcessPoolExecutor that forks its workers (Linux's default) cannot run "
        f"numba's parallel kernels: numba's threading layer here ({layer!r}) does not survive "
        "a fork. Make the pool with mp_context=multiprocessing.get_context('spawn') (or "
        "'forkserver'), or install tbb and set NUMBA_THREADING_LAYER=tbb"
    )


def n_workers(executor) -> int:
    """Workers of an executor: a Dask client's worker processes, a pool's ``max_workers``
    (1 when it does not say)."""
    if is_dask_client(executor):
        return max(1, len(executor.scheduler_info().get("workers", {})))
    return max(1, int(getattr(executor, "_max_workers", 1) or 1))


def check_shards(n_shards, n_chains: int, executor) -> int:
    """The number of shards: ``n_shards``, or one per worker; at most ``n_chains``."""
    from partition._validation import check_int

    if n_shards is None:
        n_shards = n_workers(executor)
    n_shards = check_int(n_shards, "n_shards", minimum=1)
    return min(n_shards, n_chains)


def submit(executor, fn, *args):
    """``executor.submit(fn, *args)``; Dask tasks are marked impure (each has its seed)."""
    if is_dask_client(executor):
        return executor.submit(fn, *args, pure=False)
    return executor.submit(fn, *args)


def gather(futures, describe, bar=None, consequence: str = "") -> list:
    """The futures' results in order. The first that fails cancels the rest and raises a
    ``RuntimeError`` that starts with ``describe(k)`` (what task ``k`` was) and ends with
    ``consequence``: no partial result comes back."""
    results = []
    try:
        for k, future in enumerate(futures):
            try:
                results.append(future.result())
            except Exception as exc:
                raise RuntimeError(
                    f"{describe(k)} failed on the executor ({type(exc).__name__}: {exc})"
                    f"{consequence}"
                ) from exc
            if bar is not None:
                bar.update(k + 1)
    finally:
        for future in futures[len(results) :]:
            future.cancel()
    return results


def _run_shard(path, betas, n_sweeps, streams, initial, transition_at_end):
    """One shard on a worker (module level, so that process pools can pickle it)."""
    from partition.estimators.annealing import run_chains

    start = time.perf_counter()
    log_w, states, info = run_chains(path, betas, n_sweeps, streams, initial, transition_at_end)
    info["shard_wall"] = time.perf_counter() - start
    return log_w, states, info


def merge_info(infos: list[dict[str, Any]], sizes: list[int]) -> dict[str, Any]:
    """One ``info`` from the shards': counts (``n_*``) summed, rates averaged with the
    shards' steps (or chains) as weights, the rest from the first shard."""
    out = dict(infos[0])
    steps = np.array([i.get("n_steps", n) for i, n in zip(infos, sizes, strict=True)], float)
    weights = steps if steps.sum() > 0 else np.asarray(sizes, dtype=float)
    for key, value in infos[0].items():
        values = [i.get(key) for i in infos]
        numeric = all(isinstance(v, int | float | np.integer | np.floating) for v in values)
        if not numeric or isinstance(value, bool):
            continue
        if key.startswith("n_"):
            out[key] = type(value)(sum(values))
        elif key.endswith("_rate"):
            finite = [(v, w) for v, w in zip(values, weights, strict=True) if np.isfinite(v)]
            out[key] = (float(sum(v * w for v, w in finite) / sum(w for _, w in finite))
                        if finite and sum(w for _, w in finite) > 0 else float("nan"))  # fmt: skip
        elif key in ("seconds", "compile_seconds"):
            out[key] = float(max(values))  # the shards ran side by side
    return out


def anneal_sharded(
    executor, path, betas, n_sweeps, streams, initial, transition_at_end, n_shards, label,
    progress,
):  # fmt: skip
    """:func:`~partition.estimators.annealing.anneal`'s chains cut into shards that run on
    ``executor``; returns the log weights, final states and ``info`` in chain order."""
    n_chains = streams.shape[0]
    n_shards = check_shards(n_shards, n_chains, executor)
    prepare = getattr(path, "for_shards", None)
    if prepare is not None:
        path = prepare(n_chains, n_sweeps, betas, streams)
    bounds = np.linspace(0, n_chains, n_shards + 1).round().astype(np.int64)
    pieces = [(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]
    start = time.perf_counter()
    payload = pickle.dumps(path, protocol=pickle.HIGHEST_PROTOCOL)
    serialise_seconds = time.perf_counter() - start
    dask = is_dask_client(executor)
    shared_path = executor.scatter(path, broadcast=True) if dask else path
    bar = Progress(len(pieces), f"{label} ({n_chains} chains, {len(pieces)} shards)", progress,
                   unit="shard")  # fmt: skip
    futures = []
    for a, b in pieces:
        start_states = None if initial is None else np.ascontiguousarray(initial[a:b])
        futures.append(submit(executor, _run_shard, shared_path, betas, n_sweeps,
                              np.ascontiguousarray(streams[a:b]), start_states,
                              transition_at_end))  # fmt: skip

    def describe(k):
        a, b = pieces[k]
        return f"shard {k + 1} of {len(pieces)} (chains {a}-{b - 1})"

    try:
        results = gather(futures, describe, bar, "; the run is abandoned rather than "
                         "estimated from fewer chains than asked")  # fmt: skip
    finally:
        bar.close()
    log_w = np.concatenate([r[0] for r in results])
    states = np.concatenate([r[1] for r in results])
    infos = [r[2] for r in results]
    info = merge_info(infos, [b - a for a, b in pieces])
    info.update(
        executor=type(executor).__name__,
        n_shards=len(pieces),
        shard_seconds=[float(i.pop("shard_wall", float("nan"))) for i in infos],
        wall_seconds=time.perf_counter() - start,
        shard_payload_bytes=len(payload),
        serialise_seconds=serialise_seconds,
    )
    info.pop("shard_wall", None)
    return log_w, states, info

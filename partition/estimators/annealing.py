"""The one annealing driver: per-chain streams, segments, progress, compilation and timing.

Forward AIS, reverse AIS, BDMC, RAISE and linked importance sampling all run their chains
through :func:`anneal`, for any model family whose annealing path implements
:class:`partition.models.base.AnnealingPath`. Each of them first builds one
:class:`AnnealingConfig`, which validates every option (counts, schedule, level, progress,
seed, and through the family's ``annealing_path`` the transition and the family's own
options) before any kernel runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from partition._progress import Progress
from partition._rng import RNGLike, as_generator
from partition._validation import (
    MAX_CHAINS,
    MAX_SWEEPS,
    check_bool,
    check_int,
    check_probability,
)
from partition.estimators.schedules import make_schedule
from partition.kernels._random import seed_streams
from partition.models.base import AnnealingPath, ModelFamily, require


def annealing_path(model: Any, what: str, transition=None, **options) -> AnnealingPath:
    """``model.annealing_path(transition=..., **options)``, with a clear error for a model
    that is not a family; the family validates its options here, before any run."""
    require(model, ModelFamily, what)
    return model.annealing_path(transition=transition, **options)


#: How a schedule given by name is chosen for a model: ``name -> chooser(model, *,
#: transition, n_sweeps, return_info, rng, **options) -> (betas, info)``. ``"adaptive"`` is
#: :func:`partition.estimators.smc.adaptive_schedule`, which registers itself when
#: :mod:`partition.estimators.smc` is imported (as ``import partition`` does): SMC builds
#: on this module, not this module on SMC.
SCHEDULE_CHOOSERS: dict[str, Any] = {}


@dataclass(frozen=True)
class AnnealingConfig:
    """The validated settings of one annealing estimator call.

    Built by ``AnnealingConfig.build`` before anything runs; the estimators read their
    settings from it and :meth:`anneal` runs the driver with them.

    Examples
    --------
    >>> import partition as pt
    >>> from partition.estimators.annealing import AnnealingConfig
    >>> rbm = pt.BernoulliRBM.random(6, 4, rng=0)
    >>> config = AnnealingConfig.build(rbm, "ais", n_chains=10, schedule=20, rng=0)
    >>> config.n_chains, len(config.betas), config.path.describe()["transition"]
    (10, 21, 'gibbs')
    >>> AnnealingConfig.build(rbm, "ais", n_chains=10, schedule=20, n_sweeps=0)
    Traceback (most recent call last):
    ...
    ValueError: n_sweeps must be >= 1, got 0
    """

    path: AnnealingPath
    betas: np.ndarray
    n_chains: int
    n_sweeps: int
    confidence_level: float
    progress: bool
    rng: np.random.Generator
    #: How an adaptive schedule was chosen (its pilot's cost), None for a given one.
    schedule_info: dict[str, Any] | None = None
    #: Where the chains run: None (this process), a ``concurrent.futures.Executor`` or a
    #: Dask client (:mod:`partition.estimators.sharding`), and in how many shards.
    executor: Any = None
    n_shards: int | None = None

    @classmethod
    def build(
        cls,
        model: Any,
        what: str,
        *,
        n_chains: int,
        schedule="salakhutdinov_murray",
        n_sweeps: int = 1,
        transition=None,
        confidence_level: float = 0.95,
        progress: bool = False,
        executor=None,
        n_shards: int | None = None,
        rng: RNGLike = None,
        **options,
    ) -> AnnealingConfig:
        """Check every setting of estimator ``what`` and build the family's path (which
        checks the transition and the family's ``options``); raise before any run.

        ``schedule="adaptive"`` chooses 1,000 temperatures by an SMC pilot run
        (:func:`partition.estimators.smc.adaptive_schedule`), after every check."""
        n_chains = check_int(n_chains, "n_chains", minimum=2, maximum=MAX_CHAINS)
        n_sweeps = check_int(n_sweeps, "n_sweeps", minimum=1, maximum=MAX_SWEEPS)
        level = check_probability(confidence_level, "confidence_level")
        progress = check_bool(progress, "progress")
        from partition.estimators.sharding import check_executor

        executor = check_executor(executor)
        if n_shards is not None:
            n_shards = check_int(n_shards, "n_shards", minimum=1)
            if executor is None:
                raise ValueError("n_shards needs an executor (executor=...)")
        adaptive = isinstance(schedule, str) and schedule == "adaptive"
        betas = None if adaptive else make_schedule(schedule)
        gen = as_generator(rng)
        path = annealing_path(model, what, transition, **options)
        schedule_info = None
        if adaptive:
            betas, schedule_info = SCHEDULE_CHOOSERS["adaptive"](
                model, transition=transition, n_sweeps=n_sweeps, return_info=True,
                rng=int(gen.integers(2**63)), **options,
            )  # fmt: skip
        return cls(path, betas, n_chains, n_sweeps, level, progress, gen, schedule_info,
                   executor, n_shards)  # fmt: skip

    def anneal(self, betas: np.ndarray | None = None, **kwargs):
        """:func:`anneal` on this path with these settings (``betas``, ``n_chains`` and the
        driver's other keywords may be overridden)."""
        kwargs.setdefault("n_chains", self.n_chains)
        kwargs.setdefault("n_sweeps", self.n_sweeps)
        kwargs.setdefault("progress", self.progress)
        kwargs.setdefault("executor", self.executor)
        kwargs.setdefault("n_shards", self.n_shards)
        return anneal(self.path, self.betas if betas is None else betas, rng=self.rng, **kwargs)


def anneal(
    path: AnnealingPath,
    betas: np.ndarray,
    *,
    n_chains: int,
    n_sweeps: int,
    rng,
    progress: bool,
    initial: np.ndarray | None = None,
    transition_at_start: bool = False,
    transition_at_end: bool = False,
    label: str = "AIS",
    executor=None,
    n_shards: int | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Anneal ``n_chains`` chains through ``betas`` (any order: reverse runs go 1 -> 0).

    Each chain gets its own random stream (so results do not depend on the thread count)
    and starts from an exact base sample, or from ``initial`` (validated states). With
    ``transition_at_start`` a transition at ``betas[0]`` comes first; with
    ``transition_at_end`` one at ``betas[-1]`` comes last. The kernels are compiled before
    the clock starts (``info["compile_seconds"]``), and the schedule runs in segments of
    ``runner.segment_length`` temperatures with the progress bar and Ctrl-C between them.

    With an ``executor`` (:mod:`partition.estimators.sharding`) the chains are cut into
    ``n_shards`` contiguous shards that run on its workers with their own streams; the log
    weights and states are gathered in chain order, bit-identical to the run without it.

    Returns the log weights (``sum_k log p*_{beta_k}(x_k) - log p*_{beta_{k-1}}(x_k)``,
    without ``log_z_base``), the final states (float64) and ``info``.
    """
    streams, entropy = seed_streams(rng, n_chains)
    if transition_at_start:  # a zero increment, then a transition at betas[0]
        betas = np.concatenate([betas[:1], betas])
    if executor is not None:
        from partition.estimators.sharding import anneal_sharded

        log_w, states, info = anneal_sharded(
            executor, path, betas, n_sweeps, streams, initial, transition_at_end, n_shards,
            label, progress,
        )  # fmt: skip
        info["seed_entropy"] = entropy
        return log_w, states, info
    bar = Progress(len(betas) - 1, f"{label} ({n_chains} chains)", progress)
    log_w, states, info = run_chains(path, betas, n_sweeps, streams, initial, transition_at_end,
                                     bar)  # fmt: skip
    bar.close()
    info["seed_entropy"] = entropy
    return log_w, states, info


def backend_of(runner):
    """The runner's :class:`~partition.models.base.Backend`, or a ``TypeError`` that says
    what a runner of one's own lacks (a :class:`~partition.models.base.Runner` has one)."""
    try:
        return runner.backend
    except AttributeError:
        raise TypeError(
            f"{type(runner).__name__} (an annealing path's runner) has no `backend`: a "
            "SegmentRunner names where its chains live (partition.models.base.NUMPY for "
            "NumPy arrays); yield a partition.models.base.Runner, which does"
        ) from None


def run_chains(
    path: AnnealingPath,
    betas: np.ndarray,
    n_sweeps: int,
    streams: np.ndarray,
    initial: np.ndarray | None,
    transition_at_end: bool,
    bar: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """The chains of ``streams`` through ``betas``: what :func:`anneal` runs in one process
    and each shard of a sharded run runs on a worker."""
    n_chains = streams.shape[0]
    states = path.new_states(n_chains)
    if initial is not None:
        states[:] = initial
    log_w = np.zeros(n_chains)
    last = len(betas) - 1
    start = time.perf_counter()
    with path.runner(n_chains, n_sweeps, betas) as runner:
        # numba compiles on the first call: the base sampler on no chains and a segment of
        # one temperature (on the chains' first states) change nothing; the run's seconds
        # leave them out
        compile_start = time.perf_counter()
        path.sample_base(states[:0], streams[:0])
        compile_seconds = time.perf_counter() - compile_start
        if initial is None:
            path.sample_base(states, streams)
        # the chains go to the runner's backend once, and come back once (Ctrl-C too)
        host = (states, streams, log_w)
        backend = backend_of(runner)
        chains = [backend.put(a) for a in host]
        try:
            compile_start = time.perf_counter()
            runner.advance(betas[:1], False, *chains)
            compile_seconds += time.perf_counter() - compile_start
            step = max(1, int(runner.segment_length))
            for k0 in range(0, last, step):
                k1 = min(k0 + step, last)
                more = k1 < last or transition_at_end
                runner.advance(betas[k0 : k1 + 1], more, *chains)
                if bar is not None:
                    bar.update(k1)
        finally:
            for array, out in zip(chains, host, strict=True):
                backend.get(array, out)
    info = dict(runner.info)  # after the context closes: a runner may report at its end
    info.update(
        seconds=time.perf_counter() - start - compile_seconds,
        compile_seconds=compile_seconds,
    )
    return log_w, states.astype(np.float64), info

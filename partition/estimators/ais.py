"""Annealed importance sampling (Neal 2001), generic over the model-family protocol."""

from __future__ import annotations

from typing import Any

import numpy as np

from partition._rng import RNGLike
from partition.estimators.annealing import AnnealingConfig
from partition.results import LogZEstimate


def ais(
    model: Any,
    *,
    n_chains: int = 100,
    schedule="salakhutdinov_murray",
    n_sweeps: int = 1,
    transition=None,
    bridges: bool = False,
    confidence_level: float = 0.95,
    progress: bool = False,
    executor=None,
    n_shards: int | None = None,
    rng: RNGLike = None,
    **options,
) -> LogZEstimate:
    """Estimate log Z by annealed importance sampling.

    Chains start from exact samples of a tractable base model and are annealed along a
    geometric path to the target through ``schedule``; each chain's log importance weight is
    the sum of the log density increments, and ``log Z = log Z_base + log mean exp(log_w)``.
    For an RBM the path is that of Salakhutdinov & Murray (2008): the base has no couplings,
    the intermediate visible biases are ``(1 - beta) b_A + beta b`` and the hidden units are
    summed out of the weight increments. For an Ising model it is ``exp(-beta E(s))`` from
    independent fair spins at ``beta = 0``. Forward AIS is unbiased for Z, hence biased low (on
    average) for log Z; the interval is ``log_z -+ z * stderr`` from the delta method.

    Parameters
    ----------
    model
        A model family (:class:`partition.models.base.ModelFamily`): a
        :class:`~partition.BernoulliRBM`, an :class:`~partition.IsingModel`, a
        :class:`~partition.LogDensity`, or your own.
    n_chains : int
        Independent annealing runs (>= 2).
    schedule : str, int or array_like
        ``"salakhutdinov_murray"`` (default, 14,500 intervals), ``"linear"``,
        ``"geometric"``, ``"sigmoid"`` (1,000 intervals each), ``"adaptive"`` (1,000
        intervals at equal steps of thermodynamic length, from an SMC pilot run of 256
        particles: :func:`~partition.adaptive_schedule`, whose cost lands in
        ``info["schedule_pilot"]``), an int (that many intervals of the sigmoid schedule),
        or an array of betas from 0 to 1, non-decreasing.
    n_sweeps : int
        Transitions (sweeps) per intermediate temperature.
    transition : str or transition object, optional
        The family's transition (:mod:`partition.transitions`); None is the family's default:
        ``BlockGibbs()`` (``"gibbs"``) for RBMs, the only one; ``HeatBath()`` (``"gibbs"``)
        or ``Metropolis()`` (``"metropolis"``) for Ising models; for a
        :class:`~partition.LogDensity` ``HMC()`` when it has a gradient, else
        ``RandomWalk()``, ``MALA()``, or your own. Its statistics land in ``info``
        (``acceptance_rate``, ``n_steps``; ``flip_rate`` for Ising models; step sizes and
        gradient evaluations for continuous targets).
    **options
        The family's own options, validated by its ``annealing_path`` before any chain
        runs. RBMs (:meth:`~partition.BernoulliRBM.annealing_path`): ``base`` ("uniform",
        "data", an RBM with zero weights, or visible biases), ``data`` (binary training data,
        whose base rates make the base by default), ``dtype`` (float64 or float32 products)
        and ``driver`` ("auto", "fused", "batched"). Ising models take none.
    bridges : bool
        Link the intermediate distributions by geometric bridges: linked importance sampling
        (Neal 2005, :mod:`partition.estimators.lis`). Each of ``n_chains`` runs grows a chain
        of ``n_sweeps + 1`` states at every temperature around a link state, and each step's
        factor is a bridge estimate between neighbours. Still unbiased for Z; ``method`` is
        ``"ais (linked bridges)"``. Costs about twice the transitions of plain AIS with the
        same ``n_sweeps`` and is driven from Python, so prefer short schedules.
    confidence_level : float
        Level of the reported interval.
    progress : bool
        Print a progress bar on stderr.
    executor : concurrent.futures.Executor or distributed.Client, optional
        Run the chains in shards on its workers (:mod:`partition.estimators.sharding`):
        the result is bit-identical to the run in this process with the same seed.
    n_shards : int, optional
        Shards of chains (default: one per worker of ``executor``).
    rng : int, SeedSequence, Generator or None
        Seed; each chain gets its own stream, so results do not depend on the thread count.

    Returns
    -------
    LogZEstimate
        ``method="ais"``, with ``log_weights``, ``stderr``, ``ess`` and in ``info`` the
        schedule, base, driver, timing and seed entropy.

    Examples
    --------
    >>> import partition as pt
    >>> rbm = pt.BernoulliRBM.random(12, 6, weight_scale=0.5, rng=0)
    >>> est = pt.ais(rbm, n_chains=50, schedule=300, rng=1)
    >>> exact = pt.exact_log_z(rbm).log_z
    >>> abs(est.log_z - exact) < 4 * est.stderr + 1e-3
    True
    """
    config = AnnealingConfig.build(
        model, "ais", n_chains=n_chains, schedule=schedule, n_sweeps=n_sweeps,
        transition=transition, confidence_level=confidence_level, progress=progress,
        executor=executor, n_shards=n_shards, rng=rng, **options,
    )  # fmt: skip
    if not isinstance(bridges, bool):
        raise TypeError(f"bridges must be True or False, got {bridges!r}")
    if bridges and executor is not None:
        raise ValueError("bridges=True (linked importance sampling) runs in this process; "
                         "drop executor=")  # fmt: skip
    path, betas, n_chains, n_sweeps = config.path, config.betas, config.n_chains, config.n_sweeps
    if bridges:
        from partition._progress import Progress
        from partition.estimators.lis import linked_importance_sampling

        bar = Progress(len(betas) - 1, f"LIS ({n_chains} runs)", config.progress)
        log_w, run_info = linked_importance_sampling(
            path, betas, n_runs=n_chains, n_steps=n_sweeps, gen=config.rng, progress_bar=bar
        )
        bar.close()
    else:
        log_w, _, run_info = config.anneal()
    # -inf is a zero weight (a chain that ended outside the density's support: a density may
    # be -inf there); NaN, +inf or no weight at all is a failure
    if np.any(np.isnan(log_w) | (log_w == np.inf)) or np.all(log_w == -np.inf):
        raise FloatingPointError("AIS produced NaN or +inf log weights, or only zero weights")
    info = {
        **path.describe(),
        **run_info,
        "n_temperatures": len(betas) - 1,
        "n_sweeps": n_sweeps,
        "schedule": betas,
    }
    if config.schedule_info is not None:
        info["schedule_pilot"] = config.schedule_info
    return LogZEstimate.from_log_weights(
        log_w,
        method="ais (linked bridges)" if bridges else "ais",
        log_offset=path.log_z_base,
        confidence_level=config.confidence_level,
        info=info,
    )

"""Reverse AIS, bidirectional Monte Carlo (BDMC) and RAISE, generic over model families.

Reverse AIS (Grosse, Ghahramani & Adams 2015) runs the annealing chain backwards, from
exact samples of the target to the base: its weights are unbiased for ``Z_0 / Z``, so
``log Z_0 - log mean w`` is a stochastic *upper* bound on log Z, while forward AIS gives a
stochastic lower bound. Together they sandwich log Z (:func:`bdmc`); the gap bounds the
error of both. RAISE (Burda, Grosse & Salakhutdinov 2015) reverse-anneals from each data
point to give conservative (low-biased) log-likelihoods.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from partition._rng import RNGLike, as_generator
from partition._trust import assess, crossing_check, weight_checks
from partition._validation import check_int, model_states
from partition.estimators.ais import ais
from partition.estimators.annealing import AnnealingConfig, anneal
from partition.estimators.bridge import bar
from partition.models.base import ExactSampler
from partition.results import (
    ConfidenceInterval,
    LogLikelihoodEstimate,
    LogZBounds,
    LogZEstimate,
    UnreliableEstimateWarning,
    _normal_quantile,
    kish_ess,
    log_mean_exp,
    log_mean_exp_stderr,
    stderr_of_mean,
)


def _target_samples(model, path, samples, n_chains, n_burnin, gen, progress):
    """Exact samples when the family can draw them; else long MCMC runs, marked approximate."""
    if samples is not None:
        return path.validate_states(samples, "samples"), "given"
    if isinstance(model, ExactSampler) and model.can_sample_exactly():
        return model.sample_exactly(n_chains, gen), "exact"
    _, states, _ = anneal(
        path,
        np.ones(n_burnin + 1),
        n_chains=n_chains,
        n_sweeps=1,
        rng=gen,
        progress=progress,
        transition_at_end=True,
        label="MCMC",
    )
    return states, f"approximate ({n_burnin} Gibbs sweeps at beta = 1 from the base)"


def _try_sampler(model) -> None:
    """Two exact draws from a generator of their own (the run's streams untouched), checked
    as the reverse run would check them."""
    drawn = model_states(model, model.sample_exactly(2, np.random.default_rng(0)),
                         "the model's exact samples")  # fmt: skip
    if drawn.shape[0] != 2:
        raise ValueError(f"the model's exact sampler returned {drawn.shape[0]} draws when "
                         "asked for 2")  # fmt: skip


def _reverse_estimate(log_w, log_z_base, level, info) -> LogZEstimate:
    """Reverse AIS's estimate ``log Z_base - log mean exp(log_w)``, with the weights'
    trust checks (they warn for the caller of :func:`reverse_ais`)."""
    ess = kish_ess(log_w)
    trust = assess(weight_checks(log_w, ess), "reverse_ais", stacklevel=3)
    return LogZEstimate.normal(
        log_z_base - log_mean_exp(log_w),
        log_mean_exp_stderr(log_w),
        method="reverse_ais",
        confidence_level=level,
        n_samples=int(log_w.size),
        ess=ess,
        log_weights=log_w,
        info=info,
        trust=trust,
    )


def reverse_ais(
    model: Any,
    *,
    samples=None,
    n_chains: int = 100,
    schedule="salakhutdinov_murray",
    n_sweeps: int = 1,
    n_burnin: int = 1000,
    transition=None,
    confidence_level: float = 0.95,
    progress: bool = False,
    executor=None,
    n_shards: int | None = None,
    rng: RNGLike = None,
    **options,
) -> LogZEstimate:
    """Reverse AIS: a stochastic upper bound on log Z.

    Chains start from samples of the target and are annealed back to the base through the
    reversed schedule; each chain's log weight ``sum_k log p*_{beta_{k-1}}(x) - log
    p*_{beta_k}(x)`` is unbiased for ``Z_0 / Z`` in the exponent, so
    ``log_z = log Z_0 - log mean exp(log_w)`` lies above log Z on average (Jensen).

    Parameters
    ----------
    samples : array_like, optional
        Starting states, one chain each (RBM: binary visible states; Ising: spins). When
        omitted, ``n_chains`` exact samples are drawn if the family can (:func:`exact_sample`),
        else the final states of ``n_burnin`` Gibbs sweeps at ``beta = 1``; the result's
        ``info["samples"]`` says which, and approximate samples void the bound.
    Other parameters
        As for :func:`partition.ais`, the family's ``**options`` included.

    Returns
    -------
    LogZEstimate
        ``method="reverse_ais"``; ``log_weights`` are the reverse weights.

    Examples
    --------
    >>> import partition as pt
    >>> rbm = pt.BernoulliRBM.random(10, 6, weight_scale=0.5, rng=0)
    >>> up = pt.reverse_ais(rbm, n_chains=50, schedule=300, rng=1)
    >>> up.info["samples"]
    'exact'
    """
    n_burnin = check_int(n_burnin, "n_burnin", minimum=1)
    config = AnnealingConfig.build(
        model, "reverse_ais", n_chains=n_chains, schedule=schedule, n_sweeps=n_sweeps,
        transition=transition, confidence_level=confidence_level, progress=progress,
        executor=executor, n_shards=n_shards, rng=rng, **options,
    )  # fmt: skip
    path, betas, gen = config.path, config.betas, config.rng
    states, kind = _target_samples(model, path, samples, config.n_chains, n_burnin, gen, progress)
    if states.shape[0] < 2:
        raise ValueError(f"samples must hold at least 2 states, got {states.shape[0]}")
    log_w, _, run_info = config.anneal(
        betas[::-1].copy(), n_chains=states.shape[0], initial=states, label="reverse AIS"
    )
    if not np.all(np.isfinite(log_w)):
        raise FloatingPointError("reverse AIS produced non-finite log weights")
    info = {
        **path.describe(),
        **run_info,
        "samples": kind,
        "exact_samples": kind == "exact",
        "n_temperatures": len(betas) - 1,
        "n_sweeps": config.n_sweeps,
        "schedule": betas,
    }
    return _reverse_estimate(log_w, path.log_z_base, config.confidence_level, info)


def bdmc(
    model: Any,
    *,
    n_chains: int = 100,
    schedule="salakhutdinov_murray",
    samples=None,
    n_sweeps: int = 1,
    n_burnin: int = 1000,
    transition=None,
    confidence_level: float = 0.95,
    progress: bool = False,
    executor=None,
    n_shards: int | None = None,
    rng: RNGLike = None,
    **options,
) -> LogZBounds:
    """Bidirectional Monte Carlo: forward AIS (lower) and reverse AIS (upper) bounds.

    Returns :class:`~partition.LogZBounds` with ``lower`` (forward AIS), ``upper`` (reverse
    AIS from exact samples when the family can draw them), ``gap`` and ``combined``: Bennett's
    acceptance ratio on the forward and reverse weights, which treats the two runs as draws
    from the two ends of the extended annealing space (``method="bar"``). The gap bounds the
    error of either side on average; a gap much wider than the standard errors says the
    schedule is too short.

    Parameters
    ----------
    model
        A model whose family provides an annealing path (RBM, Ising).
    n_chains : int
        Chains in each direction (>= 2).
    schedule, n_sweeps, transition, confidence_level, progress, executor, n_shards, **options
        As for :func:`partition.ais` (the family's options: for RBMs ``base``, ``data``,
        ``dtype``, ``driver``); both directions use the same schedule and path, and both
        run on ``executor`` when one is given.
    samples : array_like, optional
        States of the model to start the reverse chains from. Default: ``n_chains`` exact
        samples when the family can draw them, else the end states of ``n_burnin`` Gibbs
        sweeps at ``beta = 1`` -- then the upper bound does not hold
        (``LogZBounds.upper_is_bound`` is False).
    n_burnin : int
        Sweeps for those approximate samples.
    rng : int, SeedSequence, Generator or None
        Seed of both runs.

    Returns
    -------
    LogZBounds
        ``lower``, ``upper``, ``gap``, ``combined``, ``upper_is_bound`` and ``trust``: the
        pair's verdict is whether the bounds cross by more than 2 standard errors. Each
        side's own checks are on ``lower.trust`` and ``upper.trust`` and do not warn here:
        poor weights on both sides are what a short schedule gives, and the gap shows it.

    Warns
    -----
    UnreliableEstimateWarning
        When the reverse estimate lies more than 2 standard errors below the forward one.

    Examples
    --------
    >>> import partition as pt
    >>> rbm = pt.BernoulliRBM.random(10, 6, weight_scale=0.5, rng=0)
    >>> b = pt.bdmc(rbm, n_chains=50, schedule=500, rng=2)
    >>> b.lower.method, b.upper.method, b.combined.method
    ('ais', 'reverse_ais', 'bar')
    """
    # everything is checked before the forward run, which can take minutes
    check_int(n_burnin, "n_burnin", minimum=1)
    if samples is not None:
        samples = model_states(model, samples, "samples")
    gen = as_generator(rng)
    common = {
        "n_chains": n_chains,
        "schedule": schedule,
        "n_sweeps": n_sweeps,
        "transition": transition,
        "confidence_level": confidence_level,
        "progress": progress,
        "executor": executor,
        "n_shards": n_shards,
        **options,
    }
    AnnealingConfig.build(model, "bdmc", **common)
    if samples is None and isinstance(model, ExactSampler) and model.can_sample_exactly():
        _try_sampler(model)  # a broken sampler fails now, not after the forward run
    with warnings.catch_warnings():
        # a side's poor weights are what a short schedule gives, and the gap shows it: the
        # pair's verdict is whether the bounds cross (each side's checks stay on its trust)
        warnings.simplefilter("ignore", UnreliableEstimateWarning)
        lower = ais(model, **common, rng=gen)
        upper = reverse_ais(model, samples=samples, n_burnin=n_burnin, **common, rng=gen)
    log_z_base = lower.info["log_z_base"]
    both = bar(lower.log_weights, -upper.log_weights, check_order=False)  # bounds may cross
    trust = assess([crossing_check(lower, upper)], "bdmc", stacklevel=2)
    combined = LogZEstimate.normal(
        log_z_base + both.log_z,
        both.stderr,
        method="bar",
        confidence_level=lower.confidence_level,
        n_samples=both.n_samples,
        info={**both.info, "log_z_base": log_z_base, "exact_samples": upper.info["exact_samples"]},
        trust=trust,
    )
    return LogZBounds(lower=lower, upper=upper, combined=combined, trust=trust)


def raise_log_likelihood(
    model: Any,
    data,
    *,
    n_chains: int = 10,
    schedule="salakhutdinov_murray",
    base_data=None,
    n_sweeps: int = 1,
    confidence_level: float = 0.95,
    progress: bool = False,
    executor=None,
    n_shards: int | None = None,
    rng: RNGLike = None,
    **options,
) -> LogLikelihoodEstimate:
    """RAISE: log-likelihoods of data under the annealing model, by reverse annealing.

    For each example ``v`` and each of ``n_chains`` chains: one Gibbs transition at
    ``beta = 1`` from ``v``, then the reversed schedule down to the base. With ``x_k`` the
    state after the transition at ``beta_{k+1}``,

        log p_hat(v) = -F(v) - log Z_0
                       + sum_{k=0}^{K-1} [log p*_{beta_k}(x_k) - log p*_{beta_{k+1}}(x_k)]

    is unbiased in the exponent for ``p_ann(v)``, the probability of ``v`` under the annealing
    process run forwards (Burda, Grosse & Salakhutdinov 2015). This is the visible-marginal
    form: the hidden units are summed out, the block-Gibbs transition on ``v`` is reversible,
    so its reversal is itself and no hidden-state proposal term appears. ``log mean p_hat``
    over chains is then low-biased for ``log p_ann(v)``.

    What it bounds: RAISE is a stochastic lower bound (on average over runs) on the
    log-likelihood of the *annealing model* ``p_ann``, not of the RBM. ``p_ann`` tends to the
    RBM as the schedule lengthens, but with a short schedule it sits between the base model
    and the RBM, and on data it can be *more* likely than the RBM. On the shipped digits RBM
    (297 test images, 10 chains, base from the training data) RAISE lay above the exact test
    log-likelihood by +0.58 nats (21 standard errors) at 100 temperatures, +0.026 (3.0) at
    1,000 and +0.004 (0.7) at 3,000. It is conservative for the RBM only once the schedule
    is long enough that ``p_ann`` is close to it: check that the value no longer moves with a
    longer schedule, or compare with :func:`partition.bdmc` (``tests/estimators/test_bdmc.py``
    checks both figures).

    Parameters
    ----------
    data : array_like, shape (n, n_visible)
        The examples to score (binary).
    n_chains : int
        Reverse chains per example.
    base_data : array_like, optional
        The data the family fits its base to (passed to the path as its ``data`` option:
        for RBMs the training data whose base rates define the base). ``data`` here are the
        examples scored, so the family's option takes this name.
    Other parameters
        As for :func:`partition.ais` (``executor`` and ``n_shards`` included: the
        ``n_chains`` reverse chains of every example are cut into shards), the family's
        ``**options`` included (RBMs: ``base``, ``dtype``, ``driver``). The transition is
        the family's default, which must be reversible (block Gibbs on the visible layer
        is).

    Returns
    -------
    LogLikelihoodEstimate
        ``method="raise"``, ``log_z=None``; ``stderr`` is the Monte Carlo standard error of
        the mean (from the chains), ``stderr_data`` the spread over examples.

    Examples
    --------
    >>> import numpy as np, partition as pt
    >>> rbm = pt.BernoulliRBM.random(8, 4, weight_scale=0.5, rng=0)
    >>> v = pt.exact_sample(rbm, 5, rng=1)
    >>> pt.raise_log_likelihood(rbm, v, n_chains=20, schedule=200, rng=2).method
    'raise'
    """
    examples = model_states(model, data, "data")
    if base_data is not None:
        options["data"] = model_states(model, base_data, "base_data")
    config = AnnealingConfig.build(
        model, "raise_log_likelihood", n_chains=n_chains, schedule=schedule, n_sweeps=n_sweeps,
        confidence_level=confidence_level, progress=progress, executor=executor,
        n_shards=n_shards, rng=rng, **options,
    )  # fmt: skip
    path, n_chains, level = config.path, config.n_chains, config.confidence_level
    n_examples = examples.shape[0]
    initial = np.repeat(examples, n_chains, axis=0)
    log_w, _, run_info = config.anneal(
        config.betas[::-1].copy(), n_chains=initial.shape[0], initial=initial,
        transition_at_start=True, label="RAISE",
    )  # fmt: skip
    log_w = log_w.reshape(n_examples, n_chains)
    unnormalized = np.asarray(model.log_unnormalized_prob(examples), dtype=np.float64)
    per_example = np.array([log_mean_exp(row) for row in log_w])
    per_example += unnormalized - path.log_z_base
    chain_stderr = np.array([log_mean_exp_stderr(row) for row in log_w])
    mean = float(per_example.mean())
    stderr = float(math.sqrt(np.sum(chain_stderr**2)) / n_examples)
    half = _normal_quantile(level) * stderr
    stderr_data = stderr_of_mean(per_example)
    return LogLikelihoodEstimate(
        mean=mean,
        confidence_interval=ConfidenceInterval(mean - half, mean + half),
        confidence_level=level,
        stderr=stderr,
        stderr_data=stderr_data,
        log_z=None,
        per_example=per_example,
        method="raise",
        info={
            **path.describe(),
            **run_info,
            "n_chains_per_example": n_chains,
            "per_example_stderr": chain_stderr,
        },
    )

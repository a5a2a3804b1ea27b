"""Bennett's acceptance ratio (Meng & Wong's optimal bridge) and the bridge between models.

For marginal likelihoods from posterior draws see :mod:`partition.estimators.bridge_sampling`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from partition._rng import as_generator
from partition._validation import (
    MAX_CHAINS,
    MAX_SWEEPS,
    as_real_array,
    check_int,
    check_positive_float,
    check_probability,
    model_states,
)
from partition.kernels.bar import log_sum_exp, sigmoid_sums
from partition.models.base import ModelFamily, require
from partition.results import LogZEstimate


def _log_ratios(values, name: str) -> np.ndarray:
    arr = as_real_array(values, name)  # refuses complex, strings, NaN and inf
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"{name} must be a 1-D array of at least 2 values, got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def _balance(delta, la, lb, m):
    """``h(delta) = log sum_a sigma(la - delta - m) - log sum_b sigma(delta + m - lb)`` and h'."""
    ca, sa, da, _ = sigmoid_sums(la, delta + m, 1.0)
    cb, sb, db, _ = sigmoid_sums(lb, delta + m, -1.0)
    h = (ca + math.log(sa)) - (cb + math.log(sb))
    return h, -(da / sa + db / sb)


def bar(
    log_ratios_a,
    log_ratios_b,
    *,
    confidence_level: float = 0.95,
    maxiter: int = 100,
    tol: float = 1e-12,
    check_order: bool = True,
) -> LogZEstimate:
    """Bennett's acceptance ratio: ``log Z_b - log Z_a`` from log density ratios.

    Both arguments are the *same* function, ``log q_b(x) - log q_a(x)`` (log densities, not
    energies or works), evaluated at draws of each model; the result is ``log Z_b - log Z_a``
    (not a free energy difference, which has the opposite sign).

    Parameters
    ----------
    log_ratios_a : array_like, shape (n_a,)
        ``log q_b(x) - log q_a(x)`` at draws ``x ~ p_a`` (unnormalised densities).
    log_ratios_b : array_like, shape (n_b,)
        The same function at draws ``x ~ p_b``. The sizes may differ.
    confidence_level : float
        Level of the reported interval.
    maxiter, tol : int, float
        Newton iterations, and the relative tolerance on the root
        (``|step| <= tol * max(1, |log_z|)``).
    check_order : bool
        Refuse inputs whose means are in an impossible order. For ratios of this convention
        ``mean(log_ratios_a) <= log Z_b - log Z_a <= mean(log_ratios_b)`` in expectation
        (the gap is the symmetrised KL divergence), so a mean of ``log_ratios_a`` more than
        5 standard errors above that of ``log_ratios_b`` means the inputs follow another
        convention: most often pymbar's works, whose ``w_F`` is ``-log_ratios_a``.

    Returns
    -------
    LogZEstimate
        ``log_z`` is ``log Z_b - log Z_a``; ``stderr`` is Bennett's asymptotic standard error
        ``sqrt((<f^2>_a/<f>_a^2 - 1)/n_a + (<f^2>_b/<f>_b^2 - 1)/n_b)`` with ``f`` the Fermi
        functions at the solution; ``method="bar"``.

    Raises
    ------
    ValueError
        Inputs that are not finite 1-D arrays of at least 2 values, or (with
        ``check_order``) ratios whose means are in the impossible order.

    Notes
    -----
    pymbar's ``other_estimators.bar(w_F, w_R)`` takes reduced works, ``w_F = u_b(x) - u_a(x)``
    at draws of ``a`` and ``w_R = u_a(x) - u_b(x)`` at draws of ``b`` (``u = -log q``), and
    returns ``Delta_f = f_b - f_a = -(log Z_b - log Z_a)``. The same estimate here is
    ``pt.bar(-w_F, w_R)``, whose ``log_z`` is ``-Delta_f`` (see the examples). Passing
    ``(w_F, w_R)`` as they are gives a wrong number; it is refused only when the means come
    out in the impossible order (``check_order``).

    The estimate solves ``sum_a sigma(l_a - d - M) = sum_b sigma(d + M - l_b)``,
    ``M = log(n_a / n_b)`` (Bennett 1976; Meng & Wong's optimal bridge). Both sides are
    computed in log space with a fused, vectorised pass, and the monotone equation is
    solved by Newton's method inside a bracket, falling back to bisection.

    Examples
    --------
    >>> import numpy as np, partition as pt
    >>> rng = np.random.default_rng(0)
    >>> xa, xb = rng.normal(0, 1, 5000), rng.normal(1, 1, 5000)
    >>> # q_a = N(0,1) unnormalised, q_b = 3 * N(1,1): log Z_b - log Z_a = log 3
    >>> lr = lambda x: np.log(3.0) - 0.5 * (x - 1) ** 2 + 0.5 * x**2
    >>> est = pt.bar(lr(xa), lr(xb))
    >>> bool(abs(est.log_z - np.log(3.0)) < 4 * est.stderr)
    True

    From pymbar's works (reduced energies ``u = -log q``): negate ``w_F``, keep ``w_R``.

    >>> u_a = lambda x: 0.5 * x**2
    >>> u_b = lambda x: 0.5 * (x - 1) ** 2 - np.log(3.0)
    >>> w_f, w_r = u_b(xa) - u_a(xa), u_a(xb) - u_b(xb)
    >>> bool(pt.bar(-w_f, w_r).log_z == est.log_z)  # pymbar's Delta_f is -est.log_z
    True
    """
    la = _log_ratios(log_ratios_a, "log_ratios_a")
    lb = _log_ratios(log_ratios_b, "log_ratios_b")
    level = check_probability(confidence_level, "confidence_level")
    maxiter = check_int(maxiter, "maxiter", minimum=1)
    tol = check_positive_float(tol, "tol")
    if check_order:
        _check_order(la, lb)
    return _bar(la, lb, level=level, maxiter=maxiter, tol=tol)


def _check_order(la: np.ndarray, lb: np.ndarray) -> None:
    """Refuse ``mean(la) > mean(lb)`` by more than 5 standard errors (see :func:`bar`)."""
    with np.errstate(over="ignore", invalid="ignore"):  # ratios near 1e300: no check, no noise
        excess = float(la.mean() - lb.mean())
        scale = math.sqrt(la.var(ddof=1) / la.size + lb.var(ddof=1) / lb.size)
    if excess > 5.0 * scale and excess > 1e-12 * max(1.0, abs(float(la.mean()))):
        raise ValueError(
            f"log_ratios_a and log_ratios_b are not both log q_b(x) - log q_a(x): the mean "
            f"of log_ratios_a ({la.mean():.6g}) exceeds that of log_ratios_b "
            f"({lb.mean():.6g}) by {excess / scale if scale > 0 else math.inf:.3g} standard "
            "errors, while it cannot exceed log Z_b - log Z_a <= mean(log_ratios_b). "
            "pymbar's bar(w_F, w_R) takes works: call pt.bar(-w_F, w_R), whose log_z is "
            "-Delta_f; pass check_order=False to compute it anyway"
        )


def _bar(la: np.ndarray, lb: np.ndarray, *, level: float, maxiter: int, tol: float) -> LogZEstimate:
    """:func:`bar` on validated ratios, without the order check (BDMC's crossed bounds and
    MCMC-drawn samples can put the means out of order, and still have an estimate)."""
    n_a, n_b = la.size, lb.size
    # Work relative to the mid-range of all ratios: the bracket below adds +-1 to them, which
    # vanishes in rounding when they are as large as 1e300; the shift is added back at the end.
    shift = 0.5 * float(max(la.max(), lb.max())) + 0.5 * float(min(la.min(), lb.min()))
    la, lb = la - shift, lb - shift
    m = math.log(n_a / n_b)
    # A bracket: with t = d + M - max(l) the balance h(d) <= M - t + log 2, and with
    # t = min(l) - d - M it is >= M - log 2 + t; so h(lo) > 0 > h(hi) for these ends.
    lo = float(min(la.min(), lb.min())) - m - max(-m, 0.0) - 1.0
    hi = float(max(la.max(), lb.max())) - m + max(m, 0.0) + 1.0
    if not (_balance(lo, la, lb, m)[0] > 0.0 > _balance(hi, la, lb, m)[0]):
        raise FloatingPointError("bar: the bracket of the root is invalid (this is a bug)")
    # start between the two one-sided estimates
    one_sided_a = float(log_sum_exp(la, 1.0) - math.log(n_a))
    one_sided_b = float(-(log_sum_exp(lb, -1.0) - math.log(n_b)))
    delta = min(max(0.5 * (one_sided_a + one_sided_b), lo), hi)
    converged = False
    iterations = 0
    for iterations in range(1, maxiter + 1):  # noqa: B007 - reported below
        h, slope = _balance(delta, la, lb, m)
        if h == 0.0:
            converged = True
            break
        if h > 0:
            lo = delta
        else:
            hi = delta
        step = -h / slope if slope < 0 else 0.0
        candidate = delta + step
        if not (lo < candidate < hi):
            candidate = 0.5 * (lo + hi)
        scale = tol * max(1.0, abs(delta))
        if abs(candidate - delta) <= scale or hi - lo <= scale:
            delta = candidate
            converged = True
            break
        delta = candidate
    if not converged:
        raise RuntimeError(f"bar did not converge in {maxiter} iterations (last step size unknown)")
    _, sa, _, qa = sigmoid_sums(la, delta + m, 1.0)
    _, sb, _, qb = sigmoid_sums(lb, delta + m, -1.0)
    variance = (n_a * qa / sa**2 - 1.0) / n_a + (n_b * qb / sb**2 - 1.0) / n_b
    return LogZEstimate.normal(
        delta + shift,
        math.sqrt(max(variance, 0.0)),
        method="bar",
        confidence_level=level,
        n_samples=n_a + n_b,
        info={
            "n_a": n_a,
            "n_b": n_b,
            "iterations": iterations,
            "one_sided_a": one_sided_a + shift,
            "one_sided_b": one_sided_b + shift,
        },
    )


def bridge(
    model_a: Any,
    model_b: Any,
    samples_a=None,
    samples_b=None,
    *,
    n_samples: int = 1000,
    mcmc_sweeps: int | None = None,
    confidence_level: float = 0.95,
    progress: bool = False,
    rng=None,
) -> LogZEstimate:
    """``log Z_b - log Z_a`` for two models of one family by the optimal bridge (BAR).

    The log ratio ``log p*_b(x) - log p*_a(x)`` is evaluated at samples of each model and
    combined by :func:`bar`. Samples default to ``n_samples`` exact samples of each model
    (:func:`partition.exact_sample`); samples from MCMC can be passed instead, but BAR's
    standard error assumes independent draws, so thin them first.

    Parameters
    ----------
    model_a, model_b
        Models with ``log_unnormalized_prob`` over the same states (e.g. two RBMs of the same
        size, or an RBM at two training checkpoints).
    samples_a, samples_b : array_like, optional
        States drawn from ``model_a`` and ``model_b``.
    n_samples : int
        Samples drawn for each model whose samples are not given.
    mcmc_sweeps : int, optional
        Draw the missing samples by MCMC instead of exactly (for models too large to sample
        exactly): the final states of ``n_samples`` independent chains after
        ``mcmc_sweeps`` Gibbs sweeps at the model, started from its base. Independent chains
        keep BAR's error honest; too few sweeps bias the estimate, so compare two lengths.
        ``info["samples"]`` says how the samples were obtained.
    confidence_level : float
        Nominal coverage of the interval.
    progress : bool
        Progress bars for the MCMC sweeps.
    rng : int, SeedSequence, Generator or None
        Seed.

    Examples
    --------
    >>> import numpy as np, partition as pt
    >>> a = pt.BernoulliRBM.random(10, 5, weight_scale=0.5, rng=0)
    >>> b = pt.BernoulliRBM(a.weights * 1.1, a.visible_bias, a.hidden_bias)
    >>> est = pt.bridge(a, b, rng=1)
    >>> exact = pt.exact_log_z(b).log_z - pt.exact_log_z(a).log_z
    >>> bool(abs(est.log_z - exact) < 4 * est.stderr)
    True
    """
    from partition.estimators.exact import exact_sample

    require(model_a, ModelFamily, "bridge (model_a)")
    require(model_b, ModelFamily, "bridge (model_b)")
    n_samples = check_int(n_samples, "n_samples", minimum=2, maximum=MAX_CHAINS)
    level = check_probability(confidence_level, "confidence_level")
    shape_a, shape_b = tuple(model_a.state_shape), tuple(model_b.state_shape)
    if shape_a != shape_b:
        raise ValueError(
            f"model_a and model_b must share their states, got {shape_a} and {shape_b}: a "
            "bridge needs two models of the same size"
        )
    if mcmc_sweeps is not None:
        mcmc_sweeps = check_int(mcmc_sweeps, "mcmc_sweeps", minimum=1, maximum=MAX_SWEEPS)
    gen = as_generator(rng)
    kinds = []

    def draw(model, samples, name):
        if samples is not None:
            kinds.append("given")
            return samples
        if mcmc_sweeps is not None:
            from partition.estimators.annealing import anneal, annealing_path

            path = annealing_path(model, "bridge")
            _, states, _ = anneal(
                path, np.ones(mcmc_sweeps + 1), n_chains=n_samples, n_sweeps=1, rng=gen,
                progress=progress, transition_at_end=True, label=f"MCMC for {name}",
            )  # fmt: skip
            kinds.append(f"approximate ({mcmc_sweeps} Gibbs sweeps, independent chains)")
            return states
        try:
            states = exact_sample(model, n_samples, rng=gen)
        except ValueError as exc:
            reason = str(exc).split(". ")[0]
            raise ValueError(
                f"{name} cannot be sampled exactly ({reason}): pass mcmc_sweeps=N (command "
                "line: --mcmc-sweeps N) to draw its samples by N Gibbs sweeps of independent "
                "chains, or pass samples"
            ) from None
        kinds.append("exact")
        return states

    samples_a = draw(model_a, samples_a, "model_a")
    samples_b = draw(model_b, samples_b, "model_b")
    samples_a = model_states(model_a, samples_a, "samples_a")
    samples_b = model_states(model_b, samples_b, "samples_b")
    for name, states in (("samples_a", samples_a), ("samples_b", samples_b)):
        if states.shape[0] < 2:
            raise ValueError(f"{name} must hold at least 2 samples, got {states.shape[0]}")
    la = model_b.log_unnormalized_prob(samples_a) - model_a.log_unnormalized_prob(samples_a)
    lb = model_b.log_unnormalized_prob(samples_b) - model_a.log_unnormalized_prob(samples_b)
    est = bar(np.atleast_1d(la), np.atleast_1d(lb), check_order=False)
    return LogZEstimate.normal(
        est.log_z,
        est.stderr,
        method="bridge",
        confidence_level=level,
        n_samples=est.n_samples,
        info={**est.info, "samples": {"a": kinds[0], "b": kinds[1]}},
    )

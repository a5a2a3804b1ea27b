"""The trust checks behind every estimate's :class:`~partition.results.Trust`.

Each check returns a :class:`~partition.results.TrustCheck` (its value, its threshold, and
what to do when it fails); :func:`assess` gathers them and warns once, with an
:class:`~partition.UnreliableEstimateWarning` that names every failed check, when any fails.
What each check catches and what it misses is on the documentation's page "Choosing an
estimator and how far to trust it".

The Pareto ``k`` is fitted here in NumPy (Zhang & Stephens 2009, with the weakly
informative prior of Vehtari et al. 2024) instead of through arviz: every estimate needs
it, arviz is an optional extra whose import alone takes about a second, and the fit is 30
lines; the tests hold it to arviz's ``psislw``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.special import logsumexp

from partition.results import ESS_FRACTION_THRESHOLD as ESS_FRACTION
from partition.results import Trust, TrustCheck, UnreliableEstimateWarning

#: Weight checks: the Kish ESS below ``ESS_FRACTION`` of the chains (a few chains carry the
#: estimate), or below this many chains at all (the error bar of fewer is a guess: with 10
#: chains and 10 temperatures the digits RBM's interval missed in 19 of 20 seeds).
ESS_MIN = 10.0
#: The Pareto ``k`` of the largest weights above this: the variance of the weights is
#: infinite or nearly so, and the delta-method error bar is too narrow (Vehtari et al.).
PARETO_K_MAX = 0.7
#: SMC: fewer distinct time-0 ancestors than this fraction of the particles; a step whose
#: conditional ESS fell below ``CESS_MIN``; a move after which the next weight increments
#: stayed correlated above ``RHO_MAX`` with those before it. Chosen on the trust benchmark's
#: 3,430 runs (``benchmarks/results/trust.md``): Eves below 2% (the old rule) left 22.9% of
#: SMC runs missing without a word, 10% leaves 10.6% at 10% false alarms (default runs on
#: the digits RBM keep about 20%); the correlation of a transition that cannot move is 1.000,
#: while 0.99 would flag half the covered continuous runs.
EVES_FRACTION = 0.1
CESS_MIN = 0.05
RHO_MAX = 0.9995
#: SMC: the final weight on particles that no move changed in their last ``STUCK_MOVES``
#: moves, against ``e``, what it would be if every particle were as likely to move as the
#: others (the product of the moves' unchanged fractions): it fails above
#: ``max(STUCK_FRACTION, STUCK_RATIO e, STUCK_SCALE sqrt(e))``. A heuristic, chosen on runs
#: at the defaults (``benchmarks/results/trust.md`` has its effect): Neal's funnel, where a
#: step size that serves the mouth cannot move in the neck, leaves 0.04-14% of the weight
#: stuck at 20-1,000 times ``e``; 136 runs of the registry's other systems (continuous, RBM,
#: Ising) at most 0.35% at up to 25 times ``e``, which the square-root term lets pass.
STUCK_MOVES = 8
STUCK_FRACTION = 0.001
STUCK_RATIO = 10.0
STUCK_SCALE = 0.3
#: SMC: the estimated bias from particles that lag behind the temperatures (the moves'
#: drift of the next weight increment, each scaled by rho / (1 - rho)) fails above
#: ``LAG_Z_MAX`` standard errors of the estimate when it is also ``LAG_SIGNIFICANCE`` of its
#: own from 0 (the drifts are noisy). Chosen on 585 runs of SMC (100 particles, fixed
#: schedules of 30-1,000 temperatures) on the registry's and 10 unseen Ising and continuous
#: systems: on the continuous ones silent misses fell from 10.8% to 7.4% and false alarms
#: rose from 25.5% to 27.8% of the covered runs (without the significance test: 5.4% and
#: 45.5%); on Ising models it changed neither (4.3%, 19%). On the 15-d Gaussian of
#: condition number 39 with a random walk (1.5-3.2 nats low, silent) it read 1.7-4.0.
LAG_Z_MAX = 1.0
LAG_SIGNIFICANCE = 2.0
#: BDMC: the reverse estimate below the forward one by more than this many standard errors.
#: The pair's verdict rests on this alone: each side's weights are poor whenever the
#: schedule is short, which the gap already shows (their checks flagged 37-46% of the
#: covered BDMC runs); at 2 standard errors 2.7% of BDMC runs missed silently, 0.4% warned
#: while covered.
CROSSING_Z_MAX = 2.0


def pareto_k(log_weights) -> float:
    """The generalised Pareto shape ``k`` of the largest weights (PSIS's diagnostic).

    The tail is the largest ``M = ceil(min(n / 5, 3 sqrt(n)))`` weights; ``inf`` when
    ``M < 5`` (20 weights or fewer: too few to judge a tail), ``-inf`` when they all equal
    the threshold (no tail at all).

    Examples
    --------
    >>> import numpy as np
    >>> from partition._trust import pareto_k
    >>> light = np.random.default_rng(0).normal(0.0, 0.1, 1000)  # nearly equal weights
    >>> bool(pareto_k(light) < 0.5), pareto_k(np.zeros(10))
    (True, inf)
    """
    lw = np.sort(np.asarray(log_weights, dtype=np.float64))
    lw = lw[np.isfinite(lw)] if np.isneginf(lw[0]) else lw  # zero weights are no tail
    n = lw.size
    m = math.ceil(min(0.2 * n, 3.0 * math.sqrt(n)))
    if m < 5:
        return math.inf
    top = lw[-1]
    x = np.exp(lw[n - m :] - top) - math.exp(lw[n - m - 1] - top)  # exceedances, ascending
    if x[-1] <= 0.0:
        return -math.inf
    x = np.maximum(x, 0.0)
    # Zhang & Stephens (2009): a posterior mean of theta = -k / sigma over a grid
    n_grid = 30 + int(math.sqrt(m))
    quartile = x[int(m / 4.0 + 0.5) - 1]
    j = np.arange(1, n_grid + 1)
    theta = 1.0 / x[-1] + (1.0 - np.sqrt(n_grid / (j - 0.5))) / (3.0 * max(quartile, 1e-300))
    k = np.log1p(-theta[:, None] * x[None, :]).mean(axis=1)  # the profile shape at theta
    with np.errstate(divide="ignore", invalid="ignore"):
        log_lik = m * (np.log(-theta / k) - k - 1.0)
    log_lik = np.where(np.isfinite(log_lik), log_lik, -np.inf)
    weight = np.exp(log_lik - logsumexp(log_lik))
    keep = weight >= 10.0 * np.finfo(float).eps
    theta_hat = float(np.sum(theta[keep] * weight[keep]) / np.sum(weight[keep]))
    k_hat = float(np.log1p(-theta_hat * x).mean())
    return (m * k_hat + 10.0 * 0.5) / (m + 10.0)  # shrunk towards 0.5 (Vehtari et al.)


def _at_least(
    name: str, value: float, floor: float, message: str, *, rtol: float = 0.0
) -> TrustCheck:
    return TrustCheck(name, value, floor, value >= floor * (1.0 - rtol), message)


def _at_most(name: str, value: float, ceiling: float, message: str) -> TrustCheck:
    return TrustCheck(name, value, ceiling, value <= ceiling, message)  # NaN fails


def weight_checks(log_weights: np.ndarray, ess: float) -> list[TrustCheck]:
    """The checks of an estimate from importance weights: its Kish ``ess``
    (:func:`~partition.results.kish_ess`, which the estimate already holds), and the Pareto
    ``k`` of the largest weights (from 21 weights on: fewer have no tail to judge)."""
    lw = np.asarray(log_weights, dtype=np.float64)
    n = lw.size
    floor = max(ESS_FRACTION * n, min(ESS_MIN, n))
    checks = [
        _at_least(
            "ess", ess, floor,
            f"the effective sample size of the weights is {ess:.1f} of {n} (below "
            f"{floor:.3g}): a few chains carry the estimate and its error bar cannot be "
            "trusted; use more temperatures or sweeps, and compare with bdmc",
            rtol=1e-12,  # equal weights: ESS = n, to rounding
        ),
    ]  # fmt: skip
    k = pareto_k(lw)
    if n > 20:
        checks.append(_at_most(
            "pareto_k", k, PARETO_K_MAX,
            f"the largest weights have a Pareto tail k = {k:.2f} (above {PARETO_K_MAX}): "
            "their variance is too large for the error bar to hold; use more temperatures "
            "or sweeps, or more chains",
        ))  # fmt: skip
    return checks


def smc_checks(
    n_eves: int,
    n: int,
    cess: np.ndarray,
    rho: np.ndarray,
    still: tuple[float, float] | None,
    lag: tuple[float, float] | None = None,
) -> list[TrustCheck]:
    """SMC's checks: the distinct time-0 ancestors left ("Eves": the single-run error bar
    rests on them), the smallest conditional ESS of a step (a step too large for the
    particles to follow), the largest lag-1 autocorrelation of the next weight increment
    across a move (moves that leave the particles where they were), and ``still``: the final
    weight on particles that none of their last ``STUCK_MOVES`` moves changed, with what it
    would be were every particle as likely to move (moves that serve some regions of the
    target and not others; None when there were fewer moves), and ``lag``: how far the
    particles' lag behind the temperatures puts the estimate below log Z, estimated from the
    moves' drift (``smc``'s ``info["lag_bias"]``): in the estimate's standard errors and in
    its own."""
    eves_floor = max(2.0, EVES_FRACTION * n)
    checks = [
        _at_least(
            "eves", float(n_eves), eves_floor,
            f"only {n_eves} of {n} particles' ancestors survive the resampling: the "
            "single-run error bar is unreliable; use more particles or a lower "
            "resample_threshold",
        ),
    ]  # fmt: skip
    if len(cess):
        worst = float(np.min(cess))
        checks.append(_at_least(
            "cess", worst, CESS_MIN,
            f"a step kept a conditional ESS of only {worst:.3g} of the particles: the "
            "temperatures are too far apart for them; use more temperatures (or the "
            "adaptive schedule)",
        ))  # fmt: skip
    finite = np.asarray(rho, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size:
        worst_rho = float(np.max(finite))
        checks.append(_at_most(
            "mixing", worst_rho, RHO_MAX,
            f"a move left the next weight increments correlated at {worst_rho:.3f} with those "
            "before it: the transition barely moves the particles; use more sweeps per "
            "temperature or a transition that mixes",
        ))  # fmt: skip
    if still is not None:
        weight, expected = still
        ceiling = max(STUCK_FRACTION, STUCK_RATIO * expected, STUCK_SCALE * math.sqrt(expected))
        checks.append(_at_most(
            "stuck", weight, ceiling,
            f"{100 * weight:.2g}% of the final weight is on particles that none of their last "
            f"{STUCK_MOVES} moves changed, {weight / max(expected, 1e-300):.3g} times what it "
            "would be were every particle as likely to move: the transition serves some "
            "regions of the target and not others (a funnel's neck?); use a transition "
            "whose step adapts to the position, more sweeps per temperature, or bdmc",
        ))  # fmt: skip
    if lag is not None:
        size, significance = lag
        passed = abs(size) <= LAG_Z_MAX or abs(significance) <= LAG_SIGNIFICANCE
        checks.append(TrustCheck(
            "lag", abs(size), LAG_Z_MAX, passed,
            f"the moves kept shifting the particles' weight increments: they lag behind the "
            f"temperatures, which puts the estimate about {abs(size):.2g} standard errors "
            f"{'below' if size > 0 else 'above'} log Z (from the drift alone, an "
            "underestimate); use more sweeps per temperature, more temperatures, or a "
            "transition that mixes faster",
        ))  # fmt: skip
    return checks


def crossing_check(lower, upper) -> TrustCheck:
    """BDMC: the reverse (upper) estimate below the forward (lower) one by more than
    ``CROSSING_Z_MAX`` combined standard errors, which bounds on either side cannot do but
    by chance."""
    scale = math.hypot(lower.stderr, upper.stderr)
    z = (lower.log_z - upper.log_z) / scale if scale > 0 else 0.0
    return _at_most(
        "crossing", z, CROSSING_Z_MAX,
        f"the reverse estimate lies {z:.1f} standard errors below the forward one: the "
        "bounds cross, so at least one side is off (reverse chains from samples that are "
        "not the model's?); use exact samples, a longer burn-in or more temperatures",
    )  # fmt: skip


def assess(checks: list[TrustCheck], method: str, *, stacklevel: int) -> Trust:
    """The :class:`Trust` of ``checks``; warns (naming each failed check) unless all pass."""
    trust = Trust(tuple(checks))
    if trust.failed:
        reasons = "; ".join(check.message for check in trust.failed)
        warnings.warn(f"{method}: {reasons}", UnreliableEstimateWarning, stacklevel=stacklevel + 1)
    return trust

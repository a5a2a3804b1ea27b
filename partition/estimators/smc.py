"""Sequential Monte Carlo samplers with adaptive tempering (Del Moral, Doucet & Jasra 2006).

Particles start from exact draws of the family's base (``beta = 0``) and move along the
same geometric path as AIS, through the same transitions and kernels
(:class:`partition.models.base.AnnealingPath`); unlike AIS they

- choose each next temperature from themselves: the largest ``beta`` whose conditional ESS
  (Zhou, Johansen & Aston 2016), or ESS of the reweighted particles relative to the ESS
  before the step, stays at ``target_ess``,
  found by a bracketing root search (:func:`scipy.optimize.brentq`) on ``path.log_f``;
- resample when the weights degenerate (ESS below ``resample_threshold`` of the particles),
  by one of :data:`RESAMPLING`, with the uniforms drawn from the run's generator;
- report a *single-run* error bar from each particle's ancestor at time 0 (its "Eve"):
  ``V = 1 - c (1 - sum_e W_e^2)``, ``W_e`` the final weight of Eve ``e``'s descendants.
  With multinomial resampling ``c = (N / (N - 1))^(m + 1)`` after ``m`` resampling events,
  the unbiased estimator of Lee & Whiteley (2018), adaptive resampling as in Du & Guyader
  (2021). The factor corrects for multinomial resampling's offspring noise, which the
  other schemes mostly avoid: with it their intervals came out too narrow (77% coverage
  on the digits RBM at CESS 0.99, zero width when resampling at every step), so for them
  ``c = N / (N - 1)``, the form of Chan & Lai (2013), which covered 90-97% in the same
  runs.

Each step reweights the particles by ``p*_{beta'} / p*_beta`` (``path.log_f``), resamples
them when due, and then moves them by ``n_sweeps`` transitions that leave ``p_{beta'}``
invariant (the runner's ``advance`` on the segment ``[beta', beta']``: AIS's kernel, no
weight). Moving after resampling spreads the copies apart before the next reweighting: the
first version moved first and resampled after, which left copies identical into the next
step, and on a 3-mode mixture had 2-3 times the RMS error at the same settings.
On a fixed schedule the whole loop runs in compiled code where the family's runner offers
it (``runner.smc``: every built-in family but a vectorized ``LogDensity``, and any
:class:`~partition.transitions.Step` on the population engine;
:func:`partition.engine.run_smc`): a kernel call per resampling,
the increments from the kernels, the same particles, moves and statistics as the loop here
(to rounding, tested). The others, and every adaptive schedule, step from Python.
``Z_hat = Z_0 prod_t sum_i W_i^(t-1) w_i^(t)`` is unbiased for Z whatever the schedule rule,
resampling scheme or threshold. Particle slot ``i`` always draws from stream
``i`` (:mod:`partition.kernels._random`), so a run is a function of its seed alone, at any
thread count.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from scipy.optimize import brentq

from partition._progress import Progress
from partition._rng import RNGLike
from partition._trust import STUCK_MOVES, assess, smc_checks
from partition._validation import MAX_CHAINS, check_int, check_probability, check_real
from partition.engine import SMC_COLUMNS, SMCSegment
from partition.estimators.annealing import SCHEDULE_CHOOSERS, AnnealingConfig, backend_of
from partition.estimators.schedules import geometric
from partition.kernels._random import seed_streams
from partition.results import LogZEstimate

RESAMPLING = ("multinomial", "systematic", "stratified", "residual")
CRITERIA = ("cess", "ess")
#: Temperatures of the grid the family's transitions are tuned on (continuous targets'
#: step sizes) when the schedule is adaptive.
TUNING_GRID = 200


def _advance(runner, betas, transition_at_end: bool, *host: np.ndarray) -> None:
    """``runner.advance`` on the NumPy arrays ``host`` (states, streams, log weights), moved
    to the runner's backend and back around the call: the adaptive sampler resamples and
    reweights here between moves."""
    backend = backend_of(runner)
    chains = [backend.put(a) for a in host]
    runner.advance(betas, transition_at_end, *chains)
    for array, out in zip(chains, host, strict=True):
        backend.get(array, out)


def _check_choice(value, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def resample(weights, scheme: str, gen: np.random.Generator) -> np.ndarray:
    """Ancestor indices (ascending) of ``len(weights)`` offspring drawn by ``scheme``.

    Every scheme gives each particle ``N W_i`` offspring on average (``W`` the normalised
    weights); they differ in the variance of the counts: multinomial (independent draws)
    most, then residual (``floor(N W_i)`` copies, the rest multinomial), stratified (one
    uniform per stratum ``[k, k + 1) / N``) and systematic (one uniform for all strata).

    Examples
    --------
    >>> import numpy as np
    >>> from partition.estimators.smc import resample
    >>> resample([0.5, 0.25, 0.25, 0.0], "systematic", np.random.default_rng(0)).tolist()
    [0, 0, 1, 2]
    """
    _check_choice(scheme, "resampling", RESAMPLING)
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    n = w.size
    cdf = np.cumsum(w)
    cdf[-1] = 1.0
    if scheme == "residual":
        copies = np.floor(n * w).astype(np.int64)
        rest = n - int(copies.sum())
        fixed = np.repeat(np.arange(n), copies)
        if rest == 0:
            return fixed
        residual = n * w - copies
        cdf = np.cumsum(residual / residual.sum())
        cdf[-1] = 1.0
        drawn = np.searchsorted(cdf, gen.random(rest), side="right")
        return np.sort(np.concatenate([fixed, np.minimum(drawn, n - 1)]))
    if scheme == "multinomial":
        u = np.sort(gen.random(n))
    elif scheme == "stratified":
        u = (np.arange(n) + gen.random(n)) / n
    else:  # systematic
        u = (np.arange(n) + gen.random()) / n
    return np.minimum(np.searchsorted(cdf, u, side="right"), n - 1)


#: Every ``PACE_EVERY`` adaptive temperatures the run checks its pace: the temperatures
#: it would still need were its last ``PACE_WINDOW`` steps in beta to go on as they were
#: (a bound from above: steps usually grow as beta does). It stops when that exceeds
#: ``PACE_SLACK`` times ``max_temperatures``.
PACE_EVERY = 500
PACE_WINDOW = 100
PACE_SLACK = 100.0


def _temperatures_at_this_pace(betas: list[float]) -> float:
    step = (betas[-1] - betas[-1 - PACE_WINDOW]) / PACE_WINDOW
    return (1.0 - betas[-1]) / step if step > 0.0 else math.inf


def _lse(a: np.ndarray) -> float:
    """``log sum exp(a)`` (scipy's ``logsumexp`` costs about 0.5 ms a call in its array-API
    layer, which SMC's search calls thousands of times)."""
    top = float(np.max(a))
    return top + math.log(float(np.sum(np.exp(a - top))))


def _increments(log_f, beta: float, here: np.ndarray) -> np.ndarray:
    """``log_f(beta) - here``, the log weight increments; a particle at ``-inf`` (outside the
    density's support, a zero weight) stays at ``-inf`` instead of ``-inf - -inf = NaN``."""
    with np.errstate(invalid="ignore"):
        return np.where(here == -np.inf, -np.inf, log_f(beta) - here)


def _criterion(log_w: np.ndarray, log_inc: np.ndarray, criterion: str) -> float:
    """CESS / N (``(sum W g)^2 / sum W g^2``), or the ESS of the reweighted particles as a
    fraction of the ESS before the step (ESS / N after resampling), for normalised log
    weights ``log_w`` and log increments ``log_inc``. (The ESS as a fraction of N has no
    root in a step that starts below the target, between resamplings.)"""
    a = log_w + log_inc
    if criterion == "cess":
        return float(np.exp(2.0 * _lse(a) - _lse(a + log_inc)))
    return float(np.exp(2.0 * _lse(a) - _lse(2.0 * a) + _lse(2.0 * log_w)))


def _eve_relative_variance(log_w: np.ndarray, eve: np.ndarray, n_resampled: int) -> float:
    """The Eve estimate of ``Var(Z_hat / Z)`` from the final normalised weights and each
    particle's Eve index: ``1 - (N / (N - 1))^(m + 1) (1 - sum_e W_e^2)``, ``W_e`` the
    weight of Eve ``e``'s descendants, ``m`` the multinomial resampling events (0 for the
    other schemes); clipped at 0."""
    n = log_w.size
    w = np.exp(log_w - _lse(log_w))
    by_eve = np.bincount(eve, weights=w, minlength=n)
    factor = math.exp((n_resampled + 1) * math.log1p(1.0 / (n - 1)))
    return max(1.0 - factor * (1.0 - float(np.sum(by_eve**2))), 0.0)


def _move_statistics(before, after, log_w) -> tuple[float, float, float]:
    """What a move did to the next weight increment, over the particles where both are
    finite, under the normalised weights ``exp(log_w)``: the correlation of ``before`` and
    ``after`` (1 when either is constant: the move changed nothing the increment sees), the
    shift of their weighted mean (nats) and that shift's standard error (the weighted spread
    of the particles' shifts over the square root of their ESS); NaN when fewer than 2
    particles count."""
    keep = np.isfinite(before) & np.isfinite(after) & np.isfinite(log_w)
    if keep.sum() < 2:
        return float("nan"), float("nan"), float("nan")
    a, b, lw = before[keep], after[keep], log_w[keep]
    w = np.exp(lw - _lse(lw))
    da, db = a - w @ a, b - w @ b
    va, vb = float(w @ da**2), float(w @ db**2)
    rho = 1.0
    if va > 0.0 and vb > 0.0:
        rho = float(np.clip((w @ (da * db)) / math.sqrt(va * vb), -1.0, 1.0))
    d = b - a
    shift = float(w @ d)
    return rho, shift, math.sqrt(float(w @ (d - shift) ** 2) * float(w @ w))


#: The largest ``rho / (1 - rho)`` that :func:`_lag` multiplies a move's drift by (rho at
#: most 0.99: a move that barely mixes is the mixing check's concern).
LAG_RHO_MAX = 0.99


def _lag(moves: np.ndarray) -> tuple[float, float]:
    """How far the estimate lies below log Z because the particles lag behind the
    temperatures, estimated from the moves (``(n_moves, 3)``: each move's
    :func:`_move_statistics`): a move that contracts the lag ``L`` of the next weight
    increment's mean by ``rho`` shifts that mean by ``(1 - rho) L``, which leaves
    ``rho L = shift rho / (1 - rho)`` for the next increment to miss. Summed over the moves,
    in nats (positive: too low), with its standard error from the shifts' (taken as
    independent)."""
    keep = np.isfinite(moves).all(axis=1)
    rho, shift, shift_se = moves[keep].T
    scale = np.clip(rho, 0.0, LAG_RHO_MAX) / (1.0 - np.clip(rho, 0.0, LAG_RHO_MAX))
    return float(np.sum(shift * scale)), float(math.sqrt(np.sum((shift_se * scale) ** 2)))


def smc(
    model: Any,
    *,
    n_particles: int = 2500,
    transition=None,
    n_sweeps: int = 1,
    schedule="adaptive",
    target_ess: float = 0.97,
    criterion: str = "cess",
    resampling: str = "systematic",
    resample_threshold: float = 0.8,
    max_temperatures: int = 100_000,
    confidence_level: float = 0.95,
    progress: bool = False,
    rng: RNGLike = None,
    **options,
) -> LogZEstimate:
    """Estimate log Z by a sequential Monte Carlo sampler with adaptive tempering.

    Parameters
    ----------
    model
        A model family (:class:`partition.models.base.ModelFamily`): a
        :class:`~partition.BernoulliRBM`, :class:`~partition.GaussianBernoulliRBM`,
        :class:`~partition.IsingModel`, :class:`~partition.LogDensity`, or your own.
    n_particles : int
        Particles (>= 2). The defaults (2,500 particles, ``target_ess=0.97``,
        ``resample_threshold=0.8``) were chosen on the shipped digits RBM: RMS error about
        0.04 nats over 120 seeds at about 138,000 sweeps, a tenth of default AIS's
        (1,000 particles at CESS 0.9, the old defaults: 0.086 nats at 29,000).
    transition : str or transition object, optional
        The family's transition, as for :func:`~partition.ais` (None: its default).
    n_sweeps : int
        Transitions (sweeps) per temperature.
    schedule : "adaptive", str, int or array_like
        ``"adaptive"`` (default) chooses each temperature from the particles; anything
        :func:`~partition.ais` accepts fixes them.
    target_ess : float
        In (0, 1): the conditional ESS (or ESS) fraction each adaptive step keeps.
        Closer to 1 means more, smaller steps.
    criterion : {"cess", "ess"}
        Conditional ESS (Zhou, Johansen & Aston 2016; the default, right with adaptive
        resampling) or the ESS of the reweighted particles relative to the ESS before the
        step (the ESS fraction of the particles when they were resampled at the last step).
    resampling : {"systematic", "stratified", "residual", "multinomial"}
        The resampling scheme (Douc, Cappé & Moulines 2005 compare them).
    resample_threshold : float
        Resample when the ESS falls below this fraction of the particles; 0 never
        resamples (annealed importance sampling with adaptive temperatures), 1 always.
    max_temperatures : int
        The most temperatures an adaptive run may take before it stops with an error. It
        stops earlier, every 500 temperatures, when at the pace of its last 100 steps it
        would need over 100 times as many.
    confidence_level : float
        Level of the reported interval.
    progress : bool
        A progress bar over beta on stderr.
    rng : int, SeedSequence, Generator or None
        Seed: the particles' streams, the resampling uniforms.
    **options
        The family's own options, as for :func:`~partition.ais` (``data``, ``base``, ...).

    Returns
    -------
    LogZEstimate
        ``method="smc"``. ``stderr`` is the single-run estimate ``sqrt(log(1 + V))`` with
        ``V`` the Eve estimate of ``Var(Z_hat / Z)`` (module docstring); the interval is
        ``log_z -+ z * stderr``. ``log_weights`` are the final particles' weights (their
        log-mean-exp is 0), ``ess`` their ESS. ``info`` holds ``betas`` (the temperatures),
        ``ess`` and ``cess`` per step (fractions), ``resampled`` (the steps after which
        the particles were resampled), ``move_autocorrelation`` (per move, at
        ``betas[1:-1]``: the weighted correlation of the next weight increment before and
        after the move, a mixing statistic that Gibbs kernels, which accept every move,
        otherwise lack: near 0 the move decorrelates the particles, near 1 it barely moves
        them), ``unchanged`` (per move, the fraction of the particles it left as they
        were), ``stuck`` (the final weight on particles that none of their last 8 moves
        changed, and what it would be were every particle as likely to move: the product
        of the last 8 ``unchanged``; None before 8 moves), ``drift`` (per move, how far it
        shifted the weighted mean of the next weight increment), ``lag_bias`` (the bias in
        nats that the drift implies, positive when the estimate is too low: the ``lag``
        check; ``lag_bias_stderr`` its standard error), ``n_resampling``, ``n_eves``
        (distinct ancestors left at the end), ``relative_variance``,
        ``n_log_f_evaluations`` (the adaptive search's), the transition's statistics
        (``acceptance_rate``, ``n_steps``, ...), ``seconds`` and ``seed_entropy``.

    Warns
    -----
    UnreliableEstimateWarning
        When a trust check fails (the estimate's ``trust`` lists them): fewer than 10 % of
        the particles' ancestors survive, which makes the single-run error bar unreliable
        (use more particles or a lower ``resample_threshold``); a step's conditional ESS
        below 5 % (temperatures too far apart); a move after which the next weight
        increments stay correlated above 0.9995 (a transition that barely moves); more of
        the final weight on particles that their last 8 moves all left unchanged than
        particles equally likely to move would leave (a transition that moves in some
        regions of the target and not others, as in a funnel's neck); a bias from
        particles that lag behind the temperatures, estimated from the moves' drift, over
        one standard error.

    Notes
    -----
    SMC needs all particles at every resampling step, so a run cannot be split over
    processes as AIS's chains can; run several independent SMC runs instead and combine
    them (their mean in Z, their spread as the error).

    Examples
    --------
    >>> import partition as pt
    >>> rbm = pt.BernoulliRBM.random(12, 6, weight_scale=0.5, rng=0)
    >>> est = pt.smc(rbm, n_particles=200, rng=1)
    >>> exact = pt.exact_log_z(rbm).log_z
    >>> abs(est.log_z - exact) < 4 * est.stderr + 1e-3
    True
    >>> float(est.info["betas"][0]), float(est.info["betas"][-1])
    (0.0, 1.0)
    """
    n_particles = check_int(n_particles, "n_particles", minimum=2, maximum=MAX_CHAINS)
    target_ess = check_probability(target_ess, "target_ess")
    criterion = _check_choice(criterion, "criterion", CRITERIA)
    resampling = _check_choice(resampling, "resampling", RESAMPLING)
    resample_threshold = check_real(resample_threshold, "resample_threshold")
    if not 0.0 <= resample_threshold <= 1.0:
        raise ValueError(f"resample_threshold must lie in [0, 1], got {resample_threshold}")
    max_temperatures = check_int(max_temperatures, "max_temperatures", minimum=1)
    adaptive = isinstance(schedule, str) and schedule == "adaptive"
    config = AnnealingConfig.build(
        model, "smc", n_chains=n_particles, schedule=geometric(TUNING_GRID) if adaptive
        else schedule, n_sweeps=n_sweeps, transition=transition,
        confidence_level=confidence_level, progress=progress, rng=rng, **options,
    )  # fmt: skip
    if config.executor is not None:
        raise ValueError(
            "smc does not take executor=: it needs all particles at every resampling step; "
            "run independent SMC runs on the workers and combine them (their mean in Z, "
            "their spread as the error)"
        )
    path, gen, n = config.path, config.rng, n_particles
    run = _Run(path, criterion, target_ess)
    streams, entropy = seed_streams(gen, n)
    states = path.new_states(n)
    log_w = np.full(n, -math.log(n))  # normalised
    eve = np.arange(n)
    still = np.zeros(n, dtype=np.int64)  # moves in a row that left each particle unchanged
    still_trace = []
    log_z = float(path.log_z_base)
    zero = np.zeros(n)  # the moves' weight increments, all zero
    betas, ess_trace, cess_trace, resampled = [0.0], [], [], []
    moves = []  # per move: the next weight increment's correlation, shift, shift's stderr
    previous = None  # (log f of the states before the last move, their ancestors, weights)
    bar = Progress(100, f"SMC ({n} particles), beta", config.progress, unit="%")
    start = time.perf_counter()
    with path.runner(n, config.n_sweeps, config.betas) as runner:
        compile_start = time.perf_counter()  # numba compiles on the first calls
        path.sample_base(states[:0], streams[:0])
        fixed = None if adaptive else getattr(runner, "smc", None)
        if fixed is not None:  # only the kernel the run will call
            empty = (np.zeros(0), np.zeros(0, np.int64), np.empty((0, len(SMC_COLUMNS))))
            fixed(
                config.betas,
                SMCSegment(0, 0, resample_threshold, *empty),
                states[:0],
                streams[:0],
                log_w[:0],
            )
        else:
            _advance(runner, config.betas[:1], False, states[:0], streams[:0], log_w[:0])
        compile_seconds = time.perf_counter() - compile_start
        path.sample_base(states, streams)
        beta = 0.0
        if fixed is not None:  # the whole loop below in compiled code, a call per resampling
            pre = np.zeros(n)
            t, n_betas = 0, len(config.betas)
            while t < n_betas - 1:
                stop = min(n_betas - 1, t + runner.segment_length)
                segment = SMCSegment(
                    t, stop, resample_threshold, pre, still, np.empty((stop - t, len(SMC_COLUMNS)))
                )
                reached = fixed(config.betas, segment, states, streams, log_w)
                if reached < 0:
                    bar.close()
                    raise FloatingPointError(
                        f"smc: NaN, +inf or only zero weights at beta={config.betas[-reached]}"
                    )
                rows = segment.table[: reached - t]
                for row in rows:
                    log_z += float(row[0])
                ess_trace.extend(rows[:, 1].tolist())
                cess_trace.extend(rows[:, 2].tolist())
                moved = rows[1:] if t == 0 else rows  # no move at the base
                moves.extend(moved[:, 3:6].tolist())
                still_trace.extend(moved[:, 6].tolist())
                betas.extend(config.betas[t + 1 : reached + 1].tolist())
                t = reached
                beta = betas[-1]
                if beta < 1.0 and ess_trace[-1] < resample_threshold:
                    ancestors = resample(np.exp(log_w), resampling, gen)
                    states[:] = states[ancestors]
                    eve = eve[ancestors]
                    still[:] = still[ancestors]
                    pre[:] = pre[ancestors]
                    log_w[:] = -math.log(n)
                    resampled.append(t)
                bar.update(int(100 * beta))
        while beta < 1.0:
            if len(betas) > max_temperatures:
                bar.close()
                raise RuntimeError(
                    f"smc took more than max_temperatures={max_temperatures} temperatures "
                    f"and reached beta={beta:.3g}; lower target_ess or raise max_temperatures"
                )
            if adaptive and (len(betas) - 1) % PACE_EVERY == 0 and len(betas) > PACE_EVERY:
                needed = _temperatures_at_this_pace(betas)
                if needed > PACE_SLACK * max_temperatures:
                    bar.close()
                    raise RuntimeError(
                        f"smc: after {len(betas) - 1} temperatures beta is {beta:.3g}; at this "
                        f"pace (the last {PACE_WINDOW} steps) it would need about "
                        f"{needed:.2g} more, {PACE_SLACK:g} times max_temperatures="
                        f"{max_temperatures} or more: the model is far sharper than its "
                        "base (tiny sigma, huge weights?); lower target_ess, give a base "
                        "closer to the model, or raise max_temperatures"
                    )
            log_f = run.log_f(states)
            here = log_f(beta)
            if adaptive:
                nxt = run.next_beta(log_f, here, log_w, beta)
            else:
                nxt = float(config.betas[len(betas)])
            log_inc = _increments(log_f, nxt, here)
            # -inf is a zero weight (a particle outside the density's support)
            if np.any(np.isnan(log_inc) | (log_inc == np.inf)) or np.all(log_inc == -np.inf):
                bar.close()
                raise FloatingPointError(f"smc: NaN, +inf or only zero weights at beta={nxt}")
            if previous is not None:
                before_f, ancestors, moved_w = previous
                before = _increments(before_f, nxt, before_f(beta))[ancestors]
                moves.append(_move_statistics(before, log_inc, moved_w))
            cess_trace.append(_criterion(log_w, log_inc, "cess"))
            step = float(_lse(log_w + log_inc))
            log_z += step
            log_w = log_w + log_inc - step
            ess = float(math.exp(-_lse(2.0 * log_w)) / n)
            ess_trace.append(ess)
            beta = float(nxt)
            betas.append(beta)
            ancestors = np.arange(n)
            if beta < 1.0 and ess < resample_threshold:
                ancestors = resample(np.exp(log_w), resampling, gen)
                states[:] = states[ancestors]
                eve = eve[ancestors]
                still = still[ancestors]
                log_w = np.full(n, -math.log(n))
                resampled.append(len(betas) - 1)
            previous = (log_f, ancestors, log_w)
            if beta < 1.0:  # move at beta: a segment [beta, beta] adds no weight
                before_move = states.copy()
                _advance(runner, np.array([beta, beta]), True, states, streams, zero)
                same = np.all((states == before_move).reshape(n, -1), axis=1)
                still = np.where(same, still + 1, 0)
                still_trace.append(float(same.mean()))
            bar.update(int(100 * beta))
    bar.close()
    info: dict[str, Any] = {**path.describe(), **runner.info}
    # Lee & Whiteley's factor corrects for multinomial resampling's offspring noise; the
    # other schemes make far less, and with it their intervals came out too narrow (zero
    # width when resampling at every step): without it, as Chan & Lai (2013), they covered
    # 90-97% of runs (module docstring)
    counted = len(resampled) if resampling == "multinomial" else 0
    relative_variance = _eve_relative_variance(log_w, eve, counted)
    n_eves = int(np.unique(eve).size)
    moves = np.array(moves, dtype=np.float64).reshape(-1, 3)
    lag, lag_stderr = _lag(moves)
    stuck = None
    if len(still_trace) >= STUCK_MOVES:
        w = np.exp(log_w - _lse(log_w))
        stuck = (float(w @ (still >= STUCK_MOVES)), float(np.prod(still_trace[-STUCK_MOVES:])))
    stderr = math.sqrt(math.log1p(relative_variance))
    lag_z = (lag / stderr if stderr > 0 else 0.0, lag / lag_stderr if lag_stderr > 0 else 0.0)
    checks = smc_checks(n_eves, n, np.array(cess_trace), moves[:, 0], stuck, lag_z)
    trust = assess(checks, "smc", stacklevel=2)
    info.update(
        betas=np.array(betas),
        n_temperatures=len(betas) - 1,
        n_sweeps=config.n_sweeps,
        ess=np.array(ess_trace),
        cess=np.array(cess_trace),
        move_autocorrelation=moves[:, 0],
        resampled=np.array(resampled, dtype=np.int64),
        n_resampling=len(resampled),
        n_eves=n_eves,
        unchanged=np.array(still_trace),
        drift=moves[:, 1],
        lag_bias=lag,
        lag_bias_stderr=lag_stderr,
        stuck=stuck,
        relative_variance=relative_variance,
        n_log_f_evaluations=run.n_evaluations,
        schedule="adaptive" if adaptive else "fixed",
        criterion=criterion,
        target_ess=target_ess,
        resampling=resampling,
        resample_threshold=resample_threshold,
        seconds=time.perf_counter() - start - compile_seconds,
        compile_seconds=compile_seconds,
        seed_entropy=entropy,
    )
    final = log_w + math.log(n)
    return LogZEstimate.normal(
        log_z,
        stderr,
        method="smc",
        confidence_level=config.confidence_level,
        n_samples=n,
        ess=float(math.exp(-_lse(2.0 * log_w))),
        log_weights=final,
        info=info,
        trust=trust,
    )


class _Run:
    """The adaptive rule: the next beta by a bracketing root search on the criterion."""

    def __init__(self, path, criterion, target):
        self.path, self.criterion, self.target = path, criterion, target
        self.n_evaluations = 0

    def log_f(self, states):
        """``beta -> log p*_beta(states)`` in float64 (the path's ``log_f_function`` when it
        has one: the products done once for all the betas tried)."""
        make = getattr(self.path, "log_f_function", None)
        f = make(states) if make is not None else lambda b: self.path.log_f(states, b)
        return lambda b: np.asarray(f(b), dtype=np.float64)

    def next_beta(self, log_f, here, log_w, beta) -> float:
        def gap(b):
            self.n_evaluations += 1
            return _criterion(log_w, _increments(log_f, b, here), self.criterion) - self.target

        if gap(1.0) >= 0.0:
            return 1.0
        nxt = brentq(gap, beta, 1.0, xtol=1e-12, rtol=1e-6, maxiter=200)
        return max(float(nxt), float(np.nextafter(beta, 2.0)))  # always a step forward


def adaptive_schedule(
    model: Any,
    n_temperatures: int = 1000,
    *,
    n_pilot: int = 256,
    transition=None,
    n_sweeps: int = 1,
    target_ess: float = 0.9,
    return_info: bool = False,
    rng: RNGLike = None,
    **options,
):
    """An AIS schedule of ``n_temperatures`` intervals chosen by a cheap SMC pilot run.

    The pilot (:func:`smc` with ``n_pilot`` particles, the same transition, sweeps and
    family options) steps at constant conditional ESS ``target_ess``. Each of its steps
    adds ``sqrt(-log CESS)`` to a running length, which approximates the thermodynamic
    length of the path (for small steps ``-log CESS`` is the variance of the log weight
    increment). The schedule puts its temperatures at equal steps of that length, by linear
    interpolation between the pilot's temperatures, so AIS spends its temperatures where
    the distributions change fastest. The result is deterministic for a seed.
    ``pt.ais(model, schedule="adaptive")`` uses it with the defaults.

    Parameters
    ----------
    model
        A model family, as for :func:`smc`.
    n_temperatures : int
        Intervals of the schedule (it has ``n_temperatures + 1`` betas, from 0 to 1).
    n_pilot : int
        Particles of the pilot run.
    transition, n_sweeps, **options
        As for :func:`smc` and the AIS run that will use the schedule.
    target_ess : float
        The pilot's conditional-ESS target per step, in (0, 1).
    return_info : bool
        Also return the pilot's cost: a dict with ``pilot_temperatures``,
        ``pilot_particles``, ``pilot_sweeps`` (transitions over all particles),
        ``pilot_seconds`` and the pilot's ``betas``.
    rng : int, SeedSequence, Generator or None
        Seed of the pilot.

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, dict)
        The betas, from 0 to 1, non-decreasing.

    Examples
    --------
    >>> import partition as pt
    >>> rbm = pt.BernoulliRBM.random(12, 6, weight_scale=0.5, rng=0)
    >>> betas = pt.adaptive_schedule(rbm, 200, rng=0)
    >>> len(betas), float(betas[0]), float(betas[-1])
    (201, 0.0, 1.0)
    """
    n_temperatures = check_int(n_temperatures, "n_temperatures", minimum=1, maximum=10**7)
    n_pilot = check_int(n_pilot, "n_pilot", minimum=2, maximum=MAX_CHAINS)
    if not isinstance(return_info, bool):
        raise TypeError(f"return_info must be True or False, got {return_info!r}")
    pilot = smc(
        model, n_particles=n_pilot, transition=transition, n_sweeps=n_sweeps,
        target_ess=target_ess, rng=rng, **options,
    )  # fmt: skip
    pilot_betas = np.asarray(pilot.info["betas"], dtype=np.float64)
    step_lengths = np.sqrt(-np.log(np.clip(pilot.info["cess"], 1e-300, 1.0)))
    length = np.concatenate([[0.0], np.cumsum(step_lengths)])
    if length[-1] > 0.0:
        betas = np.interp(np.linspace(0.0, length[-1], n_temperatures + 1), length, pilot_betas)
    else:  # the base is the model: any schedule is exact
        betas = np.linspace(0.0, 1.0, n_temperatures + 1)
    betas[0], betas[-1] = 0.0, 1.0
    betas = np.maximum.accumulate(betas)
    if not return_info:
        return betas
    return betas, {
        "pilot_temperatures": int(pilot.info["n_temperatures"]),
        "pilot_particles": n_pilot,
        "pilot_sweeps": int(pilot.info.get("n_steps", 0)),
        "pilot_seconds": float(pilot.info["seconds"]),
        "pilot_betas": pilot_betas,
    }


SCHEDULE_CHOOSERS["adaptive"] = adaptive_schedule

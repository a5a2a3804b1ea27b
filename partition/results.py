"""Result types and the log-space summaries they are built from.

Every estimate of log Z is a :class:`LogZEstimate`; a pair of stochastic bounds is a
:class:`LogZBounds`; a mean log-likelihood of data is a :class:`LogLikelihoodEstimate`.
Point estimates, standard errors and intervals are computed in log space.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
from scipy.special import logsumexp, ndtri

from partition._validation import as_real_array, check_probability, check_real

__all__ = [
    "ConfidenceInterval",
    "LogLikelihoodEstimate",
    "LogZBounds",
    "LogZEstimate",
    "Trust",
    "TrustCheck",
    "UnreliableEstimateWarning",
    "kish_ess",
    "log_mean_exp",
    "log_mean_exp_stderr",
    "stderr_of_mean",
]

#: An estimate from importance weights is flagged when its Kish effective sample size is
#: below this fraction of the number of weights: a few chains then carry the estimate, the
#: delta-method standard error is itself unreliable and, for forward AIS, the estimate is
#: usually far below the truth (a 200x20 RBM with biases of 500 at the default schedule gave
#: ESS 2.8 of 100 and an error of -14.8 nats, z = -25).
ESS_FRACTION_THRESHOLD = 0.1


class UnreliableEstimateWarning(UserWarning):
    """An estimate's own trust checks say that its error bar cannot be trusted.

    Issued whenever the estimate's :class:`Trust` verdict is ``"unreliable"``; the message
    names each failed check (the Kish ESS of the weights below ``ESS_FRACTION_THRESHOLD``,
    10%, of their number or below 10; a Pareto ``k`` of the largest weights above 0.7; for
    SMC, too few surviving ancestors, ...) and what to do: more temperatures (a longer
    schedule), more sweeps per temperature, more chains or a better base model, and a check
    with :func:`partition.bdmc`.
    """


@dataclass(frozen=True)
class TrustCheck:
    """One check of an estimate: its ``value``, the ``threshold`` it is held to, whether it
    ``passed``, and the ``message`` (what failed and what to do) it gives when not.

    Examples
    --------
    >>> from partition.results import TrustCheck
    >>> TrustCheck("ess", 80.0, 10.0, True, "the ESS is low").passed
    True
    """

    name: str
    value: float
    threshold: float
    passed: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        value, threshold = float(self.value), float(self.threshold)
        return {
            "name": self.name,
            "value": value if math.isfinite(value) else None,
            "threshold": threshold if math.isfinite(threshold) else None,
            "passed": bool(self.passed),
        }


@dataclass(frozen=True)
class Trust:
    """The trust checks that ran on an estimate, and their verdict.

    ``verdict`` is ``"trusted"`` when every check passed, ``"unreliable"`` when any failed
    (the estimator then warned with an :class:`UnreliableEstimateWarning`), and ``"not
    assessed"`` when none ran (exact values, or estimates built by hand).

    Examples
    --------
    >>> import numpy as np, warnings, partition as pt
    >>> est = pt.LogZEstimate.from_log_weights(np.zeros(100), method="demo")
    >>> est.trust.verdict, [check.name for check in est.trust.checks]
    ('trusted', ['ess', 'pareto_k'])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     poor = pt.LogZEstimate.from_log_weights(np.r_[30.0, np.zeros(99)], method="demo")
    >>> poor.trust.verdict, [check.name for check in poor.trust.failed]
    ('unreliable', ['ess', 'pareto_k'])
    """

    checks: tuple[TrustCheck, ...] = ()

    def __post_init__(self) -> None:
        checks = tuple(self.checks)
        if not all(isinstance(check, TrustCheck) for check in checks):
            raise TypeError("checks must be TrustCheck objects")
        object.__setattr__(self, "checks", checks)

    @property
    def failed(self) -> tuple[TrustCheck, ...]:
        return tuple(check for check in self.checks if not check.passed)

    @property
    def verdict(self) -> str:
        if not self.checks:
            return "not assessed"
        return "unreliable" if self.failed else "trusted"

    def __str__(self) -> str:
        lines = [f"trust: {self.verdict}"]
        for check in self.checks:
            mark = "ok  " if check.passed else "FAIL"
            lines.append(f"  {mark} {check.name:<10} {check.value:.4g} (threshold "
                         f"{check.threshold:.4g})")  # fmt: skip
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "checks": [check.to_dict() for check in self.checks]}


class ConfidenceInterval(NamedTuple):
    """A two-sided interval ``(low, high)``; unpacks like a tuple."""

    low: float
    high: float


def _normal_quantile(confidence_level: float) -> float:
    return float(ndtri(0.5 + 0.5 * confidence_level))


def _as_log_weights(log_weights) -> np.ndarray:
    lw = as_real_array(log_weights, "log_weights", finite=False)  # refuses complex, strings
    if lw.ndim != 1 or lw.size == 0:
        raise ValueError(f"log_weights must be a non-empty 1-D array, got shape {lw.shape}")
    if np.any(lw == np.inf):
        raise ValueError("log_weights must not contain NaN or +inf")
    if np.all(lw == -np.inf):
        raise ValueError("log_weights are all -inf: every weight is zero")
    return lw


def log_mean_exp(log_weights) -> float:
    """``log(mean(exp(log_weights)))`` without overflow.

    Examples
    --------
    >>> from partition.results import log_mean_exp
    >>> round(log_mean_exp([1000.0, 1000.0]), 12)
    1000.0
    """
    lw = _as_log_weights(log_weights)
    return float(logsumexp(lw) - math.log(lw.size))


def kish_ess(log_weights) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` of importance weights.

    Examples
    --------
    >>> from partition.results import kish_ess
    >>> kish_ess([0.0, 0.0, 0.0, 0.0])
    4.0
    """
    lw = _as_log_weights(log_weights)
    return float(math.exp(2.0 * logsumexp(lw) - logsumexp(2.0 * lw)))


def log_mean_exp_stderr(log_weights) -> float:
    """Delta-method standard error of ``log_mean_exp(log_weights)``.

    ``sd(w / mean(w)) / sqrt(n)``, the standard error of the mean of the weights relative to
    that mean, computed from ``w_i / mean(w) = exp(log_w_i - log_mean_exp)``.

    Examples
    --------
    >>> from partition.results import log_mean_exp_stderr
    >>> log_mean_exp_stderr([0.0, 0.0, 0.0])
    0.0
    """
    lw = _as_log_weights(log_weights)
    if lw.size < 2:
        raise ValueError("a standard error needs at least 2 log weights")
    ratios = np.exp(lw - (logsumexp(lw) - math.log(lw.size)))
    return float(np.std(ratios, ddof=1) / math.sqrt(lw.size))


def stderr_of_mean(values) -> float:
    """``sd(values) / sqrt(n)`` (``nan`` for a single value): the spread of a mean over examples.

    Examples
    --------
    >>> from partition.results import stderr_of_mean
    >>> round(stderr_of_mean([1.0, 2.0, 3.0]), 6)
    0.57735
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.size < 2:
        return float("nan")
    scale = float(np.max(np.abs(arr)))
    if scale > 1e150:  # squares would overflow: take the spread of the scaled values
        return float((arr / scale).std(ddof=1) * scale / math.sqrt(arr.size))
    return float(arr.std(ddof=1) / math.sqrt(arr.size))


def _finite(value, name: str, *, minimum: float | None = None) -> float:
    """A finite real number (at least ``minimum``), for the result constructors."""
    value = check_real(value, name)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be finite and >= {minimum}, got {value}")
    return value


def _interval(interval, centre: float, name: str) -> ConfidenceInterval:
    """A finite ``(low, high)`` with ``low <= centre <= high``."""
    try:
        low, high = interval
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"confidence_interval must be a pair (low, high), got {interval!r}"
        ) from exc
    low = _finite(low, "confidence_interval low")
    high = _finite(high, "confidence_interval high")
    slack = 1e-9 * max(1.0, abs(centre))  # the centre and the ends are rounded apart
    if not low - slack <= centre <= high + slack:
        raise ValueError(f"confidence_interval ({low}, {high}) must contain {name} = {centre}")
    return ConfidenceInterval(low, high)


def _level(value) -> float:
    """A confidence level in (0, 1] (1 for exact values)."""
    level = _finite(value, "confidence_level")
    if not 0.0 < level <= 1.0:
        raise ValueError(f"confidence_level must lie in (0, 1], got {level}")
    return level


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _frozen_mapping(info: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(info or {}))


def _rebuild(cls, fields: dict[str, Any]):
    """Unpickle a result through its constructor (which freezes it again)."""
    return cls(**fields)


class _Picklable:
    """Results pickle (to and from worker processes) although ``info`` is a read-only
    mapping proxy, which pickle refuses: they travel as their fields, ``info`` as a dict."""

    def __reduce__(self):
        fields = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            fields[f.name] = dict(value) if isinstance(value, MappingProxyType) else value
        return (_rebuild, (type(self), fields))


def _readonly(values) -> np.ndarray | None:
    if values is None:
        return None
    arr = np.array(values, dtype=np.float64, copy=True)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, repr=False, eq=False)
class LogZEstimate(_Picklable):
    """An estimate of log Z with its uncertainty.

    Attributes
    ----------
    log_z : float
        The point estimate of log Z.
    stderr : float
        Its standard error (0 for exact values).
    confidence_interval : ConfidenceInterval
        ``log_z -+ z * stderr`` at ``confidence_level``.
    confidence_level : float
        Nominal coverage of the interval, 0.95 by default.
    method : str
        ``"exact"``, ``"ais"``, ...
    n_samples : int
        Number of independent weights (chains) behind the estimate; 0 for exact values.
    ess : float
        Kish effective sample size of the weights (``nan`` for exact values).
    log_weights : numpy.ndarray or None
        Read-only log importance weights, one per chain.
    info : Mapping
        Read-only details: schedule, timings, seed entropy, acceptance rates, ...
    trust : Trust
        The checks that ran on the estimate and their verdict (an
        :class:`UnreliableEstimateWarning` came with any ``"unreliable"`` one).

    Examples
    --------
    >>> from partition.results import LogZEstimate
    >>> est = LogZEstimate.from_log_weights([0.0, 0.1, -0.1, 0.05], method="demo")
    >>> round(est.log_z, 6), est.n_samples
    (0.015204, 4)
    >>> low, high = est.confidence_interval
    >>> low < est.log_z < high
    True
    """

    log_z: float
    stderr: float
    confidence_interval: ConfidenceInterval
    confidence_level: float
    method: str
    n_samples: int
    ess: float
    log_weights: np.ndarray | None = None
    info: Mapping[str, Any] = field(default_factory=dict)
    trust: Trust = field(default_factory=Trust)

    def __post_init__(self) -> None:
        log_z = _finite(self.log_z, "log_z")
        object.__setattr__(self, "log_z", log_z)
        object.__setattr__(self, "stderr", _finite(self.stderr, "stderr", minimum=0.0))
        object.__setattr__(
            self, "confidence_interval", _interval(self.confidence_interval, log_z, "log_z")
        )
        object.__setattr__(self, "confidence_level", _level(self.confidence_level))
        object.__setattr__(self, "n_samples", _count(self.n_samples, "n_samples"))
        ess = float(self.ess)
        if not (math.isnan(ess) or 0.0 <= ess < math.inf):
            raise ValueError(f"ess must be >= 0 and finite (or nan), got {self.ess!r}")
        object.__setattr__(self, "ess", ess)
        if not isinstance(self.method, str):
            raise TypeError(f"method must be a string, got {type(self.method).__name__}")
        object.__setattr__(self, "log_weights", _readonly(self.log_weights))
        object.__setattr__(self, "info", _frozen_mapping(self.info))
        if not isinstance(self.trust, Trust):
            raise TypeError(f"trust must be a Trust, got {type(self.trust).__name__}")

    @classmethod
    def exact(cls, log_z: float, *, method: str = "exact", info=None) -> LogZEstimate:
        """An exact value: stderr 0 and a degenerate interval."""
        return cls(
            log_z=float(log_z),
            stderr=0.0,
            confidence_interval=ConfidenceInterval(float(log_z), float(log_z)),
            confidence_level=1.0,
            method=method,
            n_samples=0,
            ess=float("nan"),
            log_weights=None,
            info=info,
        )

    @classmethod
    def normal(
        cls,
        log_z: float,
        stderr: float,
        *,
        method: str,
        confidence_level: float = 0.95,
        n_samples: int = 0,
        ess: float = float("nan"),
        log_weights=None,
        info=None,
        trust: Trust | None = None,
    ) -> LogZEstimate:
        """An estimate with the symmetric interval ``log_z -+ z * stderr``."""
        level = check_probability(confidence_level, "confidence_level")
        half = _normal_quantile(level) * stderr
        return cls(
            log_z=log_z,
            stderr=stderr,
            confidence_interval=ConfidenceInterval(log_z - half, log_z + half),
            confidence_level=level,
            method=method,
            n_samples=n_samples,
            ess=ess,
            log_weights=log_weights,
            info=info,
            trust=Trust() if trust is None else trust,
        )

    @classmethod
    def from_log_weights(
        cls,
        log_weights,
        *,
        method: str,
        log_offset: float = 0.0,
        confidence_level: float = 0.95,
        info=None,
        checks=(),
    ) -> LogZEstimate:
        """Summarise importance weights: ``log_z = log_offset + log mean exp(log_weights)``.

        The standard error is the delta-method one
        (:func:`~partition.results.log_mean_exp_stderr`), the interval
        ``log_z -+ z * stderr``, the ESS Kish's. The weights' trust checks (Kish ESS, Pareto
        ``k``), with ``checks`` (more :class:`TrustCheck` objects from the estimator), make
        its :class:`Trust`; an :class:`UnreliableEstimateWarning` names any that failed.
        """
        from partition._trust import assess, weight_checks

        lw = _as_log_weights(log_weights)
        ess = kish_ess(lw)
        trust = assess([*weight_checks(lw, ess), *checks], method, stacklevel=3)
        return cls.normal(
            float(log_offset) + log_mean_exp(lw),
            log_mean_exp_stderr(lw),
            method=method,
            confidence_level=confidence_level,
            n_samples=int(lw.size),
            ess=ess,
            log_weights=lw,
            info=info,
            trust=trust,
        )

    def __repr__(self) -> str:
        if self.stderr == 0.0 and self.method == "exact":
            return f"LogZEstimate(log_z={self.log_z:.10g}, method='exact')"
        low, high = self.confidence_interval
        return (
            f"LogZEstimate(log_z={self.log_z:.6f} +- {self.stderr:.2g}, "
            f"{self.confidence_level:.0%} CI [{low:.6f}, {high:.6f}], method={self.method!r}, "
            f"n_samples={self.n_samples}, ess={self.ess:.1f})"
        )

    def summary(self) -> str:
        """A readable account of the estimate; for bridge sampling, R's error measures too.

        Examples
        --------
        >>> from partition.results import LogZEstimate
        >>> print(LogZEstimate.normal(-3.25, 0.0125, method="demo", n_samples=400).summary())
        demo estimate of log Z: -3.250000
          standard error 0.0125, 95% interval [-3.274500, -3.225500]
          400 samples
        """
        lines = [f"{self.method} estimate of log Z: {self.log_z:.6f}"]
        if self.stderr == 0.0 and self.n_samples == 0:
            lines.append("  exact: no sampling error")
        else:
            low, high = self.confidence_interval
            lines.append(
                f"  standard error {self.stderr:.3g}, {self.confidence_level:.0%} interval "
                f"[{low:.6f}, {high:.6f}]"
            )
            ess = "" if math.isnan(self.ess) else f", effective sample size {self.ess:.1f}"
            lines.append(f"  {self.n_samples} samples{ess}")
        info = self.info
        if "re2" in info:  # bridge sampling: R's error_measures and the scheme's convergence
            repeats = info.get("log_z_repetitions")
            if repeats is not None and len(repeats) > 1:
                lines.append(f"  the median of {len(repeats)} repetitions")
            converged = "converged" if info.get("converged", True) else "converged only"
            lines += [
                f"  iterative scheme: {info.get('iterations')} iterations, {converged} at "
                f"tol {info.get('tolerance', float('nan')):g}",
                "Error measures (R's error_measures):",
                f"  relative mean-squared error {info['re2']:.3g}",
                f"  coefficient of variation {info['cv']:.3g}",
                f"  percentage error {info['percentage_error']:.2g}%",
            ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no log weights)."""
        return {
            "log_z": self.log_z,
            "stderr": self.stderr,
            "confidence_interval": list(self.confidence_interval),
            "confidence_level": self.confidence_level,
            "method": self.method,
            "n_samples": self.n_samples,
            "ess": None if math.isnan(self.ess) else self.ess,
            "trust": self.trust.to_dict(),
            "info": {k: v for k, v in self.info.items() if _json_scalar(v)},
        }


def _json_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


@dataclass(frozen=True, repr=False, eq=False)
class LogZBounds:
    """Stochastic lower and upper bounds on log Z (e.g. forward and reverse AIS).

    ``combined`` optionally holds an estimate that uses both sides (e.g. Bennett's
    acceptance ratio); ``trust`` the checks of both sides and of the pair.
    """

    lower: LogZEstimate
    upper: LogZEstimate
    combined: LogZEstimate | None = None
    trust: Trust = field(default_factory=Trust)

    def __post_init__(self) -> None:
        for name in ("lower", "upper", "combined"):
            value = getattr(self, name)
            if not isinstance(value, LogZEstimate) and not (name == "combined" and value is None):
                raise TypeError(f"{name} must be a LogZEstimate, got {type(value).__name__}")
        if not isinstance(self.trust, Trust):
            raise TypeError(f"trust must be a Trust, got {type(self.trust).__name__}")

    @property
    def gap(self) -> float:
        """``upper.log_z - lower.log_z``: bounds the error of either side on average."""
        return self.upper.log_z - self.lower.log_z

    @property
    def upper_is_bound(self) -> bool:
        """False when the reverse chains started from approximate (MCMC) samples: then
        ``upper`` is an estimate, not a stochastic upper bound, and ``gap`` bounds nothing."""
        return bool(self.upper.info.get("exact_samples", True))

    def __repr__(self) -> str:
        note = "" if self.upper_is_bound else ", upper is NOT a bound (approximate samples)"
        return (
            f"LogZBounds(lower={self.lower.log_z:.6f}, upper={self.upper.log_z:.6f}, "
            f"gap={self.gap:.3g}{note})"
        )


@dataclass(frozen=True, repr=False, eq=False)
class LogLikelihoodEstimate(_Picklable):
    """Mean log-likelihood of data under a model whose log Z is estimated.

    Attributes
    ----------
    mean : float
        ``mean_n log p(v_n) = mean_n(-F(v_n)) - log Z``, in nats per example.
    confidence_interval : ConfidenceInterval
        Carried over from the interval of log Z: ``(mean_unnorm - log_z_high,
        mean_unnorm - log_z_low)``. It describes the uncertainty about log Z only.
    confidence_level : float
        The level of that interval.
    stderr : float
        Standard error from log Z (equal to the log Z stderr).
    stderr_data : float
        Standard error of the mean over the examples (their spread / sqrt(n)): how much the
        figure would move with another test set of the same size.
    log_z : LogZEstimate or None
        The estimate of log Z that was used (None for estimators that need none, RAISE).
    per_example : numpy.ndarray
        Read-only log-likelihood of each example.
    method : str
        How the figure was obtained: the log Z method, or ``"raise"``.
    info : Mapping
        Read-only details.
    """

    mean: float
    confidence_interval: ConfidenceInterval
    confidence_level: float
    stderr: float
    stderr_data: float
    log_z: LogZEstimate | None
    per_example: np.ndarray
    method: str = ""
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        mean = _finite(self.mean, "mean")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(
            self, "confidence_interval", _interval(self.confidence_interval, mean, "mean")
        )
        object.__setattr__(self, "confidence_level", _level(self.confidence_level))
        object.__setattr__(self, "stderr", _finite(self.stderr, "stderr", minimum=0.0))
        stderr_data = float(self.stderr_data)
        if not (math.isnan(stderr_data) or 0.0 <= stderr_data < math.inf):
            raise ValueError(f"stderr_data must be >= 0 and finite (or nan), got {stderr_data}")
        object.__setattr__(self, "stderr_data", stderr_data)
        if self.log_z is not None and not isinstance(self.log_z, LogZEstimate):
            raise TypeError(
                f"log_z must be a LogZEstimate or None, got {type(self.log_z).__name__}"
            )
        object.__setattr__(self, "per_example", _readonly(self.per_example))
        object.__setattr__(self, "info", _frozen_mapping(self.info))
        if not self.method:
            object.__setattr__(self, "method", self.log_z.method if self.log_z else "")

    @property
    def n_examples(self) -> int:
        return int(self.per_example.size)

    @property
    def trust(self) -> Trust:
        """The trust checks of the log Z estimate behind the figure (none for RAISE)."""
        return self.log_z.trust if self.log_z is not None else Trust()

    def __repr__(self) -> str:
        low, high = self.confidence_interval
        # an exact log Z leaves no interval to print (it would read "100% CI [x, x]")
        interval = (
            "exact log Z" if low == high else
            f"{self.confidence_level:.0%} CI [{low:.6f}, {high:.6f}] ({self.method})"
        )  # fmt: skip
        return (
            f"LogLikelihoodEstimate(mean={self.mean:.6f}, {interval}, "
            f"stderr_data={self.stderr_data:.3g}, n_examples={self.n_examples})"
        )

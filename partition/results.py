"""Result types and the log-space summaries they are built from.

Every estimate of log Z is a :class:`LogZEstimate`; a pair of stochastic bounds is a
:class:`LogZBounds`; a mean log-likelihood of data is a :class:`LogLikelihoodEstimate`.
Point estimates, standard errors and intervals are computed in log space.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
from scipy.special import logsumexp, ndtri

from partition._validation import check_probability


class ConfidenceInterval(NamedTuple):
    """A two-sided interval ``(low, high)``; unpacks like a tuple."""

    low: float
    high: float


def _normal_quantile(confidence_level: float) -> float:
    return float(ndtri(0.5 + 0.5 * confidence_level))


def _as_log_weights(log_weights) -> np.ndarray:
    lw = np.asarray(log_weights, dtype=np.float64)
    if lw.ndim != 1 or lw.size == 0:
        raise ValueError(f"log_weights must be a non-empty 1-D array, got shape {lw.shape}")
    if np.any(np.isnan(lw)) or np.any(lw == np.inf):
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
    return float(arr.std(ddof=1) / math.sqrt(arr.size)) if arr.size > 1 else float("nan")


def _frozen_mapping(info: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(info or {}))


def _readonly(values) -> np.ndarray | None:
    if values is None:
        return None
    arr = np.array(values, dtype=np.float64, copy=True)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, repr=False, eq=False)
class LogZEstimate:
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

    def __post_init__(self) -> None:
        if not np.isfinite(self.log_z):
            raise ValueError(f"log_z must be finite, got {self.log_z}")
        if not (self.stderr >= 0):
            raise ValueError(f"stderr must be >= 0, got {self.stderr}")
        object.__setattr__(self, "log_z", float(self.log_z))
        object.__setattr__(self, "stderr", float(self.stderr))
        object.__setattr__(
            self, "confidence_interval", ConfidenceInterval(*map(float, self.confidence_interval))
        )
        object.__setattr__(self, "log_weights", _readonly(self.log_weights))
        object.__setattr__(self, "info", _frozen_mapping(self.info))

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
    ) -> LogZEstimate:
        """Summarise importance weights: ``log_z = log_offset + log mean exp(log_weights)``.

        The standard error is the delta-method one (:func:`log_mean_exp_stderr`), the
        interval ``log_z -+ z * stderr``, the ESS Kish's.
        """
        lw = _as_log_weights(log_weights)
        return cls.normal(
            float(log_offset) + log_mean_exp(lw),
            log_mean_exp_stderr(lw),
            method=method,
            confidence_level=confidence_level,
            n_samples=int(lw.size),
            ess=kish_ess(lw),
            log_weights=lw,
            info=info,
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
            "info": {k: v for k, v in self.info.items() if _json_scalar(v)},
        }


def _json_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


@dataclass(frozen=True, repr=False, eq=False)
class LogZBounds:
    """Stochastic lower and upper bounds on log Z (e.g. forward and reverse AIS).

    ``combined`` optionally holds an estimate that uses both sides (e.g. Bennett's
    acceptance ratio).
    """

    lower: LogZEstimate
    upper: LogZEstimate
    combined: LogZEstimate | None = None

    @property
    def gap(self) -> float:
        """``upper.log_z - lower.log_z``: bounds the error of either side on average."""
        return self.upper.log_z - self.lower.log_z

    def __repr__(self) -> str:
        return (
            f"LogZBounds(lower={self.lower.log_z:.6f}, upper={self.upper.log_z:.6f}, "
            f"gap={self.gap:.3g})"
        )


@dataclass(frozen=True, repr=False, eq=False)
class LogLikelihoodEstimate:
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
        object.__setattr__(self, "per_example", _readonly(self.per_example))
        object.__setattr__(self, "info", _frozen_mapping(self.info))
        if not self.method:
            object.__setattr__(self, "method", self.log_z.method if self.log_z else "")

    @property
    def n_examples(self) -> int:
        return int(self.per_example.size)

    def __repr__(self) -> str:
        low, high = self.confidence_interval
        return (
            f"LogLikelihoodEstimate(mean={self.mean:.6f}, {self.confidence_level:.0%} CI "
            f"[{low:.6f}, {high:.6f}] ({self.method}), "
            f"stderr_data={self.stderr_data:.3g}, n_examples={self.n_examples})"
        )

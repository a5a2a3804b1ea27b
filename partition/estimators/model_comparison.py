"""Bayes factors and posterior model probabilities from estimates of log marginal likelihoods.

The counterparts of R bridgesampling's ``bf`` and ``post_prob``. The error of each estimate
(its ``stderr``, in log space) is carried over by the delta method; independent estimates are
assumed (separate posterior runs).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp, ndtri

from partition._validation import as_real_array, check_probability, check_real
from partition.results import ConfidenceInterval, LogZEstimate


def _log_ml(value, name: str) -> tuple[float, float]:
    """``(log marginal likelihood, stderr)`` of a LogZEstimate, or of a float (stderr 0)."""
    if isinstance(value, LogZEstimate):
        return value.log_z, value.stderr
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a LogZEstimate or a float, got {type(value).__name__}")
    return check_real(value, name), 0.0


@dataclass(frozen=True)
class BayesFactor:
    """``log BF_10 = log ml_1 - log ml_0`` with its standard error and interval.

    Attributes
    ----------
    log_bayes_factor, stderr : float
        In nats; ``stderr = sqrt(stderr_1^2 + stderr_0^2)``.
    confidence_interval : ConfidenceInterval
        ``log_bayes_factor -+ z * stderr``.
    confidence_level : float
    """

    log_bayes_factor: float
    stderr: float
    confidence_interval: ConfidenceInterval
    confidence_level: float

    @property
    def bayes_factor(self) -> float:
        """``BF_10 = exp(log_bayes_factor)`` (inf beyond the float range)."""
        return math.exp(self.log_bayes_factor) if self.log_bayes_factor < 709.0 else math.inf

    def __repr__(self) -> str:
        low, high = self.confidence_interval
        spread = (
            "exact" if self.stderr == 0.0 else
            f"+- {self.stderr:.2g}, {self.confidence_level:.0%} CI [{low:.4f}, {high:.4f}]"
        )  # fmt: skip
        return (
            f"BayesFactor(log BF_10 = {self.log_bayes_factor:.4f} {spread}; "
            f"BF_10 = {self.bayes_factor:.4g})"
        )


def bayes_factor(estimate_1, estimate_0, *, confidence_level: float = 0.95) -> BayesFactor:
    """The Bayes factor of model 1 against model 0 from their log marginal likelihoods.

    Parameters
    ----------
    estimate_1, estimate_0 : LogZEstimate or float
        Log marginal likelihoods (e.g. from :func:`partition.bridge_sampling`); a float is
        taken as exact.
    confidence_level : float
        Level of the interval on ``log BF``.

    Returns
    -------
    BayesFactor

    Examples
    --------
    >>> import partition as pt
    >>> a = pt.LogZEstimate.normal(-10.0, 0.03, method="bridge_sampling")
    >>> b = pt.LogZEstimate.normal(-12.0, 0.04, method="bridge_sampling")
    >>> bf = pt.bayes_factor(a, b)
    >>> round(bf.log_bayes_factor, 6), round(bf.stderr, 6)
    (2.0, 0.05)
    """
    l1, s1 = _log_ml(estimate_1, "estimate_1")
    l0, s0 = _log_ml(estimate_0, "estimate_0")
    level = check_probability(confidence_level, "confidence_level")
    log_bf = l1 - l0
    stderr = math.hypot(s1, s0)
    half = float(ndtri(0.5 + 0.5 * level)) * stderr
    return BayesFactor(log_bf, stderr, ConfidenceInterval(log_bf - half, log_bf + half), level)


@dataclass(frozen=True)
class ModelProbabilities:
    """Posterior probabilities of models, with delta-method standard errors.

    Attributes
    ----------
    probabilities, stderr, prior : numpy.ndarray
        One entry per model, in the order given.
    names : tuple of str
    """

    probabilities: np.ndarray
    stderr: np.ndarray
    prior: np.ndarray
    names: tuple[str, ...]

    def __repr__(self) -> str:
        rows = [f"{'model':<12} {'prior':>8} {'posterior':>10} {'stderr':>9}"]
        for name, q, p, s in zip(
            self.names, self.prior, self.probabilities, self.stderr, strict=True
        ):
            rows.append(f"{name:<12} {q:8.4f} {p:10.6f} {s:9.2g}")
        return "ModelProbabilities(\n  " + "\n  ".join(rows) + "\n)"


def posterior_model_probabilities(
    estimates: Sequence, *, prior=None, names: Sequence[str] | None = None
) -> ModelProbabilities:
    """Posterior model probabilities ``p_i ∝ prior_i ml_i`` from log marginal likelihoods.

    Parameters
    ----------
    estimates : sequence of LogZEstimate or float
        Log marginal likelihoods of two or more models.
    prior : array_like, optional
        Prior model probabilities (positive; normalised here). Default: uniform.
    names : sequence of str, optional
        Model names for the summary (default ``model 1``, ``model 2``, ...).

    Returns
    -------
    ModelProbabilities
        ``stderr_i`` from ``d p_i / d log ml_j = p_i (delta_ij - p_j)`` and each estimate's
        standard error.

    Examples
    --------
    >>> import math, partition as pt
    >>> post = pt.posterior_model_probabilities([0.0, math.log(3.0)])
    >>> post.probabilities.round(6).tolist()
    [0.25, 0.75]
    """
    pairs = [_log_ml(e, f"estimates[{i}]") for i, e in enumerate(estimates)]
    if len(pairs) < 2:
        raise ValueError(f"estimates must hold at least 2 models, got {len(pairs)}")
    log_ml = np.array([p[0] for p in pairs])
    se = np.array([p[1] for p in pairs])
    k = log_ml.size
    if prior is None:
        prior_arr = np.full(k, 1.0 / k)
    else:
        prior_arr = as_real_array(prior, "prior", ndim=1)
        if prior_arr.shape != (k,) or np.any(prior_arr <= 0):
            raise ValueError(f"prior must hold {k} positive values, got {prior_arr.tolist()}")
        prior_arr = prior_arr / prior_arr.sum()
    if names is None:
        names = [f"model {i + 1}" for i in range(k)]
    names = tuple(str(n) for n in names)
    if len(names) != k:
        raise ValueError(f"names must hold {k} names, got {len(names)}")
    logits = log_ml + np.log(prior_arr)
    p = np.exp(logits - logsumexp(logits))
    jacobian = np.diag(p) - np.outer(p, p)
    stderr = np.sqrt((jacobian**2) @ se**2)
    return ModelProbabilities(p, stderr, prior_arr, names)

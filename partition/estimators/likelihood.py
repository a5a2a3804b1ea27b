"""Log-likelihood of data under a model, given an estimate of its log Z."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from partition._validation import model_states
from partition.results import (
    ConfidenceInterval,
    LogLikelihoodEstimate,
    LogZEstimate,
    stderr_of_mean,
)


def log_likelihood(model: Any, data, log_z: LogZEstimate | float) -> LogLikelihoodEstimate:
    """Mean log-likelihood of ``data`` under ``model``, ``mean_n log p*(v_n) - log Z``.

    Parameters
    ----------
    model
        A model with ``log_unnormalized_prob`` (e.g. :class:`~partition.BernoulliRBM`).
    data : array_like, shape (n, n_visible)
        Binary examples.
    log_z : LogZEstimate or float
        An estimate of the model's log Z (a float is taken as exact).

    Returns
    -------
    LogLikelihoodEstimate
        ``mean`` in nats per example; the interval carried over from the interval of log Z
        (the log-likelihood is decreasing in log Z, so the ends swap); ``stderr_data``, the
        spread of the examples over ``sqrt(n)`` (``nan`` for a single example).

    Examples
    --------
    >>> import numpy as np, partition as pt
    >>> rbm = pt.BernoulliRBM(np.zeros((4, 2)), np.zeros(4), np.zeros(2))
    >>> data = np.eye(4)
    >>> ll = pt.log_likelihood(rbm, data, pt.exact_log_z(rbm))
    >>> bool(np.isclose(ll.mean, -4 * np.log(2)))
    True
    """
    if isinstance(log_z, LogZEstimate):
        estimate = log_z
    elif isinstance(log_z, numbers.Real) and not isinstance(log_z, bool):
        if not math.isfinite(log_z):
            raise ValueError(f"log_z must be finite, got {log_z}")
        estimate = LogZEstimate.exact(float(log_z), method="given")
    else:
        raise TypeError(f"log_z must be a LogZEstimate or a float, got {type(log_z).__name__}")
    data_arr = model_states(model, data, "data")
    unnormalized = np.asarray(model.log_unnormalized_prob(data_arr), dtype=np.float64)
    per_example = unnormalized - estimate.log_z
    mean = float(per_example.mean())
    mean_unnormalized = float(unnormalized.mean())
    low, high = estimate.confidence_interval
    stderr_data = stderr_of_mean(per_example)
    return LogLikelihoodEstimate(
        mean=mean,
        confidence_interval=ConfidenceInterval(mean_unnormalized - high, mean_unnormalized - low),
        confidence_level=estimate.confidence_level,
        stderr=estimate.stderr,
        stderr_data=stderr_data,
        log_z=estimate,
        per_example=per_example,
    )

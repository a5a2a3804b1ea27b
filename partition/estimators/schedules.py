"""Annealing schedules: inverse temperatures ``betas`` ascending from 0 to 1.

A schedule with ``K`` intervals has ``K + 1`` points ``0 = beta_0 <= ... <= beta_K = 1``.
"""

from __future__ import annotations

import numbers

import numpy as np

from partition._validation import as_real_array, check_int, check_positive_float

#: Names accepted by :func:`make_schedule`.
SCHEDULES = ("salakhutdinov_murray", "linear", "geometric", "sigmoid")


def linear(n_steps: int) -> np.ndarray:
    """``n_steps`` equal intervals from 0 to 1.

    Examples
    --------
    >>> from partition.estimators.schedules import linear
    >>> linear(4).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    return np.linspace(0.0, 1.0, n_steps + 1)


def geometric(n_steps: int, *, beta_min: float = 1e-4) -> np.ndarray:
    """0, then ``n_steps`` points spaced geometrically from ``beta_min`` to 1.

    Examples
    --------
    >>> from partition.estimators.schedules import geometric
    >>> geometric(3, beta_min=0.01).round(6).tolist()
    [0.0, 0.01, 0.1, 1.0]
    """
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    beta_min = check_positive_float(beta_min, "beta_min")
    if beta_min >= 1.0:
        raise ValueError(f"beta_min must be < 1, got {beta_min}")
    out = np.concatenate([[0.0], np.geomspace(beta_min, 1.0, n_steps)])
    out[-1] = 1.0
    return out


def sigmoid(n_steps: int, *, delta: float = 4.0) -> np.ndarray:
    """The sigmoid schedule of Grosse, Maddison & Salakhutdinov (2013).

    ``beta_k = (s_k - s_0) / (s_K - s_0)`` with ``s_k = sigmoid(delta * (2k/K - 1))``: dense
    at both ends, where the distributions change fastest.

    Examples
    --------
    >>> from partition.estimators.schedules import sigmoid
    >>> b = sigmoid(10)
    >>> float(b[0]), float(b[-1]), len(b)
    (0.0, 1.0, 11)
    """
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    delta = check_positive_float(delta, "delta")
    s = 1.0 / (1.0 + np.exp(-delta * np.linspace(-1.0, 1.0, n_steps + 1)))
    out = (s - s[0]) / (s[-1] - s[0])
    out[0], out[-1] = 0.0, 1.0
    return out


def salakhutdinov_murray(scale: float = 1.0) -> np.ndarray:
    """The schedule of Salakhutdinov & Murray (2008): 14,500 intervals.

    500 equal steps from 0 to 0.5, 4,000 from 0.5 to 0.9 and 10,000 from 0.9 to 1.0.
    ``scale`` multiplies each count (e.g. 0.1 for a quick run with 1,450 intervals).

    Examples
    --------
    >>> from partition.estimators.schedules import salakhutdinov_murray
    >>> b = salakhutdinov_murray()
    >>> len(b) - 1, float(b[500]), float(b[4500])
    (14500, 0.5, 0.9)
    """
    scale = check_positive_float(scale, "scale")
    counts = [max(1, round(c * scale)) for c in (500, 4000, 10000)]
    pieces = [
        np.linspace(lo, hi, c + 1)[:-1]
        for (lo, hi), c in zip(((0.0, 0.5), (0.5, 0.9), (0.9, 1.0)), counts, strict=True)
    ]
    return np.concatenate([*pieces, [1.0]])


def validate_schedule(betas, name: str = "schedule") -> np.ndarray:
    """Check an array of inverse temperatures: 1-D, finite, from 0 to 1, non-decreasing.

    Examples
    --------
    >>> from partition.estimators.schedules import validate_schedule
    >>> validate_schedule([0, 0.5, 1]).tolist()
    [0.0, 0.5, 1.0]
    """
    arr = as_real_array(betas, name)  # refuses complex, strings, NaN and inf
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"{name} must be a 1-D array of at least 2 betas, got shape {arr.shape}")
    if arr[0] != 0.0 or arr[-1] != 1.0:
        raise ValueError(f"{name} must start at 0 and end at 1, got {arr[0]} ... {arr[-1]}")
    steps = np.diff(arr)
    if np.any(steps < 0):
        k = int(np.argmax(steps < 0))
        raise ValueError(
            f"{name} must be non-decreasing; beta[{k + 1}]={arr[k + 1]} < beta[{k}]={arr[k]}"
        )
    return np.ascontiguousarray(arr)


#: Most intervals a schedule may have (the default has 14,500): more is a mistake, and would
#: fail with a MemoryError far from the call.
MAX_INTERVALS = 10**7


def make_schedule(schedule, name: str = "schedule") -> np.ndarray:
    """Resolve a schedule argument: a name from :data:`SCHEDULES`, an int (number of
    intervals of the sigmoid schedule), or an array of betas (validated).

    Examples
    --------
    >>> from partition.estimators.schedules import make_schedule
    >>> len(make_schedule("salakhutdinov_murray")), len(make_schedule(100))
    (14501, 101)
    """
    if isinstance(schedule, str) and schedule == "adaptive":
        raise ValueError(
            f"{name}='adaptive' is chosen from the model: pt.ais, pt.reverse_ais, pt.bdmc and "
            "pt.smc take it, or build one with pt.adaptive_schedule(model, n_temperatures)"
        )
    if isinstance(schedule, str):
        builders = {
            "salakhutdinov_murray": salakhutdinov_murray,
            "linear": lambda: linear(1000),
            "geometric": lambda: geometric(1000),
            "sigmoid": lambda: sigmoid(1000),
        }
        if schedule not in builders:
            raise ValueError(f"{name} must be one of {', '.join(SCHEDULES)}, got {schedule!r}")
        return builders[schedule]()
    if isinstance(schedule, numbers.Integral) and not isinstance(schedule, bool):
        n = check_int(schedule, name, minimum=1)
        if n > MAX_INTERVALS:
            raise ValueError(f"{name} must be at most {MAX_INTERVALS:,} intervals, got {n:,}")
        return sigmoid(n)
    return validate_schedule(schedule, name)

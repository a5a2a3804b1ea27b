"""MCMC and importance-weight diagnostics through arviz (the only module that imports it).

arviz is an optional extra (``pip install 'partition[diagnostics]'``) and is imported when a
function here is first called, so ``import partition`` never needs it.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = [
    "ess",
    "pareto_k",
    "rhat",
    "to_inference_data",
]

EXTRA_MESSAGE = (
    "partition.diagnostics needs arviz, an optional extra: pip install 'partition[diagnostics]'"
)


def _arviz():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # arviz's refactor notice
            import arviz
    except ImportError as exc:
        raise ImportError(EXTRA_MESSAGE) from exc
    if int(arviz.__version__.split(".")[0]) >= 1:  # 1.0 moved psislw and changed from_dict
        raise ImportError(
            f"partition.diagnostics needs arviz 0.x (found {arviz.__version__}, whose API "
            "changed): pip install 'partition[diagnostics]'"
        )
    return arviz


def _chains_first(traces, name: str = "traces") -> np.ndarray:
    arr = np.asarray(traces, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim < 2 or arr.shape[1] < 4:
        raise ValueError(f"{name} must be (n_chains, n_draws, ...) with at least 4 draws")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def _per_coordinate(az, function, arr, **kwargs):
    """Apply an arviz statistic to chains-first traces, one value per trailing coordinate."""
    if arr.ndim == 2:
        return float(np.asarray(function(arr, **kwargs)))
    dataset = az.convert_to_dataset(arr)  # variable "x", dims (chain, draw, x_dim_0, ...)
    return np.asarray(function(dataset, **kwargs)["x"].values)


def ess(traces, *, method: str = "bulk") -> np.ndarray | float:
    """Effective sample size of MCMC traces shaped ``(n_chains, n_draws, ...)`` (arviz).

    Returns one value per trailing coordinate (a float for scalar traces).

    Examples
    --------
    >>> import numpy as np
    >>> from partition import diagnostics
    >>> x = np.random.default_rng(0).normal(size=(4, 500))
    >>> 1500 < diagnostics.ess(x) < 2500
    True
    """
    az = _arviz()
    return _per_coordinate(az, az.ess, _chains_first(traces), method=method)


def rhat(traces) -> np.ndarray | float:
    """Rank-normalised split R-hat of traces ``(n_chains, n_draws, ...)`` (arviz).

    Examples
    --------
    >>> import numpy as np
    >>> from partition import diagnostics
    >>> x = np.random.default_rng(0).normal(size=(4, 500))
    >>> diagnostics.rhat(x) < 1.01
    True
    """
    az = _arviz()
    arr = _chains_first(traces)
    if arr.shape[0] < 2:
        raise ValueError("rhat needs at least 2 chains")
    return _per_coordinate(az, az.rhat, arr)


def pareto_k(log_weights) -> float:
    """Pareto-smoothed importance sampling shape ``k`` of log weights (arviz's ``psislw``).

    ``k < 0.5``: the weights have a finite variance and the estimate is reliable;
    ``0.5 <= k < 0.7``: usable with care; ``k >= 0.7``: the error bar cannot be trusted.
    Accepts an array or a :class:`~partition.LogZEstimate` with log weights. The fit is the
    one every estimate's ``pareto_k`` trust check uses (NumPy, equal to arviz's to
    rounding), so this function does not need arviz; ``inf`` for 20 weights or fewer.

    Examples
    --------
    >>> import numpy as np
    >>> from partition import diagnostics
    >>> diagnostics.pareto_k(np.random.default_rng(0).normal(0, 0.1, 1000)) < 0.5
    True
    """
    from partition._trust import pareto_k as fit

    lw = getattr(log_weights, "log_weights", log_weights)
    if lw is None:
        raise ValueError("this estimate carries no log weights (exact values have none)")
    lw = np.asarray(lw, dtype=np.float64)
    if lw.ndim != 1 or lw.size < 5 or not np.all(np.isfinite(lw)):
        raise ValueError("log_weights must be a finite 1-D array of at least 5 values")
    return float(fit(lw))


def to_inference_data(result: Any, *, name: str = "x"):
    """An arviz ``InferenceData`` from something that carries chains.

    - an array ``(n_chains, n_draws, ...)`` or a dict of such arrays: the posterior group;
    - a :class:`~partition.LogZEstimate` with log weights: one chain of ``log_weight`` in
      ``sample_stats``, so arviz's tools apply to the weights;
    - a :class:`~partition.FitResult`: its history as one chain in ``sample_stats``.

    Examples
    --------
    >>> import numpy as np
    >>> from partition import diagnostics
    >>> idata = diagnostics.to_inference_data(np.zeros((2, 10, 3)), name="theta")
    >>> idata.posterior["theta"].shape
    (2, 10, 3)
    """
    az = _arviz()
    if isinstance(result, dict):
        return az.from_dict(posterior={k: np.asarray(v) for k, v in result.items()})
    if hasattr(result, "log_weights") and hasattr(result, "log_z"):
        if result.log_weights is None:
            raise ValueError("this estimate carries no log weights (exact values have none)")
        return az.from_dict(sample_stats={"log_weight": np.asarray(result.log_weights)[None, :]})
    if hasattr(result, "history") and hasattr(result, "model"):
        stats = {
            k: np.asarray(v, dtype=np.float64)[None, :]
            for k, v in result.history.items()
            if v and all(isinstance(x, int | float) for x in v)
        }
        return az.from_dict(sample_stats=stats)
    arr = np.asarray(result)
    if arr.ndim < 2:
        raise ValueError("to_inference_data needs chains: an array (n_chains, n_draws, ...)")
    return az.from_dict(posterior={name: arr})

"""Input checks shared by the public API: each error names the offending argument."""

from __future__ import annotations

import numbers

import numpy as np


def as_real_array(
    value, name: str, *, ndim: int | tuple[int, ...] | None = None, finite: bool = True
) -> np.ndarray:
    """``value`` as a C-contiguous float64 array; non-numeric data is refused, and so is
    non-finite data (NaN always; +-inf unless ``finite=False``)."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of real numbers: {exc}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got shape {arr.shape}")
    arr = np.asarray(arr, dtype=np.float64, order="C")  # keeps 0-d (ascontiguousarray would not)
    bad_values = ~np.isfinite(arr) if finite else np.isnan(arr)
    if np.any(bad_values):
        bad = np.argwhere(bad_values)[0]
        where = tuple(int(i) for i in bad) if arr.ndim else ()
        what = "finite" if finite else "free of NaN"
        raise ValueError(f"{name} must be {what}; found {arr[tuple(bad)]} at index {where}")
    return arr


def frozen(arr: np.ndarray) -> np.ndarray:
    """A read-only C-contiguous float64 copy of ``arr``."""
    out = np.array(arr, dtype=np.float64, order="C", copy=True)
    out.flags.writeable = False
    return out


def as_binary_rows(value, name: str, n_columns: int, what: str) -> tuple[np.ndarray, bool]:
    """Validate binary data of shape ``(n, n_columns)`` or ``(n_columns,)``.

    Returns the data as a 2-D float64 array and whether the input was a single 1-D row.
    """
    arr = as_real_array(value, name, ndim=(1, 2))
    single = arr.ndim == 1
    rows = arr[None, :] if single else arr
    if rows.shape[1] != n_columns:
        raise ValueError(
            f"{name} must have {n_columns} columns (the model's {what}), got shape {arr.shape}"
        )
    not_binary = (rows != 0.0) & (rows != 1.0)
    if np.any(not_binary):
        bad = tuple(int(i) for i in np.argwhere(not_binary)[0])
        raise ValueError(
            f"{name} must be binary (0/1); found {rows[bad]} at row {bad[0]}, column {bad[1]}"
        )
    return rows, single


def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer argument (bools refused) with optional bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum:,}, got {value:,}")
    return value


#: Most chains (or samples) one call may run: beyond it the arrays alone would not fit in
#: memory, and the call would fail with a MemoryError far from the argument.
MAX_CHAINS = 10**7
#: Most weights of one RBM (8 GB of float64), spins of one Ising model and sweeps per
#: temperature: the same reasoning.
MAX_WEIGHTS = 10**9
MAX_SPINS = 10**8
MAX_SWEEPS = 10**6


def check_bool(value, name: str) -> bool:
    """``True`` or ``False`` (NumPy bools too); anything else, even 0 and 1, is refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_real(value, name: str) -> float:
    """A finite real number (bools, strings and complex refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_weight_count(n_visible: int, n_hidden: int) -> None:
    """Refuse an RBM of more than ``MAX_WEIGHTS`` weights before allocating it."""
    if n_visible * n_hidden > MAX_WEIGHTS:
        raise ValueError(
            f"n_visible x n_hidden must be at most {MAX_WEIGHTS:,} weights, got "
            f"{n_visible:,} x {n_hidden:,}"
        )


def check_positive_float(value, name: str) -> float:
    """A finite, strictly positive real argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value}")
    return value


def check_probability(value, name: str) -> float:
    """A real number strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value}")
    return value


def model_states(model, value, name: str) -> np.ndarray:
    """``value`` as a 2-D array of states of ``model`` (at least one row), checked by the
    model's family (``validate_states``, :class:`partition.models.base.ModelFamily`) so that
    every error names ``name``; a model of the user's with only ``log_unnormalized_prob`` gets
    real, finite 2-D states."""
    check = getattr(model, "validate_states", None)
    if check is None and not hasattr(model, "log_unnormalized_prob"):
        raise TypeError(
            f"model must be a model of partition (or have log_unnormalized_prob), got "
            f"{type(model).__name__}"
        )
    if value is None:
        raise TypeError(f"{name} must be an array of states, got None")
    if check is None:  # a user's model: real 2-D states, the rest is the model's business
        states = as_real_array(value, name, ndim=2)
        if states.shape[0] < 1:
            raise ValueError(f"{name} must hold at least one row")
        return states
    return check(value, name)

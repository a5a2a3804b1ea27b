"""The one jit decorator factory used by every kernel in :mod:`partition.kernels`.

All kernels are compiled with ``cache=True`` and ``error_model="numpy"`` (division by zero
gives inf/NaN as in NumPy instead of raising). Fast-math flags that assume no NaN or inf are
never used: log-space code relies on ``-inf``. The only relaxations on offer are
re-association and contraction (``reassoc``), which let LLVM vectorise floating-point
reductions and fuse multiply-adds; kernels that use them are tested against NumPy references.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import numba

F = TypeVar("F", bound=Callable[..., Any])

_SAFE_FASTMATH = frozenset({"reassoc", "contract"})


def jit(
    func: F | None = None,
    *,
    parallel: bool = False,
    reassoc: bool = False,
    inline: str = "never",
) -> Any:
    """Compile ``func`` with the project's numba settings.

    Parameters
    ----------
    func : callable, optional
        The function; when omitted, a decorator is returned.
    parallel : bool
        Enable ``numba.prange``; only for drivers that ``prange`` over chains or blocks.
    reassoc : bool
        Allow re-association and contraction of floating-point operations (vectorised
        reductions, FMA). NaN and inf semantics are kept.
    inline : {"never", "always"}
        Numba-level inlining of small helpers into their callers.

    Examples
    --------
    >>> from partition._numba import jit
    >>> @jit
    ... def add(a, b):
    ...     return a + b
    >>> add(1.0, 2.0)
    3.0
    """
    options: dict[str, Any] = {
        "cache": os.environ.get("PARTITION_NUMBA_CACHE", "1") != "0",
        "error_model": "numpy",
        "nogil": True,
        "inline": inline,
    }
    if parallel:
        options["parallel"] = True
    if reassoc:
        options["fastmath"] = set(_SAFE_FASTMATH)

    def wrap(f: F) -> F:
        # Functions without a source file (doctests, notebooks, exec) cannot be cached.
        cache = options["cache"] and os.path.isfile(f.__code__.co_filename)
        return numba.njit(**{**options, "cache": cache})(f)

    if func is not None:
        return wrap(func)
    return wrap


def interruptible(kernel: Callable[..., Any], *args: Any) -> Any:
    """``kernel(*args)``, with a Ctrl-C during the call raised as a plain KeyboardInterrupt.

    A SIGINT that arrives while a compiled kernel runs is seen when it returns; when the
    kernel returns a value, CPython reports it as ``SystemError: CPUDispatcher(...) returned a
    result with an exception set``, caused (through one or more SystemErrors) by the
    KeyboardInterrupt. Long runs call their
    kernels in short pieces through this, so Ctrl-C stops them within about a second.
    """
    try:
        return kernel(*args)
    except SystemError as exc:
        cause = exc.__cause__  # the interrupt can sit under more than one SystemError
        while isinstance(cause, SystemError):
            cause = cause.__cause__
        if isinstance(cause, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        raise

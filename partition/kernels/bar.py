"""Sums for Bennett's acceptance ratio: one fused, vectorised pass per side.

For ``x_i = sign * (l_i - shift)`` the pass returns ``c`` and scaled sums
``S = sum sigma(x_i) e^-c``, ``D = sum sigma(x_i) (1 - sigma(x_i)) e^-c`` and
``Q = sum sigma(x_i)^2 e^-2c`` with ``c = min(0, max_i x_i)``: the shift keeps the largest
term of order one, so nothing underflows when the two distributions barely overlap.
"""

from __future__ import annotations

import numpy as np

from partition._numba import jit
from partition.kernels._math import exp_neg


@jit(reassoc=True)
def sigmoid_sums(values, shift, sign):
    """``(c, S, D, Q)`` as in the module docstring."""
    n = values.shape[0]
    top = -np.inf
    for i in range(n):
        top = max(top, sign * (values[i] - shift))
    c = min(0.0, top)
    s_sum = 0.0
    d_sum = 0.0
    q_sum = 0.0
    for i in range(n):
        x = sign * (values[i] - shift)
        e = exp_neg(abs(x))  # e^{-|x|}
        # sigma(x) e^{-c} and 1 - sigma(x), both without overflow
        if x > 0.0:
            t = 1.0 / (1.0 + e)  # here c = 0
            one_minus = e * t
        else:
            t = exp_neg(c - x) / (1.0 + e)
            one_minus = 1.0 / (1.0 + e)
        s_sum += t
        d_sum += t * one_minus
        q_sum += t * t
    return c, s_sum, d_sum, q_sum


@jit(reassoc=True)
def log_sum_exp(values, sign):
    """``log sum exp(sign * values)`` in two passes (max, then shifted sum)."""
    top = -np.inf
    for i in range(values.shape[0]):
        top = max(top, sign * values[i])
    total = 0.0
    for i in range(values.shape[0]):
        total += exp_neg(top - sign * values[i])
    return top + np.log(total)

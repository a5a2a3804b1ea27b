"""Exact enumeration kernels for the RBM family.

One layer (``m`` units, the "enumerated" layer) is enumerated; the other (``n`` units) is
summed out analytically::

    log Z = logsumexp_s [ a.s + sum_i softplus(d_i + (s R)_i) ]

with ``R`` the ``(m, n)`` weight rows of the enumerated units, ``a`` their biases and ``d`` the
other layer's biases. States are visited in Gray-code order, so each new state changes one
unit and costs one row update of the activations. The ``2**m`` states are cut into aligned
blocks of ``2**block_bits`` states, one ``prange`` task each; every block restarts its
activations from scratch (bounding rounding drift) and returns a partial log-sum-exp
``(M, S)`` meaning ``exp(M) * S``. Block results do not depend on the thread count.

The sum of softplus terms is computed as a log of a product, so each element costs no
logarithm. Two element modes:

- additive: ``x`` holds activations; ``softplus(x) = max(x, 0) + log(1 + exp(-|x|))``, the
  factors ``1 + exp(-|x|)`` lie in [1, 2] and are multiplied in chunks of at most 512;
- multiplicative: ``y = exp(x)`` is kept instead and updated by one multiplication with
  ``exp(+-R_j)``; factor ``1 + y``. Valid only when every activation stays within
  [-600, 600] over all states; chunks are chosen by the caller so that no chunk product
  overflows.

Each product is split into mantissa and exponent, so no per-state ``log`` is needed; the
states' values are folded into the running log-sum-exp in batches with a vectorised exp.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from partition._numba import jit
from partition.kernels._math import LN2, exp_neg, split_exponent, trailing_zeros

_BATCH = 64


@jit(reassoc=True, inline="always")
def _fold(lo, mant, count, m_run, s_run):
    """Add ``sum_k mant[k] * exp(lo[k])`` (k < count) into ``exp(m_run) * s_run``."""
    m_batch = -np.inf
    for k in range(count):
        m_batch = max(m_batch, lo[k])
    m_batch += LN2  # mant < 2, so every term below is at most 1
    if m_batch > m_run:
        s_run = s_run * math.exp(m_run - m_batch)
        m_run = m_batch
    acc = 0.0
    for k in range(count):
        acc += mant[k] * exp_neg(m_run - lo[k])
    return m_run, s_run + acc


@jit(reassoc=True, inline="always")
def _step_additive(x, delta, ends):
    """``x += delta``; return ``(lo, mant)`` with ``sum softplus(x) = lo + log(mant)``."""
    lo = 0.0
    mant = 1.0
    start = 0
    for c in range(ends.shape[0]):
        end = ends[c]
        positive = 0.0
        prod = 1.0
        # Loops over slices vectorise; ``range(start, end)`` over the full arrays did not.
        xs = x[start:end]
        ds = delta[start:end]
        for i in range(xs.shape[0]):
            xi = xs[i] + ds[i]
            xs[i] = xi
            positive += max(xi, 0.0)
            prod *= 1.0 + exp_neg(abs(xi))
        lo += positive
        mant, e = split_exponent(mant * prod)
        lo += e * LN2
        start = end
    return lo, mant


@jit(reassoc=True, inline="always")
def _step_multiplicative(y, factor, ends):
    """``y *= factor``; return ``(lo, mant)`` with ``sum log(1 + y) = lo + log(mant)``."""
    lo = 0.0
    mant = 1.0
    start = 0
    for c in range(ends.shape[0]):
        end = ends[c]
        prod = 1.0
        ys = y[start:end]
        fs = factor[start:end]
        for i in range(ys.shape[0]):
            yi = ys[i] * fs[i]
            ys[i] = yi
            prod *= 1.0 + yi
        mant, e = split_exponent(mant * prod)
        lo += e * LN2
        start = end
    return lo, mant


@jit(inline="always")
def _block_start(first, rows, enum_bias, other_bias, multiplicative):
    """Activations (or their exps) and the linear term at the block's first Gray state, and
    the identity update for that state."""
    m, n = rows.shape
    gray = first ^ (first >> 1)
    x = other_bias.copy()
    linear = 0.0
    for j in range(m):
        if (gray >> j) & 1:
            linear += enum_bias[j]
            for i in range(n):
                x[i] += rows[j, i]
    if multiplicative:
        for i in range(n):
            x[i] = math.exp(x[i])
        return x, linear, np.ones(n)
    return x, linear, np.zeros(n)


@jit(reassoc=True)
def _block_log_sum_exp(
    first, block_bits, rows, enum_bias, other_bias, up, down, ends, multiplicative
):
    x, linear, identity = _block_start(first, rows, enum_bias, other_bias, multiplicative)

    lo_buf = np.empty(_BATCH)
    mant_buf = np.empty(_BATCH)
    m_run = -np.inf
    s_run = 0.0
    k = 0
    for s in range(1 << block_bits):
        # the Gray step is written out here: as a helper returning a row view it cost 50%
        if s == 0:
            delta = identity
        else:
            index = first + s
            j = trailing_zeros(index)
            if ((index ^ (index >> 1)) >> j) & 1:
                delta = up[j]
                linear += enum_bias[j]
            else:
                delta = down[j]
                linear -= enum_bias[j]
        if multiplicative:
            lo, mant = _step_multiplicative(x, delta, ends)
        else:
            lo, mant = _step_additive(x, delta, ends)
        lo_buf[k] = linear + lo
        mant_buf[k] = mant
        k += 1
        if k == _BATCH:
            m_run, s_run = _fold(lo_buf, mant_buf, k, m_run, s_run)
            k = 0
    if k > 0:
        m_run, s_run = _fold(lo_buf, mant_buf, k, m_run, s_run)
    return m_run, s_run


@jit(parallel=True, reassoc=True)
def rbm_log_z_blocks(
    rows, enum_bias, other_bias, up, down, ends, multiplicative, block_bits, first_block,
    stop_block,
):  # fmt: skip
    """Partial log-sum-exps ``(M, S)`` of Gray-code blocks ``first_block .. stop_block - 1``
    (of the ``2**(m - block_bits)``); the caller runs a long enumeration in such pieces so
    that Ctrl-C is seen between them.

    Parameters
    ----------
    rows : (m, n) float64
        Weight rows of the enumerated units.
    enum_bias : (m,) float64
        Biases of the enumerated units.
    other_bias : (n,) float64
        Biases of the summed-out units.
    up, down : (m, n) float64
        Row updates when unit j turns on / off: ``rows`` and ``-rows`` (additive mode) or
        ``exp(rows)`` and ``exp(-rows)`` (multiplicative mode).
    ends : (n_chunks,) int64
        Exclusive end index of each product chunk over the n summed-out units.
    multiplicative : bool
        Element mode, see the module docstring.
    block_bits : int
        ``log2`` of the number of states per block.
    first_block, stop_block : int
        The range of blocks to run.
    """
    n_blocks = stop_block - first_block
    m_out = np.empty(n_blocks)
    s_out = np.empty(n_blocks)
    for i in numba.prange(n_blocks):
        b = first_block + i
        m_out[i], s_out[i] = _block_log_sum_exp(
            b << block_bits,
            block_bits,
            rows,
            enum_bias,
            other_bias,
            up,
            down,
            ends,
            multiplicative,
        )
    return m_out, s_out


@jit(parallel=True, reassoc=True)
def rbm_state_log_values(rows, enum_bias, other_bias, up, down, ends, multiplicative, block_bits):
    """``out[s] = a.s + sum_i softplus(d_i + (s R)_i)`` for every state ``s`` (as an integer).

    The unnormalised log marginal of each state of the enumerated layer, by the same
    Gray-code walk as :func:`rbm_log_z_blocks` (same arguments); used for exact sampling.
    """
    m = rows.shape[0]
    n_blocks = 1 << (m - block_bits)
    out = np.empty(1 << m)
    for b in numba.prange(n_blocks):
        first = b << block_bits
        x, linear, identity = _block_start(first, rows, enum_bias, other_bias, multiplicative)
        for s in range(1 << block_bits):
            index = first + s
            if s == 0:
                delta = identity
            else:
                j = trailing_zeros(index)
                if ((index ^ (index >> 1)) >> j) & 1:
                    delta = up[j]
                    linear += enum_bias[j]
                else:
                    delta = down[j]
                    linear -= enum_bias[j]
            if multiplicative:
                lo, mant = _step_multiplicative(x, delta, ends)
            else:
                lo, mant = _step_additive(x, delta, ends)
            out[index ^ (index >> 1)] = linear + lo + math.log(mant)
    return out

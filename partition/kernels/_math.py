"""Scalar math helpers written so that LLVM vectorises the loops that call them.

Numba from PyPI ships no vectorised math library: ``math.exp`` in a jitted loop is a scalar
libm call (about 6-8 ns an element here). :func:`exp_neg` is a polynomial exponential with
Cody-Waite range reduction and exponent construction by bit manipulation; it vectorises and is
accurate to 1 ulp on its whole domain (tested in ``tests/kernels/test_math.py``).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from partition._numba import jit


@intrinsic
def float_bits(typingctx, x):  # noqa: ARG001 - numba intrinsic signature
    """Reinterpret a float64 as int64 (no conversion)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):  # noqa: ARG001
        return builder.bitcast(args[0], ir.IntType(64))

    return sig, codegen


@intrinsic
def bits_float(typingctx, x):  # noqa: ARG001 - numba intrinsic signature
    """Reinterpret an int64 as float64 (no conversion)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):  # noqa: ARG001
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@intrinsic
def trailing_zeros(typingctx, x):  # noqa: ARG001 - numba intrinsic signature
    """Number of trailing zero bits of a non-zero int64 (LLVM ``cttz``)."""
    sig = types.int64(types.int64)

    def codegen(context, builder, signature, args):  # noqa: ARG001
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 1))

    return sig, codegen


_SHIFTER = 6755399441055744.0  # 1.5 * 2**52: adding it rounds to an integer in the low bits
_SHIFTER_BITS = int(np.array(_SHIFTER).view(np.int64))
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 split so that k * _LN2_HI is exact for |k| < 2**11
_LN2_LO = 1.90821492927058770002e-10
_MANTISSA_MASK = (1 << 52) - 1
_ONE_BITS = 1023 << 52
EXP_NEG_MAX = 708.0
LN2 = 0.6931471805599453


@jit(inline="always")
def exp_neg(t):
    """``exp(-t)`` for ``0 <= t``; arguments above 708 are treated as 708 (result ~3e-308).

    Range reduction ``-t = k ln2 + r`` with ``|r| <= ln2 / 2``, a degree-14 Taylor polynomial
    for ``exp(r)`` (truncation error < 5e-18), and ``2**k`` applied to the exponent bits.
    """
    x = -min(t, EXP_NEG_MAX)
    kf = x * _INV_LN2 + _SHIFTER
    k = kf - _SHIFTER
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 / 87178291200.0
    p = p * r + 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    k_int = float_bits(kf) - _SHIFTER_BITS
    return bits_float(float_bits(p) + (k_int << 52))


@jit(inline="always")
def split_exponent(p):
    """Split a positive normal float64: ``p = m * 2**e`` with ``m`` in [1, 2); returns (m, e)."""
    bits = float_bits(p)
    e = (bits >> 52) - 1023
    m = bits_float((bits & _MANTISSA_MASK) | _ONE_BITS)
    return m, e


@jit(inline="always")
def sigmoid(x):
    """Logistic ``1 / (1 + exp(-x))`` through :func:`exp_neg`; vectorises, a few ulp."""
    e = exp_neg(abs(x))
    r = 1.0 / (1.0 + e)
    return r if x >= 0.0 else e * r


@jit(inline="always")
def log1p_exp_neg_factor(x):
    """``1 + exp(-|x|)``, the factor of ``softplus(x) = max(x, 0) + log(1 + exp(-|x|))``."""
    return 1.0 + exp_neg(abs(x))

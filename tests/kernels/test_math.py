"""The vectorisable math helpers against NumPy, with stated ulp bounds."""

import numpy as np
import pytest

from partition._numba import jit
from partition.kernels._math import exp_neg, split_exponent


@jit(reassoc=True)
def _exp_neg_array(t):
    out = np.empty_like(t)
    for i in range(t.shape[0]):
        out[i] = exp_neg(t[i])
    return out


@jit
def _split_array(p):
    mant = np.empty_like(p)
    expo = np.empty(p.shape[0], dtype=np.int64)
    for i in range(p.shape[0]):
        mant[i], expo[i] = split_exponent(p[i])
    return mant, expo


def _ulp_error(got, want):
    return np.abs(got - want) / np.spacing(np.abs(want))


def test_exp_neg_within_one_ulp_over_its_domain():
    rng = np.random.default_rng(0)
    t = np.concatenate(
        [
            rng.uniform(0.0, 708.0, 200_000),
            rng.uniform(0.0, 1.0, 100_000),
            np.logspace(-300, 2.85, 10_000),
            np.arange(0, 708) * np.log(2.0),  # exact multiples of ln 2: reduction boundaries
            np.array([0.0, 0.5 * np.log(2.0), 707.9999]),
        ]
    )
    got = _exp_neg_array(t)
    assert np.max(_ulp_error(got, np.exp(-t))) <= 1.0


def test_exp_neg_clamps_beyond_domain_to_tiny_positive():
    got = _exp_neg_array(np.array([708.0, 709.0, 1e6, np.inf]))
    assert np.all(got == got[0])
    assert 0.0 < got[0] < 1e-307


@pytest.mark.parametrize("scale", [1e-300, 1e-10, 1.0, 3.5, 1e100, 1e300])
def test_split_exponent_reconstructs(scale):
    p = np.random.default_rng(1).uniform(1.0, 10.0, 1000) * scale
    mant, expo = _split_array(p)
    assert np.all((mant >= 1.0) & (mant < 2.0))
    np.testing.assert_array_equal(np.ldexp(mant, expo), p)

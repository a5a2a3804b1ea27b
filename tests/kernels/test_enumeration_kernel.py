"""The Gray-code enumeration kernel against a direct NumPy evaluation, block by block."""

import numpy as np
import pytest
from scipy.special import logsumexp

from partition.kernels.enumeration import rbm_log_z_blocks
from partition.models.rbm import _enumeration_plan
from partition.models.testsystems import all_states


def _numpy_block_values(rows, enum_bias, other_bias, block_bits):
    """log-sum-exp of each aligned block of Gray-code states, computed directly."""
    m = rows.shape[0]
    index = np.arange(2**m)
    gray = index ^ (index >> 1)
    states = all_states(m)[gray]  # row k is the state visited at step k
    values = states @ enum_bias + np.logaddexp(0.0, states @ rows + other_bias).sum(1)
    return logsumexp(values.reshape(-1, 2**block_bits), axis=1)


@pytest.mark.parametrize("multiplicative", [False, True])
@pytest.mark.parametrize(("m", "n", "block_bits"), [(1, 3, 1), (6, 5, 6), (9, 33, 4), (12, 70, 7)])
def test_blocks_match_numpy(m, n, block_bits, multiplicative):
    rng = np.random.default_rng(m * 100 + n)
    rows = rng.normal(0, 1.5, (m, n))
    enum_bias = rng.normal(0, 1, m)
    other_bias = rng.normal(0, 1, n)
    if multiplicative:
        up, down, ends = np.exp(rows), np.exp(-rows), np.array([n // 3, n])
    else:
        up, down, ends = rows, -rows, np.array([n // 2, n])
    args = (rows, enum_bias, other_bias, up, down, ends.astype(np.int64), multiplicative)
    n_blocks = 1 << (m - block_bits)
    m_blocks, s_blocks = rbm_log_z_blocks(*args, block_bits, 0, n_blocks)
    got = m_blocks + np.log(s_blocks)
    # a later piece of blocks alone gives the same blocks as the whole run
    m_tail, s_tail = rbm_log_z_blocks(*args, block_bits, n_blocks // 2, n_blocks)
    np.testing.assert_array_equal(m_tail, m_blocks[n_blocks // 2 :])
    np.testing.assert_array_equal(s_tail, s_blocks[n_blocks // 2 :])
    want = _numpy_block_values(rows, enum_bias, other_bias, block_bits)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_plan_picks_additive_for_huge_activations_and_bounds_chunks():
    rows = np.full((3, 4), 300.0)
    plan = _enumeration_plan(rows, np.zeros(4))
    assert not plan["multiplicative"]
    small = np.full((3, 40), 2.0)
    plan = _enumeration_plan(small, np.zeros(40))
    assert plan["multiplicative"]
    # each chunk's largest possible log-product stays below the overflow limit
    bounds = np.logaddexp(0.0, small.sum(0))
    starts = np.concatenate([[0], plan["ends"][:-1]])
    for s, e in zip(starts, plan["ends"], strict=True):
        assert bounds[s:e].sum() < 709.0
    assert plan["ends"][-1] == 40

"""xoshiro256++ lanes: the published recurrence, uniformity, independence of chains."""

import numpy as np
from scipy import stats

from partition._numba import jit
from partition.kernels._random import LANES, fill_uniform, seed_streams

MASK = (1 << 64) - 1


def _xoshiro256pp_reference(s):
    """One step of xoshiro256++ on a list of four Python ints (Blackman & Vigna)."""

    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    result = (rotl((s[0] + s[3]) & MASK, 23) + s[0]) & MASK
    t = (s[1] << 17) & MASK
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 45)
    return result


@jit
def _draw(state, chain, n):
    out = np.empty(n)
    fill_uniform(state, chain, out)
    return out


def test_matches_reference_recurrence_lane_by_lane():
    state, _ = seed_streams(np.random.default_rng(0), 2)
    lanes = [[int(state[1, w, lane]) for w in range(4)] for lane in range(LANES)]
    got = _draw(state, 1, 3 * LANES + 5)  # 4 steps of every lane, last one partly used
    want = []
    for _ in range(4):
        want += [(_xoshiro256pp_reference(lanes[lane]) >> 11) * 2.0**-53 for lane in range(LANES)]
    np.testing.assert_array_equal(got, np.array(want[: 3 * LANES + 5]))
    for lane in range(LANES):  # the state advanced by exactly 4 steps
        assert [int(state[1, w, lane]) for w in range(4)] == lanes[lane]


def test_uniformity_and_chain_independence():
    state, _ = seed_streams(np.random.default_rng(1), 3)
    a = _draw(state, 0, 200_000)
    b = _draw(state, 1, 200_000)
    assert stats.kstest(a, "uniform").pvalue > 1e-3
    counts = np.histogram(a, bins=64, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 1e-3
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.01
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < 0.01
    assert 0.0 <= a.min() and a.max() < 1.0


def test_seeding_is_reproducible_and_prefix_stable():
    s1, e1 = seed_streams(np.random.default_rng(5), 4)
    s2, e2 = seed_streams(np.random.default_rng(5), 9)
    assert e1 == e2
    np.testing.assert_array_equal(s1, s2[:4])  # chain i's stream does not depend on n_chains
    s3, _ = seed_streams(np.random.default_rng(6), 4)
    assert not np.array_equal(s1, s3)

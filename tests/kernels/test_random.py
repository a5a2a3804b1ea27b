"""Per-chain SplitMix64 streams: published outputs, reference recurrence, uniformity."""

import numpy as np
from scipy import stats
from scipy.special import expit

from partition._numba import jit
from partition.kernels._random import GOLDEN_GAMMA, draw_bernoulli, fill_uniform, seed_streams

MASK = (1 << 64) - 1


def _splitmix64_reference(seed, gamma, n):
    """SplitMix64 as published: ``seed += gamma; z = seed; ...mix...``, n outputs."""
    out = []
    for _ in range(n):
        seed = (seed + gamma) & MASK
        z = seed
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(z ^ (z >> 31))
    return out


@jit
def _draw(state, chain, n):
    out = np.empty(n)
    fill_uniform(state, chain, out)
    return out


@jit
def _bernoulli(state, chain, logits, scale):
    out = np.empty(logits.shape[0])
    draw_bernoulli(logits, scale, out, state, chain)
    return out


def test_published_splitmix64_outputs():
    # splitmix64 seeded with 1234567 (the widely used test vector of Vigna's splitmix64.c)
    published = [
        6457827717110365317,
        3203168211198807973,
        9817491932198370423,
        4593380528125082431,
        16408922859458223821,
    ]
    assert _splitmix64_reference(1234567, GOLDEN_GAMMA, 5) == published
    state = np.array([[1234567, GOLDEN_GAMMA, 0]], dtype=np.uint64)
    got = _draw(state, 0, 5)
    np.testing.assert_array_equal(got, [(x >> 11) * 2.0**-53 for x in published])
    assert int(state[0, 2]) == 5


def test_matches_reference_for_random_keys_and_increments_across_calls():
    state, _ = seed_streams(np.random.default_rng(0), 3)
    key, gamma = int(state[2, 0]), int(state[2, 1])
    got = np.concatenate([_draw(state, 2, 7), _draw(state, 2, 13)])  # counter carries over
    want = [(x >> 11) * 2.0**-53 for x in _splitmix64_reference(key, gamma, 20)]
    np.testing.assert_array_equal(got, want)
    assert int(state[0, 2]) == 0 and int(state[2, 2]) == 20


def test_bernoulli_equals_uniform_below_sigmoid():
    state, _ = seed_streams(np.random.default_rng(1), 2)
    logits = np.random.default_rng(2).normal(0, 4, 5000)
    u = _draw(state.copy(), 1, 5000)
    got = _bernoulli(state, 1, logits, 0.7)
    np.testing.assert_array_equal(got, (u < expit(0.7 * logits)).astype(float))
    # and its frequency matches the probability
    many = np.stack([_bernoulli(state, 0, np.full(4, 0.3), 1.0) for _ in range(20000)])
    assert abs(many.mean() - expit(0.3)) < 4 * np.sqrt(expit(0.3) * (1 - expit(0.3)) / many.size)


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


def test_seeding_is_reproducible_prefix_stable_and_increments_are_odd_and_mixed():
    s1, e1 = seed_streams(np.random.default_rng(5), 4)
    s2, e2 = seed_streams(np.random.default_rng(5), 9)
    assert e1 == e2
    np.testing.assert_array_equal(s1, s2[:4])  # chain i's stream does not depend on n_chains
    s3, _ = seed_streams(np.random.default_rng(6), 4)
    assert not np.array_equal(s1, s3)
    many, _ = seed_streams(np.random.default_rng(7), 2000)
    gammas = [int(g) for g in many[:, 1]]
    assert all(g & 1 for g in gammas)
    assert min(bin(g ^ (g >> 1)).count("1") for g in gammas) >= 24
    assert len(set(gammas)) == 2000

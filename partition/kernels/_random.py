"""Per-chain random streams for numba kernels: xoshiro256++ in 8 interleaved lanes.

Each chain owns ``LANES`` independent xoshiro256++ generators (Blackman & Vigna 2019), stored
as ``state[chain, word, lane]`` (uint64). Numbers are drawn 8 at a time, one from each lane,
so the lane loop vectorises; a request for ``n`` numbers always consumes ``ceil(n / 8)``
steps of every lane, so the stream of a chain depends only on its seed and on the sequence of
requests, never on threads. States are seeded from one ``SeedSequence`` per call through
``seed_streams``.
"""

from __future__ import annotations

import numpy as np

from partition._numba import jit

LANES = 8
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
_U11 = np.uint64(11)
_U17 = np.uint64(17)
_U23 = np.uint64(23)
_U41 = np.uint64(41)
_U45 = np.uint64(45)
_U19 = np.uint64(19)


def seed_streams(rng: np.random.Generator, n_chains: int) -> tuple[np.ndarray, int]:
    """Fresh stream states ``(n_chains, 4, LANES)`` drawn from ``rng``, and the entropy used.

    The 128-bit entropy is drawn from ``rng`` and expanded by ``numpy.random.SeedSequence``;
    chain ``i``'s words are the ``i``-th block of the expansion, independent of ``n_chains``.
    """
    entropy = int(rng.integers(0, 2**63)) << 64 | int(rng.integers(0, 2**63))
    words = np.random.SeedSequence(entropy).generate_state(4 * LANES * n_chains, dtype=np.uint64)
    state = words.reshape(n_chains, 4, LANES).copy()
    zero = ~state.any(axis=1)  # an all-zero xoshiro state is a fixed point (probability 2**-256)
    state[:, 0, :][zero] = np.uint64(0x9E3779B97F4A7C15)
    return state, entropy


@jit(reassoc=True, inline="always")
def fill_uniform(state, chain, out):
    """Fill ``out`` with uniforms in [0, 1) (53-bit) from ``state[chain]``."""
    s = state[chain]
    n = out.shape[0]
    buf = np.empty(LANES)
    full = n - n % LANES
    for start in range(0, n, LANES):
        for lane in range(LANES):
            s0 = s[0, lane]
            s1 = s[1, lane]
            s2 = s[2, lane]
            s3 = s[3, lane]
            t = s0 + s3
            result = ((t << _U23) | (t >> _U41)) + s0
            shifted = s1 << _U17
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= shifted
            s3 = (s3 << _U45) | (s3 >> _U19)
            s[0, lane] = s0
            s[1, lane] = s1
            s[2, lane] = s2
            s[3, lane] = s3
            buf[lane] = np.float64(result >> _U11) * _TO_UNIT
        if start < full:
            for lane in range(LANES):
                out[start + lane] = buf[lane]
        else:
            for lane in range(n - start):
                out[start + lane] = buf[lane]

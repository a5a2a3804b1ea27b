"""Random-number conventions: one conversion of ``rng``, one independent stream per chain.

Every stochastic public function takes ``rng`` last and keyword-only: an int, a
``numpy.random.SeedSequence``, a ``numpy.random.Generator`` or None. It is converted once with
:func:`as_generator`. Per-chain streams are spawned from it with :func:`chain_seeds`, so a
chain's random numbers depend only on the seed and its index, never on the thread count.
"""

from __future__ import annotations

import numbers

import numpy as np

RNGLike = int | np.random.SeedSequence | np.random.Generator | None


def as_generator(rng: RNGLike) -> np.random.Generator:
    """Convert ``rng`` to a ``numpy.random.Generator`` (legacy ``RandomState`` is refused).

    Examples
    --------
    >>> from partition._rng import as_generator
    >>> g = as_generator(0)
    >>> float(g.random()) == float(as_generator(0).random())
    True
    """
    if isinstance(rng, np.random.RandomState):
        raise TypeError(
            "rng must be an int, SeedSequence, Generator or None; the legacy RandomState is "
            "not supported"
        )
    if rng is None or isinstance(rng, np.random.Generator | np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng must be a non-negative integer seed, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be an int, SeedSequence, Generator or None, got {type(rng).__name__}"
    )

"""Exact log Z by enumeration (or closed forms, where a model family provides one)."""

from __future__ import annotations

from typing import Any

import numpy as np

from partition._rng import as_generator
from partition._validation import MAX_CHAINS, check_int, check_positive_float
from partition.models.base import ExactLogZ, ExactSampler, require
from partition.models.rbm import DEFAULT_MAX_TERMS
from partition.results import LogZEstimate


def exact_log_z(
    model: Any, *, max_terms: float = DEFAULT_MAX_TERMS, progress: bool = False
) -> LogZEstimate:
    """Exact log Z of a model small enough to enumerate (or with a closed form).

    For a :class:`~partition.BernoulliRBM` the smaller layer is enumerated in Gray-code order
    and the other summed out analytically, in parallel over blocks of states. The work is
    ``2**m * n`` terms for ``m`` enumerated and ``n`` summed-out units; above ``max_terms``
    (default ``2**36``, about 10-40 s on two cores) a ``ValueError`` is raised before any
    work starts.

    Parameters
    ----------
    model
        A model with the :class:`~partition.models.base.ExactLogZ` capability: a
        ``BernoulliRBM``, an ``IsingModel``, a :class:`~partition.LogDensity` given ``log_z=``,
        or your own family.
    max_terms : float
        Refuse enumerations needing more terms than this.
    progress : bool
        A progress bar on stderr over the enumerated states (RBM enumeration).

    Returns
    -------
    LogZEstimate
        ``method="exact"``, ``stderr=0``; ``info`` says which layer was enumerated, the
        number of states, the time taken and the states per second.

    Examples
    --------
    >>> import numpy as np, partition as pt
    >>> rbm = pt.BernoulliRBM(np.zeros((3, 2)), np.zeros(3), np.zeros(2))
    >>> est = pt.exact_log_z(rbm)
    >>> bool(np.isclose(est.log_z, 5 * np.log(2)))
    True
    >>> est.stderr
    0.0
    """
    max_terms = check_positive_float(max_terms, "max_terms")
    require(model, ExactLogZ, "exact_log_z")
    log_z, info = model.compute_exact_log_z(max_terms=max_terms, progress=bool(progress))
    return LogZEstimate.exact(log_z, info=info)


def exact_sample(model: Any, n: int, *, rng=None) -> np.ndarray:
    """Exact samples of a model small enough to enumerate one layer.

    For a :class:`~partition.BernoulliRBM` the smaller layer (up to 24 units) is drawn from
    its exact marginal and the other from its conditional; the visible states are returned,
    shape ``(n, n_visible)``. For an :class:`~partition.IsingModel`, spins ``(n, n_spins)`` by
    enumeration (up to 24 spins) or through the RBM mapping of a bipartite lattice.

    Parameters
    ----------
    model : BernoulliRBM, IsingModel, LogDensity or your family
        A model with the :class:`~partition.models.base.ExactSampler` capability (a
        :class:`~partition.LogDensity` given ``sampler=``); a ``ValueError`` says when this
        model cannot be sampled exactly (no layer small enough, no sampler).
    n : int
        Number of independent samples (1 to 10^7).
    rng : int, SeedSequence, Generator or None
        Seed.

    Returns
    -------
    numpy.ndarray
        ``(n, n_visible)`` binary states, or ``(n, n_spins)`` spins of +-1.

    Examples
    --------
    >>> import partition as pt
    >>> rbm = pt.BernoulliRBM.random(6, 4, rng=0)
    >>> pt.exact_sample(rbm, 3, rng=1).shape
    (3, 6)
    """
    n = check_int(n, "n", minimum=1, maximum=MAX_CHAINS)
    require(model, ExactSampler, "exact_sample")
    return model.sample_exactly(n, as_generator(rng))

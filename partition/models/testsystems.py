"""Models with a known log Z, for validating estimators.

Each constructor returns a :class:`ReferenceSystem`: the model, its exact log Z computed by a
route independent of :func:`partition.exact_log_z` (a closed form, or brute-force enumeration
of every joint state), and a description.

- :func:`zero_weights_rbm`: ``W = 0``, ``log Z = sum softplus(b) + sum softplus(c)``.
- :func:`independent_spins`: ``N`` spins ``s = +-1`` in fields ``h``, written as an RBM
  (``s = 2x - 1``); ``log Z_spins = sum log(2 cosh h)``.
- :func:`ising_ring`: the 1-D Ising ring with ``N`` (even) spins, coupling ``J`` and field
  ``h``, written as an RBM on its two sublattices; ``log Z`` from the 2x2 transfer matrix,
  ``Z = lambda_+^N + lambda_-^N``.
- :func:`tiny_random_rbm`: a random RBM with both layers small enough to enumerate jointly.

For the spin systems the RBM's log Z differs from the physical one by a known constant:
``log Z_spins = log Z_rbm + offset`` (``ReferenceSystem.offset``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from partition._rng import RNGLike, as_generator
from partition._validation import as_real_array, check_int
from partition.models.rbm import BernoulliRBM, softplus

#: Joint enumeration handles at most this many units per layer.
BRUTE_FORCE_MAX_UNITS = 12


@dataclass(frozen=True)
class ReferenceSystem:
    """A model with a known log Z.

    Attributes
    ----------
    name : str
    model : BernoulliRBM
    log_z : float
        Exact log Z of ``model``.
    offset : float
        ``log Z`` of the physical system the model encodes minus ``log_z`` (0 for plain RBMs).
    description : str
    """

    name: str
    model: BernoulliRBM
    log_z: float
    offset: float = 0.0
    description: str = ""

    @property
    def physical_log_z(self) -> float:
        """log Z of the encoded system (spins), ``log_z + offset``."""
        return self.log_z + self.offset


def brute_force_log_z(model: BernoulliRBM) -> float:
    """log Z by summing ``exp(-E(v, h))`` over every joint state (both layers enumerated).

    Independent of the Gray-code kernels: all states are built explicitly and the joint
    energies summed with SciPy's ``logsumexp``. Both layers must have at most 12 units.

    Examples
    --------
    >>> import numpy as np, partition as pt
    >>> from partition.models.testsystems import brute_force_log_z
    >>> rbm = pt.BernoulliRBM(np.zeros((2, 2)), np.zeros(2), np.zeros(2))
    >>> bool(np.isclose(brute_force_log_z(rbm), 4 * np.log(2)))
    True
    """
    if model.n_visible > BRUTE_FORCE_MAX_UNITS or model.n_hidden > BRUTE_FORCE_MAX_UNITS:
        raise ValueError(
            f"brute_force_log_z enumerates both layers and allows at most "
            f"{BRUTE_FORCE_MAX_UNITS} units each, got {model.n_visible}x{model.n_hidden}"
        )
    v = all_states(model.n_visible)
    h = all_states(model.n_hidden)
    # -E(v, h) for every pair: (2^nv, 2^nh)
    neg_energy = (
        (v @ model.visible_bias)[:, None]
        + (h @ model.hidden_bias)[None, :]
        + v @ model.weights @ h.T
    )
    return float(logsumexp(neg_energy))


def all_states(n: int) -> np.ndarray:
    """All ``2**n`` binary vectors of length ``n`` as rows (float64), in binary order."""
    n = check_int(n, "n", minimum=0)
    return ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.float64)


def zero_weights_rbm(
    n_visible: int, n_hidden: int, *, bias_scale: float = 1.0, rng: RNGLike = None
) -> ReferenceSystem:
    """An RBM with ``W = 0`` and normal biases: the layers are independent.

    Examples
    --------
    >>> from partition.models.testsystems import zero_weights_rbm
    >>> sys = zero_weights_rbm(3, 2, rng=0)
    >>> sys.model.n_visible, sys.model.n_hidden
    (3, 2)
    """
    gen = as_generator(rng)
    b = gen.normal(0.0, bias_scale, check_int(n_visible, "n_visible", minimum=1))
    c = gen.normal(0.0, bias_scale, check_int(n_hidden, "n_hidden", minimum=1))
    model = BernoulliRBM(np.zeros((b.size, c.size)), b, c)
    log_z = float(softplus(b).sum() + softplus(c).sum())
    return ReferenceSystem("zero_weights", model, log_z, 0.0, "W = 0: sum of softplus of biases")


def independent_spins(fields_visible, fields_hidden) -> ReferenceSystem:
    """Spins ``s = +-1`` in fields, no couplings, encoded as a zero-weight RBM.

    With ``s = 2x - 1``: ``h s = 2 h x - h``, so the RBM has biases ``2 h`` and
    ``log Z_spins = log Z_rbm - sum h``. Closed form ``log Z_spins = sum log(2 cosh h)``.

    Examples
    --------
    >>> from partition.models.testsystems import independent_spins
    >>> sys = independent_spins([0.5, -1.0], [0.2])
    >>> round(sys.physical_log_z, 12) == round(
    ...     sum(__import__("math").log(2 * __import__("math").cosh(h)) for h in (0.5, -1, 0.2)), 12)
    True
    """
    hv = as_real_array(fields_visible, "fields_visible", ndim=1)
    hh = as_real_array(fields_hidden, "fields_hidden", ndim=1)
    model = BernoulliRBM(np.zeros((hv.size, hh.size)), 2.0 * hv, 2.0 * hh)
    fields = np.concatenate([hv, hh])
    log_z_spins = float(np.sum(np.log(2.0 * np.cosh(fields))))
    offset = -float(fields.sum())
    return ReferenceSystem(
        "independent_spins",
        model,
        log_z_spins - offset,
        offset,
        "uncoupled +-1 spins: log Z = sum log(2 cosh h)",
    )


def ising_ring(n_spins: int, coupling: float, field: float = 0.0) -> ReferenceSystem:
    """The periodic 1-D Ising chain, ``E(s) = -J sum s_i s_{i+1} - h sum s_i``, as an RBM.

    Even sites are visible, odd sites hidden (a ring of even length is bipartite). With
    ``s = 2x - 1`` each bond gives ``4 J x_i x_j - 2 J (x_i + x_j) + J``, so
    ``W_ij = 4J`` for neighbours, biases ``2h - 4J``, and ``log Z_ising = log Z_rbm + N J -
    N h``. Closed form from the transfer matrix: ``lambda_+- = e^J cosh h +- sqrt(e^{2J}
    sinh^2 h + e^{-2J})`` and ``Z = lambda_+^N + lambda_-^N``.

    Examples
    --------
    >>> import numpy as np
    >>> from partition.models.testsystems import ising_ring
    >>> sys = ising_ring(6, 0.5)
    >>> bool(np.isclose(sys.physical_log_z,
    ...      np.log((2 * np.cosh(0.5)) ** 6 + (2 * np.sinh(0.5)) ** 6)))
    True
    """
    n = check_int(n_spins, "n_spins", minimum=4)
    if n % 2:
        raise ValueError(f"n_spins must be even (a bipartite ring), got {n}")
    j = float(coupling)
    h = float(field)
    if not (math.isfinite(j) and math.isfinite(h)):
        raise ValueError("coupling and field must be finite")
    half = n // 2
    weights = np.zeros((half, half))
    for k in range(half):
        # visible site 2k neighbours hidden sites 2k-1 and 2k+1, i.e. hidden k-1 and k
        weights[k, k] += 4.0 * j
        weights[k, (k - 1) % half] += 4.0 * j
    bias = np.full(half, 2.0 * h - 4.0 * j)
    model = BernoulliRBM(weights, bias, bias.copy())
    root = math.sqrt(math.exp(2 * j) * math.sinh(h) ** 2 + math.exp(-2 * j))
    lam_plus = math.exp(j) * math.cosh(h) + root
    lam_minus = math.exp(j) * math.cosh(h) - root
    ratio = lam_minus / lam_plus
    log_z_ising = n * math.log(lam_plus) + math.log1p(ratio**n)
    offset = n * j - n * h
    return ReferenceSystem(
        "ising_ring",
        model,
        log_z_ising - offset,
        offset,
        f"1-D Ising ring, N={n}, J={j}, h={h}: transfer matrix",
    )


def tiny_random_rbm(
    n_visible: int, n_hidden: int, *, weight_scale: float = 1.0, rng: RNGLike = None
) -> ReferenceSystem:
    """A random RBM (both layers <= 12 units) with log Z by joint brute force.

    Examples
    --------
    >>> from partition.models.testsystems import tiny_random_rbm
    >>> tiny_random_rbm(4, 3, rng=0).model
    BernoulliRBM(n_visible=4, n_hidden=3)
    """
    model = BernoulliRBM.random(n_visible, n_hidden, weight_scale=weight_scale, rng=rng)
    return ReferenceSystem(
        "tiny_random", model, brute_force_log_z(model), 0.0, "random RBM: joint brute force"
    )


def reference_systems(rng: RNGLike = 0) -> list[ReferenceSystem]:
    """A small standard set of every kind, for parametrised tests of estimators.

    Examples
    --------
    >>> from partition.models.testsystems import reference_systems
    >>> [s.name for s in reference_systems()]
    ['zero_weights', 'independent_spins', 'ising_ring', 'ising_ring', 'tiny_random', 'tiny_random']
    """
    gen = as_generator(rng)
    return [
        zero_weights_rbm(8, 5, rng=gen),
        independent_spins(gen.normal(0, 1, 6), gen.normal(0, 1, 4)),
        ising_ring(12, 0.4, 0.1),
        ising_ring(16, 0.8),
        tiny_random_rbm(10, 8, weight_scale=0.5, rng=gen),
        tiny_random_rbm(9, 10, weight_scale=1.0, rng=gen),
    ]

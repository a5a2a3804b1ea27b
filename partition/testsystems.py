"""Test systems with an exact log Z, by name: the targets of :func:`partition.benchmark`.

Every model family of the package has systems here whose log Z is known exactly, by a
route other than a sampler: enumeration of one layer (RBMs), a closed form, an exact
physics formula (Kaufman's for the torus, the Kac-Ward determinant for planar lattices), or
a convergent series. The test suite checks each value against a second, independent route
(joint brute force, the row transfer matrix, Onsager's integral, quadrature, a Laplace
integral of the density itself, importance sampling from exact draws); a system's
``source`` says how its value was obtained.

>>> import partition as pt
>>> len(pt.testsystems.names()) >= 20
True
>>> system = pt.testsystems.get("ising-32x32-kc")
>>> system.model
IsingModel(32x32 periodic, 2048 bonds, coupling=0.44068679350977147)
>>> round(system.log_z, 6)
952.64808
>>> system.transitions
('heat-bath', 'metropolis')

Systems are built on first use and cached. The transitions that apply to a system are the
built-in ones (:data:`TRANSITIONS`) its family accepts; :func:`partition.benchmark` takes
your own as well, and your own systems: ``TestSystem(name=..., description=..., model=...,
log_z=..., source=..., family=...)``.
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["FAMILIES", "TRANSITIONS", "TestSystem", "get", "make_transition", "names"]


def _family_classes() -> tuple[type, ...]:
    """The model classes of the families, each naming itself (``cls.family``), its
    transitions (``cls.transitions()``) and its cost unit (``cls.cost_unit``)."""
    from partition.models.continuous import LogDensity
    from partition.models.gbrbm import GaussianBernoulliRBM
    from partition.models.ising import IsingModel
    from partition.models.rbm import BernoulliRBM

    return (BernoulliRBM, IsingModel, LogDensity, GaussianBernoulliRBM)


#: The families of the systems, as ``TestSystem.family`` names them (read from the classes).
FAMILIES = tuple(cls.family for cls in _family_classes())


def _family_class(family: str) -> type:
    """The model class of a family name of :data:`FAMILIES`."""
    return {cls.family: cls for cls in _family_classes()}[family]


def _transition_factories() -> dict[str, Callable[[], Any]]:
    """Every family's built-in transitions (``Family.transitions()``), in family order."""
    out: dict[str, Callable[[], Any]] = {}
    for family in FAMILIES:
        out.update(_family_class(family).transitions())
    return out


#: The built-in transitions by name, read from the families (``Family.transitions()``):
#: RBMs take block Gibbs, Ising models heat bath and Metropolis, continuous densities
#: random-walk Metropolis, MALA and HMC.
TRANSITIONS = tuple(_transition_factories())


def make_transition(name: str):
    """A new built-in transition object by its name in :data:`TRANSITIONS`.

    Examples
    --------
    >>> from partition.testsystems import make_transition
    >>> make_transition("hmc")  # doctest: +ELLIPSIS
    HMC(...)
    """
    factories = _transition_factories()
    if not isinstance(name, str) or name not in factories:
        raise ValueError(
            f"unknown transition {name!r}; the built-in ones are {', '.join(factories)}"
        )
    return factories[name]()


@dataclass(frozen=True, eq=False)
class TestSystem:
    """A model with an exact log Z.

    Attributes
    ----------
    name : str
        Its name in the registry (:func:`names`).
    description : str
        What it is, in a line.
    model
        The model family instance (:class:`~partition.BernoulliRBM`,
        :class:`~partition.IsingModel`, :class:`~partition.LogDensity`,
        :class:`~partition.GaussianBernoulliRBM`).
    log_z : float
        Its exact log Z.
    source : str
        How ``log_z`` was obtained.
    family : str
        One of :data:`FAMILIES`.
    options : Mapping
        Family options every estimator should get (the digits RBMs' ``data``, which sets
        their base to the data's marginals as Salakhutdinov & Murray do).
    transitions : tuple of str
        The built-in transitions (:data:`TRANSITIONS`) the family accepts (found by trying
        each on the model's annealing path when not given).
    cost_unit : str
        ``"sweeps"`` (discrete and Gaussian-Bernoulli: a transition is one sweep, counted
        over all chains) or ``"evaluations"`` (continuous: evaluations of the log density
        and of its gradient, counted over all chains).
    """

    __test__ = False  # not a pytest test class, despite its name

    name: str
    description: str
    model: Any
    log_z: float
    source: str
    family: str
    options: Mapping[str, Any] = field(default_factory=dict)
    transitions: tuple[str, ...] = ()
    cost_unit: str = "sweeps"

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {self.family!r}")
        kind = _family_class(self.family)
        if not isinstance(self.model, kind):  # a wrong label would mislabel every benchmark row
            raise ValueError(
                f"family={self.family!r} is for {kind.__name__} models, but model is a "
                f"{type(self.model).__name__}"
            )
        if not math.isfinite(self.log_z):
            raise ValueError(f"log_z must be finite, got {self.log_z!r}")
        if self.cost_unit not in ("sweeps", "evaluations"):
            raise ValueError(f"cost_unit must be 'sweeps' or 'evaluations', got {self.cost_unit!r}")
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        try:  # the options, on the family's default path: a typo fails here, not silently
            self.model.annealing_path(**self.options)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"TestSystem {self.name!r}: options {sorted(self.options)}: {exc}"
            ) from None
        if not self.transitions:  # the built-in ones the family takes
            applies = tuple(t for t in TRANSITIONS if self.accepts(t))
            object.__setattr__(self, "transitions", applies)

    def accepts(self, transition) -> bool:
        """Whether the family takes ``transition`` (a name or an object) on its path."""
        if isinstance(transition, str):
            if transition not in TRANSITIONS:
                return False
            transition = make_transition(transition)
        try:
            self.model.annealing_path(transition=transition, **self.options)
        except (TypeError, ValueError):
            return False
        return True

    def __repr__(self) -> str:
        return f"TestSystem({self.name!r}, log_z={self.log_z:.6g}, family={self.family!r})"


# ------------------------------------------------------------------ the systems
KC = 0.5 * math.log(1.0 + math.sqrt(2.0))  # the square lattice's critical coupling


def _rbm_digits(n_hidden):
    from partition import datasets, exact_log_z

    model = datasets.digits_rbm(n_hidden)
    train, _ = datasets.digits()
    return dict(
        model=model,
        log_z=exact_log_z(model).log_z,
        source=f"enumeration of the 2^{n_hidden} hidden states (partition.exact_log_z)",
        description=f"RBM 64x{n_hidden} fitted to the binarised digits (scikit-learn), "
        "base at the data's marginals",
        options={"data": train},
    )


def _rbm_random(n_visible, n_hidden, weight_scale, seed, what):
    from partition import BernoulliRBM, exact_log_z

    model = BernoulliRBM.random(n_visible, n_hidden, weight_scale=weight_scale, rng=seed)
    small = min(n_visible, n_hidden)
    return dict(
        model=model,
        log_z=exact_log_z(model).log_z,
        source=f"enumeration of the 2^{small} states of the smaller layer (partition.exact_log_z)",
        description=f"random RBM {n_visible}x{n_hidden}, weights N(0, {weight_scale}^2): {what}",
    )


def _rbm_tiny():
    from partition import BernoulliRBM
    from partition.models.testsystems import brute_force_log_z

    model = BernoulliRBM.random(10, 8, weight_scale=1.0, rng=7)
    return dict(
        model=model,
        log_z=brute_force_log_z(model),
        source="sum over all 2^18 joint states (both layers)",
        description="random RBM 10x8, small enough to enumerate jointly",
    )


def _rbm_zero_weights():
    from partition import BernoulliRBM
    from partition.models.rbm import softplus

    gen = np.random.default_rng(3)
    b, c = gen.normal(0.0, 1.0, 40), gen.normal(0.0, 1.0, 30)
    return dict(
        model=BernoulliRBM(np.zeros((40, 30)), b, c),
        log_z=float(softplus(b).sum() + softplus(c).sum()),
        source="closed form: sum of softplus of the biases (independent units)",
        description="RBM 40x30 with zero weights: the base-independent units",
    )


def _ising_open(coupling, label):
    from partition import IsingModel
    from partition.models.ising_exact import kac_ward_log_z

    model = IsingModel.square_lattice(16, coupling=coupling, boundary="open")
    return dict(
        model=model,
        log_z=kac_ward_log_z(model),
        source="Kac-Ward determinant (planar lattice, zero field)",
        description=f"Ising 16x16, open boundary, coupling {label}",
    )


def _ising_torus(coupling, label):
    from partition import IsingModel
    from partition.models.ising_exact import kaufman_log_z

    return dict(
        model=IsingModel.square_lattice(32, coupling=coupling),
        log_z=kaufman_log_z(32, 32, coupling),
        source="Kaufman's formula (1949) for the torus",
        description=f"Ising 32x32, periodic, coupling {label}",
    )


def _spin_glass():
    from partition import IsingModel
    from partition.models.ising import square_lattice_edges
    from partition.models.ising_exact import kac_ward_log_z

    n_bonds = square_lattice_edges(16, 16, "open").shape[0]
    couplings = np.random.default_rng(11).normal(0.0, 1.0, n_bonds)
    model = IsingModel.square_lattice(16, coupling=couplings, boundary="open")
    return dict(
        model=model,
        log_z=kac_ward_log_z(model),
        source="Kac-Ward determinant (planar lattice, zero field, any signs)",
        description="Edwards-Anderson spin glass 16x16, open, couplings N(0, 1)",
    )


def _ising_ring():
    from partition import IsingModel
    from partition.models.ising_exact import ring_log_z

    return dict(
        model=IsingModel.ring(20, coupling=0.5, field=0.1),
        log_z=ring_log_z(20, 0.5, 0.1),
        source="closed form: transfer-matrix eigenvalues, Z = l+^N + l-^N",
        description="1-D Ising ring of 20 spins, coupling 0.5, field 0.1",
    )


def _continuous(make, description):
    model = make()
    return dict(
        model=model,
        log_z=float(model.known_log_z),
        source=_CONTINUOUS_SOURCES[description[0]],
        description=description[1],
    )


_CONTINUOUS_SOURCES = {
    "gaussian": "closed form: d/2 log 2 pi + 1/2 log det S",
    "normalised": "normalised by construction (a density of known mass 1)",
    "series": "a convergent double series for each double well's integral",
    "evidence": "closed form: the evidence log N(y; 0, s^2 I + t^2 X X')",
}


def _gbrbm(n_visible, n_hidden, seed):
    from partition import GaussianBernoulliRBM, exact_log_z

    model = GaussianBernoulliRBM.random(n_visible, n_hidden, weight_scale=0.5, rng=seed)
    return dict(
        model=model,
        log_z=exact_log_z(model).log_z,
        source=f"enumeration of the 2^{n_hidden} hidden states, each a Gaussian integral",
        description=f"Gaussian-Bernoulli RBM {n_visible}x{n_hidden}, unit sigma, weights "
        "N(0, 0.5^2)",
    )


def _systems() -> dict[str, tuple[str, Callable[[], dict]]]:
    from partition.models import continuous_systems as cs

    def c(make, kind, text):
        return lambda: _continuous(make, (kind, text))

    return {
        "rbm-digits-64x10": ("rbm", lambda: _rbm_digits(10)),
        "rbm-digits-64x16": ("rbm", lambda: _rbm_digits(16)),
        "rbm-digits-64x20": ("rbm", lambda: _rbm_digits(20)),
        "rbm-random-24x12": ("rbm", lambda: _rbm_random(24, 12, 1.0, 5, "moderate couplings")),
        "rbm-strong-20x16": ("rbm", lambda: _rbm_random(20, 16, 2.5, 9, "strong couplings, "
                                                         "many modes")),
        "rbm-tiny-10x8": ("rbm", _rbm_tiny),
        "rbm-zero-weights-40x30": ("rbm", _rbm_zero_weights),
        "ising-16x16-open-k0.3": ("ising", lambda: _ising_open(0.3, "0.3 (disordered)")),
        "ising-16x16-open-kc": ("ising", lambda: _ising_open(KC, "K_c = 0.4407 (critical)")),
        "ising-16x16-open-k0.6": ("ising", lambda: _ising_open(0.6, "0.6 (ordered)")),
        "ising-32x32-k0.3": ("ising", lambda: _ising_torus(0.3, "0.3 (disordered)")),
        "ising-32x32-kc": ("ising", lambda: _ising_torus(KC, "K_c = 0.4407 (critical)")),
        "ising-32x32-k0.6": ("ising", lambda: _ising_torus(0.6, "0.6 (ordered)")),
        "spin-glass-16x16-open": ("ising", _spin_glass),
        "ising-ring-20": ("ising", _ising_ring),
        "gaussian-10d": ("continuous", c(lambda: cs.correlated_gaussian(10), "gaussian",
                                         "correlated Gaussian, 10-d, condition number 10")),
        "gaussian-100d": ("continuous", c(lambda: cs.correlated_gaussian(100), "gaussian",
                                          "correlated Gaussian, 100-d, condition number 10")),
        "mixture-2d": ("continuous", c(lambda: cs.gaussian_mixture(2), "normalised",
                                       "4 Gaussians in 2-d, 8 sd apart")),
        "mixture-6d-3modes": ("continuous", c(
            lambda: cs.gaussian_mixture(6, n_modes=3), "normalised",
            "3 Gaussians in 6-d, 8 sd apart")),
        "mixture-10d": ("continuous", c(lambda: cs.gaussian_mixture(10), "normalised",
                                        "2 Gaussians in 10-d, 8 sd apart")),
        "funnel-10d": ("continuous", c(lambda: cs.funnel(10), "normalised",
                                       "Neal's funnel, 10-d, v ~ N(0, 9)")),
        "many-well-32d": ("continuous", c(lambda: cs.many_well(32), "series",
                                          "16 double wells, 32-d, 2^16 modes")),
        "regression-5d": ("continuous", c(cs.bayesian_regression, "evidence",
                                          "Bayesian linear regression, 50 points, 5 coefficients")),
        "gbrbm-16x8": ("gbrbm", lambda: _gbrbm(16, 8, 1)),
        "gbrbm-2x6": ("gbrbm", lambda: _gbrbm(2, 6, 4)),
    }  # fmt: skip


@functools.lru_cache(maxsize=1)
def _registry():
    return _systems()


def names(family: str | None = None) -> list[str]:
    """The registered systems' names, optionally of one family (:data:`FAMILIES`).

    Examples
    --------
    >>> import partition as pt
    >>> pt.testsystems.names("gbrbm")
    ['gbrbm-16x8', 'gbrbm-2x6']
    """
    if family is not None and family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)} or None, got {family!r}")
    return [n for n, (fam, _) in _registry().items() if family is None or fam == family]


@functools.cache
def get(name: str) -> TestSystem:
    """The system called ``name`` (:func:`names`), built on first use and cached.

    Examples
    --------
    >>> import partition as pt
    >>> s = pt.testsystems.get("rbm-tiny-10x8")
    >>> s.family, s.cost_unit, s.transitions
    ('rbm', 'sweeps', ('block-gibbs',))
    """
    registry = _registry()
    if not isinstance(name, str) or name not in registry:
        close = difflib.get_close_matches(str(name), list(registry), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(
            f"unknown test system {name!r}{hint}; partition.testsystems.names() lists them "
            "(or `partition bench --list`)"
        )
    family, build = registry[name]
    return TestSystem(
        name=name,
        family=family,
        cost_unit=_family_class(family).cost_unit,
        **build(),
    )

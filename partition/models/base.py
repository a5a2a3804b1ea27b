"""The protocols a model family implements to plug into every estimator.

A *model family* (``BernoulliRBM``, ``IsingModel``, or one of your own) is an object with an
unnormalised log density over states ``(n_chains, n_units)`` and an *annealing path*: a
geometric path ``p*_beta`` from a base distribution that can be sampled exactly and whose
log Z is known (``beta = 0``) to the model (``beta = 1``). The estimators in
:mod:`partition.estimators` use nothing else: forward and reverse AIS, BDMC, RAISE and
linked importance sampling all run through one annealing driver
(:func:`partition.estimators.annealing.anneal`), which owns the per-chain random streams,
the segments (a kernel call each, with Ctrl-C and the progress bar between them), the
compilation warm-up and the timing. Exact values are optional capabilities.

These are :class:`typing.Protocol` classes: a family implements them by having the methods,
without inheriting from anything. ``isinstance(model, ModelFamily)`` checks the names only.

Example: the Bernoulli RBM's annealing path with its family options (the base model and its
data, the precision and the kernel driver), as ``pt.ais(rbm, data=train)`` passes them.

>>> import partition as pt
>>> from partition.models.base import AnnealingPath, ModelFamily
>>> rbm = pt.BernoulliRBM.random(6, 4, rng=0)
>>> isinstance(rbm, ModelFamily)
True
>>> path = rbm.annealing_path(base="uniform")
>>> isinstance(path, AnnealingPath), path.n_units, round(path.log_z_base, 4)
(True, 6, 6.9315)
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "NUMPY",
    "AnnealingPath",
    "Backend",
    "ExactLogZ",
    "ExactSampler",
    "ModelFamily",
    "Runner",
    "SegmentRunner",
    "require",
    "sweeps_in_segment",
    "sweeps_in_smc",
]


class Backend:
    """Where a runner's chains live for a whole run: the seam between the drivers and a
    runner's arrays.

    The annealing driver gives a runner's :meth:`put` the chains' states, streams and log
    weights once, before the first segment; every ``advance`` works on what it returned;
    :meth:`get` copies them back once, after the last segment (or at Ctrl-C). This class,
    as :data:`NUMPY`, is the reference backend: the arrays stay the NumPy arrays of this
    process, with no copies. A device backend (``partition.kernels.cuda_rbm``) keeps them in
    device memory for the run, so a segment copies nothing.

    Examples
    --------
    >>> import numpy as np
    >>> from partition.models.base import NUMPY
    >>> x = np.zeros(3)
    >>> NUMPY.put(x) is x
    True
    """

    #: A short name for ``info`` and error messages.
    name = "numpy"

    def put(self, array: np.ndarray) -> Any:
        """``array`` where the runner works on it (here: ``array`` itself)."""
        return array

    def get(self, array: Any, out: np.ndarray) -> None:
        """Copy ``array`` (what :meth:`put` returned, since advanced) into ``out``."""
        if array is not out:
            out[...] = array


#: The reference backend: NumPy arrays in this process.
NUMPY = Backend()


@runtime_checkable
class SegmentRunner(Protocol):
    """Advances all chains through a segment of the schedule: a kernel call.

    ``advance(betas, transition_at_end, states, streams, log_w)``: for ``k = 1 ..
    len(betas) - 1``, add the weight increment ``log p*_{beta_k}(x) - log p*_{beta_{k-1}}(x)``
    to ``log_w`` and make the transitions (sweeps) at ``beta_k``, except after the segment's
    last beta unless ``transition_at_end``. ``states`` and ``streams`` (the per-chain random
    streams of :mod:`partition.kernels._random`) are updated in place, so a run can be cut
    into segments. With a single beta it must change nothing: the driver calls it so first,
    to compile the kernels apart from the timed run.
    """

    #: Temperatures per call at most (about 0.1 s of work: Ctrl-C is seen between calls).
    segment_length: int
    #: What the run reports in ``info`` (the kernel driver, the transition, ...).
    info: dict[str, Any]
    #: Where ``advance``'s arrays live (:class:`Backend`; :data:`NUMPY`: NumPy arrays).
    backend: Backend

    def advance(
        self,
        betas: np.ndarray,
        transition_at_end: bool,
        states: np.ndarray,
        streams: np.ndarray,
        log_w: np.ndarray,
    ) -> None: ...


@runtime_checkable
class AnnealingPath(Protocol):
    """A geometric path ``p*_beta`` from a tractable base (``beta = 0``) to the model."""

    #: log Z of the base distribution.
    log_z_base: float
    #: Width of a state: states are ``(n_chains, n_units)``.
    n_units: int

    def describe(self) -> dict[str, Any]:
        """What the result's ``info`` records about the path (base, precision, ...)."""
        ...

    def log_f(self, states: np.ndarray, beta: float) -> np.ndarray:
        """``log p*_beta(x)`` for states ``(n, n_units)`` (NumPy; the kernels' reference).

        SMC's adaptive search (:func:`partition.smc`) calls it for many ``beta`` on the
        same states; a path may also offer ``log_f_function(states)``, returning a callable
        ``beta -> log_f(states, beta)`` that does the products once (the built-in families
        do), which the search then uses instead."""
        ...

    def validate_states(self, states, name: str) -> np.ndarray:
        """States given by a user (starting points of chains), checked; errors name ``name``."""
        ...

    def new_states(self, n_chains: int) -> np.ndarray:
        """An uninitialised state array ``(n_chains, n_units)`` in the kernels' dtype."""
        ...

    def sample_base(self, states: np.ndarray, streams: np.ndarray) -> None:
        """Exact draws of the base distribution into ``states``, chain ``c`` from stream ``c``."""
        ...

    def runner(
        self, n_chains: int, n_sweeps: int, betas: np.ndarray
    ) -> AbstractContextManager[SegmentRunner]:
        """The segment runner for a run of ``n_chains`` chains through the whole schedule
        ``betas`` (a context: thread limits; paths that tune their transitions to the
        schedule, by a pilot run, see it here). The AIS driver then calls ``advance`` on
        consecutive segments of ``betas``, after one call on ``betas[:1]``. SMC
        (:func:`partition.smc`) with an adaptive schedule passes a grid instead and calls
        ``advance`` on pairs of temperatures it chooses as it goes, between the grid's
        points: a runner that tunes to ``betas`` must interpolate there (the continuous
        family interpolates its pilot's log step sizes in beta)."""
        ...


@runtime_checkable
class ModelFamily(Protocol):
    """A model that every annealing estimator accepts."""

    #: What a state looks like (the sizes of the layers): two models can be bridged only when
    #: their state shapes agree.
    state_shape: tuple[int, ...]

    def log_unnormalized_prob(self, states) -> np.ndarray:
        """``log p*(x)`` (``-energy``; summed over hidden units where there are any)."""
        ...

    def validate_states(self, states, name: str) -> np.ndarray:
        """States ``(n, n_units)`` of this model, checked; every error names ``name``."""
        ...

    def annealing_path(self, *, transition=None, **options) -> AnnealingPath:
        """The annealing path with the family's options (validated here, before any run)."""
        ...


@runtime_checkable
class ExactLogZ(Protocol):
    """A family that can compute log Z exactly (enumeration or a closed form)."""

    def compute_exact_log_z(self, *, max_terms: float, progress: bool) -> tuple[float, dict]:
        """``(log Z, info)``; a ``ValueError`` before any work when it would be too large."""
        ...


@runtime_checkable
class ExactSampler(Protocol):
    """A family that can draw independent exact samples (for reverse AIS, BDMC, bridges)."""

    def can_sample_exactly(self) -> bool:
        """Whether :meth:`sample_exactly` will work for this model (cheap, draws nothing)."""
        ...

    def sample_exactly(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` independent exact samples ``(n, n_units)``."""
        ...


@dataclass
class Runner:
    """A ready-made :class:`SegmentRunner`: a kernel call, its segment length and its info.

    ``AnnealingPath.runner`` may yield one, e.g. ``yield Runner(advance, 200, {"driver":
    "mine"})`` inside a ``contextlib.contextmanager``.
    """

    advance: Callable[..., None]
    segment_length: int
    info: dict[str, Any] = field(default_factory=dict)
    #: SMC on a fixed schedule in compiled code, ``smc(betas, segment, states, streams,
    #: log_w) -> int`` (:meth:`partition.engine.EngineRunner.smc`), when the path has it;
    #: without it :func:`partition.smc` steps from Python, a call of ``advance`` a move.
    smc: Callable[..., int] | None = None
    #: Where ``advance``'s arrays live; ``smc`` takes NumPy arrays whatever it is.
    backend: Backend = NUMPY


def sweeps_in_segment(betas, transition_at_end: bool, n_sweeps: int, n_chains: int) -> int:
    """Transitions (sweeps) a segment ``advance(betas, transition_at_end, ...)`` makes over
    ``n_chains`` chains: one set at each temperature after the first, except the last unless
    ``transition_at_end``; for runners that report ``n_steps``."""
    return max(len(betas) - (1 if transition_at_end else 2), 0) * n_sweeps * n_chains


def sweeps_in_smc(t_start: int, reached: int, n_sweeps: int, n_chains: int) -> int:
    """Transitions an SMC call ``smc(betas, segment, ...)`` made over ``n_chains`` particles:
    one set at each temperature from ``t_start`` (none at the base, 0) up to the one it
    ``reached`` (a negative ``reached = -(t + 1)``, a call stopped by bad increments at
    ``t``, counts up to ``t``)."""
    end = reached if reached >= 0 else -reached - 1
    return max(end - max(t_start, 1), 0) * n_sweeps * n_chains


def require(model: Any, protocol: type, what: str) -> None:
    """A ``TypeError`` naming the missing methods when ``model`` lacks ``protocol``."""
    if isinstance(model, protocol):
        return
    names = [n for n in _members(protocol) if not hasattr(model, n)]
    raise TypeError(
        f"{what} needs a model implementing {protocol.__name__} "
        f"(partition.models.base); {type(model).__name__} lacks {', '.join(names)}"
    )


def _members(protocol: type) -> list[str]:
    names = set(getattr(protocol, "__annotations__", {}))
    names |= {name for name, value in vars(protocol).items() if callable(value)}
    return sorted(name for name in names if not name.startswith("_"))

"""Transitions: the moves that keep each intermediate distribution of an annealing path.

Every family names the built-in transitions it takes (``Family.transitions()``, and
``model.annealing_path(transition=...)``); each reports statistics that end up in the
estimate's ``info`` (``acceptance_rate``, ``n_steps``, and per family ``flip_rate``,
``step_sizes``, ``n_gradient_evaluations``).

**Discrete families** run compiled, cached kernels; their transitions are objects that
select the update and carry its NumPy ``reference(path, states, beta, uniforms)``, one sweep
over all chains from the same uniforms, to which the tests hold the kernels:

- :class:`BlockGibbs` (RBMs; the string ``"gibbs"``): ``h | v`` then ``v | h``;
- :class:`HeatBath` (Ising; ``"gibbs"``) and :class:`Metropolis` (Ising; ``"metropolis"``):
  single-site updates in colour-class order, steps of the population engine
  (:mod:`partition.engine`);
- :class:`Step`: a numba step of your own, for Ising models and both RBM families, run by
  the same engine.

**Continuous targets** (:class:`~partition.LogDensity`): random-walk Metropolis, MALA and
HMC, and your own. A transition advances every chain by one step at an inverse temperature
``beta`` of the annealing path ``log f_beta = (1 - beta) log b + beta log p*`` (``b`` the
Gaussian base of a :class:`~partition.LogDensity`). It is an object with

- ``step``: a numba function (the signature is in :mod:`partition.kernels.continuous`) that
  the AIS driver calls inside its compiled loop over chains, so a step costs what the density
  costs;
- ``reference(log_f, grad_f, x, beta, params, uniforms)``: the same step in NumPy over all
  chains at once, from the same uniforms; the tests hold ``step`` to it, and densities given
  as vectorised NumPy functions run on it;
- ``n_uniforms(dim)``: how many uniforms a step takes from a chain's stream (a fixed count);
- ``params(dim)``: the float vector handed to ``step`` (``params[0]``, the step size, is set
  per temperature by the driver); ``needs_gradient``; ``step_size``; ``target_accept`` and
  ``adapt``.

**Step-size adaptation, and why the weights stay valid.** With ``adapt=True`` (the default)
a *pilot run* of its own chains (``n_pilot``, on streams disjoint from the run's) walks the
schedule first and tunes the step size: at each temperature ``log eps`` moves by ``2 (mean
acceptance - target_accept)``. The run then uses the pilot's step size at each temperature.
The AIS argument (Neal 2001) needs each transition to leave its ``f_beta`` invariant and to
be fixed before the chain that uses it starts: adapting a chain from its own past (or from
the other chains of the same run) breaks the second condition and biases the weights, while
a schedule of step sizes fixed by an independent pilot does not. The pilot costs
``n_pilot / n_chains`` of the run.

Write your own: a numba step with the signature above and an object carrying it (subclass
:class:`Transition` for the adaptation fields). The numba helpers a step needs are
public here: :func:`uniform_at` (the chain's stream at an index), :func:`fill_normals`
(normals by inversion, one uniform each), :func:`log_base` and :func:`tempered_grad` (the
base's part of the tempered density) and :func:`metropolis` (the accept/reject decision).
The documentation's page "Bringing your own model or sampler" (the README's section "Bring
your own model or sampler") runs an example, and ``tests/models/test_continuous.py`` holds
one written outside the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from scipy.special import expit, ndtri

from partition._validation import (
    check_int,
    check_positive_float,
    check_probability,
    check_real,
)
from partition.kernels._random import uniform_at
from partition.kernels.continuous import (
    HALF_BIN,
    fill_normals,
    hmc_step,
    log_base,
    mala_step,
    metropolis,
    rwm_step,
    tempered_grad,
)

__all__ = [
    "HMC",
    "MALA",
    "BlockGibbs",
    "HeatBath",
    "Metropolis",
    "RandomWalk",
    "Step",
    "Transition",
    "fill_normals",
    "log_base",
    "metropolis",
    "normals_from_uniforms",
    "tempered_grad",
    "uniform_at",
]


def normals_from_uniforms(uniforms: np.ndarray) -> np.ndarray:
    """Normals as the kernels draw them, one per uniform: ``Phi^-1(u + 2^-54)`` (see
    :mod:`partition.kernels.continuous`); ``uniforms`` ``(..., d)`` gives normals ``(..., d)``."""
    q = (np.asarray(uniforms, dtype=np.float64) - 0.5) + HALF_BIN  # exact, as in the kernels
    return np.where(q < 0.0, ndtri(0.5 + q), -ndtri(0.5 - q))


def _tempered(log_f_parts, x, beta):
    lp, lb = log_f_parts(x)
    return (1.0 - beta) * lb + beta * lp, lp, lb


@dataclass
class Transition:
    """Fields shared by the built-in transitions (and available to yours).

    Parameters
    ----------
    step_size : float
        The initial step size (the pilot starts there), or the step size when
        ``adapt=False``.
    target_accept : float
        Mean acceptance probability the pilot aims at.
    adapt : bool
        Tune the step size per temperature by a pilot run (see the module docstring).
    n_pilot : int
        Chains of the pilot run (at most the run's own number of chains).
    step_jitter : float
        With ``j > 0`` each step's size is ``eps exp(-j u)``, ``u`` uniform from the chain's
        stream: down to ``e^-j`` of the tuned size. Valid for AIS (a mixture, over a step
        size drawn independently of the state, of kernels that each leave ``f_beta``
        invariant), and it lets chains into regions that need small steps: on Neal's
        funnel (300 chains, 1,000 temperatures, 12 seeds) HMC-AIS with ``j = 3`` is low by
        0.057 nats on average and within 4 s.e. in 11 runs, against 0.176 nats and 7 runs
        without. The pilot tunes ``eps`` without jitter.
    """

    step_size: float = 0.5
    target_accept: float = 0.65
    adapt: bool = True
    n_pilot: int = 32
    step_jitter: float = 0.0
    name: str = field(default="transition", init=False)
    needs_gradient: bool = field(default=False, init=False)
    step: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check (and normalise) the fields. They stay plain attributes after construction,
        so a field set later (``t.n_leapfrog = 0``) is caught when a run takes the
        transition: every annealing path calls this before any work. Subclasses with fields
        of their own extend it."""
        self.step_size = check_positive_float(self.step_size, "step_size")
        self.target_accept = check_probability(self.target_accept, "target_accept")
        if not isinstance(self.adapt, bool):
            raise TypeError(f"adapt must be True or False, got {self.adapt!r}")
        self.n_pilot = check_int(self.n_pilot, "n_pilot", minimum=2)
        self.step_jitter = check_real(self.step_jitter, "step_jitter")
        if not 0.0 <= self.step_jitter <= 20.0:
            raise ValueError(f"step_jitter must lie in [0, 20], got {self.step_jitter}")

    def params(self, dim: int) -> np.ndarray:  # noqa: ARG002 - transitions may use dim
        """The vector passed to ``step``; ``params[0]`` is the step size."""
        return np.array([self.step_size])

    def n_uniforms(self, dim: int) -> int:
        """Uniforms a step draws from a chain's stream: 1 per normal, 1 to accept."""
        return dim + 1

    def gradients_per_step(self) -> int:
        return 0

    def describe(self) -> dict[str, Any]:
        return {
            "transition": self.name,
            "step_size_initial": self.step_size,
            "target_accept": self.target_accept,
            "adapted": self.adapt,
            "step_jitter": self.step_jitter,
        }


@dataclass
class RandomWalk(Transition):
    """Random-walk Metropolis: ``x' = x + eps z``, ``z ~ N(0, I)``; no gradient.

    ``target_accept`` defaults to 0.234 (Roberts, Gelman & Gilks 1997).

    Examples
    --------
    >>> import partition as pt
    >>> pt.transitions.RandomWalk(step_size=0.3).describe()["transition"]
    'rwm'
    """

    target_accept: float = 0.234

    def __post_init__(self) -> None:
        super().__post_init__()
        self.name, self.step = "rwm", rwm_step

    def reference(self, log_f_parts, grad_f, x, beta, params, uniforms):  # noqa: ARG002
        """The step in NumPy for all chains: ``x`` (n, d), ``uniforms`` (n, d + 1)."""
        d = x.shape[1]
        y = x + params[0] * normals_from_uniforms(uniforms[:, :d])
        f_x, _, _ = _tempered(log_f_parts, x, beta)
        f_y, lp, _ = _tempered(log_f_parts, y, beta)
        with np.errstate(over="ignore", invalid="ignore"):
            accept = np.where(np.isfinite(lp), np.minimum(1.0, np.exp(f_y - f_x)), 0.0)
        take = np.isfinite(lp) & (uniforms[:, d] < accept)
        return np.where(take[:, None], y, x), accept


@dataclass
class MALA(Transition):
    """Metropolis-adjusted Langevin: ``x' = x + eps^2/2 grad log f_beta(x) + eps z``.

    Needs ``grad_log_prob``; one gradient per step. ``target_accept`` defaults to 0.574
    (Roberts & Rosenthal 1998).

    Examples
    --------
    >>> import partition as pt
    >>> pt.transitions.MALA().needs_gradient
    True
    """

    target_accept: float = 0.574

    def __post_init__(self) -> None:
        super().__post_init__()
        self.name, self.step, self.needs_gradient = "mala", mala_step, True

    def gradients_per_step(self) -> int:
        return 1

    def reference(self, log_f_parts, grad_f, x, beta, params, uniforms):
        d = x.shape[1]
        eps = params[0]
        half = 0.5 * eps * eps
        z = normals_from_uniforms(uniforms[:, :d])
        g_x = grad_f(x, beta)
        y = x + half * g_x + eps * z
        g_y = grad_f(y, beta)
        f_x, _, _ = _tempered(log_f_parts, x, beta)
        f_y, _, _ = _tempered(log_f_parts, y, beta)
        back = np.sum((x - y - half * g_y) ** 2, axis=1)
        log_ratio = f_y - f_x + 0.5 * np.sum(z * z, axis=1) - back / (4.0 * half)
        with np.errstate(over="ignore", invalid="ignore"):
            accept = np.where(np.isfinite(log_ratio), np.minimum(1.0, np.exp(log_ratio)), 0.0)
        take = np.isfinite(log_ratio) & (uniforms[:, d] < accept)
        return np.where(take[:, None], y, x), accept


@dataclass
class HMC(Transition):
    """Hamiltonian Monte Carlo with ``n_leapfrog`` leapfrog steps of size ``step_size``.

    Needs ``grad_log_prob``; ``n_leapfrog`` gradients per step. ``target_accept`` defaults
    to 0.65 (Beskos et al. 2013).

    Examples
    --------
    >>> import partition as pt
    >>> pt.transitions.HMC(n_leapfrog=10).gradients_per_step()
    10
    """

    n_leapfrog: int = 10

    def __post_init__(self) -> None:
        super().__post_init__()
        self.name, self.step, self.needs_gradient = "hmc", hmc_step, True

    def validate(self) -> None:
        super().validate()
        self.n_leapfrog = check_int(self.n_leapfrog, "n_leapfrog", minimum=1, maximum=10_000)

    def params(self, dim: int) -> np.ndarray:  # noqa: ARG002
        return np.array([self.step_size, float(self.n_leapfrog)])

    def gradients_per_step(self) -> int:
        return self.n_leapfrog

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "n_leapfrog": self.n_leapfrog}

    def reference(self, log_f_parts, grad_f, x, beta, params, uniforms):
        d = x.shape[1]
        eps, n_leapfrog = params[0], int(params[1])
        p = normals_from_uniforms(uniforms[:, :d])
        q = x.copy()
        kinetic0 = np.sum(p * p, axis=1)
        p = p + 0.5 * eps * grad_f(q, beta)  # half kicks of consecutive steps merged
        for step in range(n_leapfrog):
            q = q + eps * p
            p = p + (0.5 * eps if step == n_leapfrog - 1 else eps) * grad_f(q, beta)
        f_x, _, _ = _tempered(log_f_parts, x, beta)
        f_q, _, _ = _tempered(log_f_parts, q, beta)
        log_ratio = f_q - f_x + 0.5 * (kinetic0 - np.sum(p * p, axis=1))
        with np.errstate(over="ignore", invalid="ignore"):
            accept = np.where(np.isfinite(log_ratio), np.minimum(1.0, np.exp(log_ratio)), 0.0)
        take = np.isfinite(log_ratio) & (uniforms[:, d] < accept)
        return np.where(take[:, None], q, x), accept


# ---------------------------------------------------------------------------- discrete
@dataclass(frozen=True)
class BlockGibbs:
    """Block Gibbs for RBMs, Bernoulli and Gaussian-Bernoulli (the string ``"gibbs"``):
    every hidden unit from ``p_beta(h | v)``, then every visible unit from ``p_beta(v | h)``
    (Salakhutdinov & Murray 2008). Exact conditional draws: every update is accepted.

    Compiled into the families' drivers (:mod:`partition.kernels.rbm`,
    :mod:`partition.kernels.gbrbm`); a sweep takes ``n_hidden`` uniforms, then
    ``n_visible`` (binary draws, or normals by inversion), from each chain's stream.

    Examples
    --------
    >>> import partition as pt
    >>> rbm = pt.BernoulliRBM.random(6, 4, rng=0)
    >>> pt.ais(rbm, n_chains=20, schedule=50, transition=pt.transitions.BlockGibbs(),
    ...        rng=0).info["transition"]
    'gibbs'
    """

    name: ClassVar[str] = "gibbs"

    def describe(self) -> dict[str, Any]:
        return {"transition": self.name, "update": "block Gibbs: h | v, then v | h"}

    def n_uniforms(self, path) -> int:
        """Uniforms a sweep takes from each chain's stream."""
        return path.model.n_hidden + path.model.n_visible

    def reference(self, path, states, beta, uniforms):
        """One sweep in NumPy for all chains from ``n_hidden + n_visible`` uniforms a chain
        (the path's ``block_gibbs_reference``: the conditionals are the family's). Returns the
        new states and the acceptance per chain (ones)."""
        return path.block_gibbs_reference(states, beta, uniforms)


def block_gibbs(transition, family: str):
    """``transition`` as the RBM families take it: None, ``"gibbs"``, a :class:`BlockGibbs`
    or a :class:`Step` of the user's; anything else is refused naming ``family``."""
    if transition is None or (isinstance(transition, str) and transition == "gibbs"):
        return BlockGibbs()
    if isinstance(transition, BlockGibbs | Step):
        return transition
    raise ValueError(
        "transition must be 'gibbs', pt.transitions.BlockGibbs() or a pt.transitions.Step "
        f"for {family}, got {transition!r}"
    )


@dataclass(frozen=True)
class _SiteUpdate:
    """Single-site updates of an Ising model, site by site in colour-class order (within a
    class the sites are independent, so the kernel decides a class at once and gets the
    sequential sweep exactly); site ``t`` of the order uses the chain's ``t``-th uniform of
    the sweep. ``rule`` selects the kernel's update."""

    name: ClassVar[str] = ""
    rule: ClassVar[int] = -1

    def describe(self) -> dict[str, Any]:
        return {"transition": self.name, "update": self.__doc__.split(":")[0].strip()}

    def n_uniforms(self, path) -> int:
        return path.model.n_spins

    def _flips(self, beta, spins, local, u):
        raise NotImplementedError

    def reference(self, path, states, beta, uniforms):
        """One sweep in NumPy for all chains: spins ``(n, n_spins)`` of +-1, ``uniforms``
        ``(n, n_spins)``. Returns the new spins and each chain's fraction of sites flipped."""
        p = path.params
        s = np.array(states, dtype=np.float64)
        flipped = np.zeros(s.shape[0])
        for t, i in enumerate(path.order):
            nbrs = slice(p.indptr[i], p.indptr[i + 1])
            local = p.fields[i] + s[:, p.indices[nbrs]] @ p.couplings[nbrs]
            go = self._flips(beta, s[:, i], local, uniforms[:, t])
            s[go, i] = -s[go, i]
            flipped += go
        return s, flipped / s.shape[1]


@dataclass(frozen=True)
class HeatBath(_SiteUpdate):
    """Heat bath (Gibbs): ``s_i = +1`` with probability ``sigmoid(2 beta l_i)``, ``l_i = h_i +
    sum_j J_ij s_j``, for Ising models (the string ``"gibbs"``). Always accepted; ``info``
    reports the fraction of updates that flip a spin (``flip_rate``).

    Examples
    --------
    >>> import partition as pt
    >>> lattice = pt.IsingModel.square_lattice(4, coupling=0.3)
    >>> pt.ais(lattice, n_chains=20, schedule=50, transition=pt.transitions.HeatBath(),
    ...        rng=0).info["transition"]
    'gibbs'
    """

    name: ClassVar[str] = "gibbs"
    rule: ClassVar[int] = 0

    @property
    def step(self):
        """The engine's step (:mod:`partition.engine`): one sweep at ``beta``."""
        from partition.kernels.ising import heat_bath_step

        return heat_bath_step

    def _flips(self, beta, spins, local, u):
        up = u < expit(2.0 * beta * local)
        return up != (spins > 0.0)


@dataclass(frozen=True)
class Metropolis(_SiteUpdate):
    """Single-site Metropolis: flip ``s_i`` with probability ``min(1, exp(-beta dE))``, ``dE =
    2 s_i l_i``, for Ising models (the string ``"metropolis"``). ``info`` reports the
    acceptance rate (the fraction of proposed flips made).

    Examples
    --------
    >>> import partition as pt
    >>> lattice = pt.IsingModel.square_lattice(4, coupling=0.3)
    >>> est = pt.ais(lattice, n_chains=20, schedule=50, transition=pt.transitions.Metropolis(),
    ...              rng=0)
    >>> 0.0 < est.info["acceptance_rate"] < 1.0
    True
    """

    name: ClassVar[str] = "metropolis"
    rule: ClassVar[int] = 1

    @property
    def step(self):
        """The engine's step (:mod:`partition.engine`): one sweep at ``beta``."""
        from partition.kernels.ising import metropolis_step

        return metropolis_step

    def _flips(self, beta, spins, local, u):
        d_energy = 2.0 * spins * local
        with np.errstate(over="ignore"):
            return (d_energy <= 0.0) | (u < np.exp(-beta * d_energy))


# ------------------------------------------------------------------ steps from outside
@dataclass(frozen=True)
class Step:
    """A step written outside the package, for a discrete family on the population engine
    (:mod:`partition.engine`): an Ising model or an RBM takes it as ``transition=``.

    ``function`` is a numba function with the engine's step signature::

        step(model, x, cache, beta, tune, key, gamma, counter, scratch, chain_state, stats)
            -> counter

    It moves one chain ``x`` at inverse temperature ``beta`` in place, keeping the family's
    ``cache`` true for the new ``x`` (the family documents ``model``, ``cache`` and
    ``scratch``: :class:`~partition.IsingModel` and :class:`~partition.BernoulliRBM` under
    ``annealing_path``), draws its random numbers from the chain's stream at ``counter + 1,
    ...`` (:func:`uniform_at`) and returns the advanced counter. ``stats`` is the chain's row
    of statistics, one column per name in ``stats``: the step adds to them, and ``info``
    reports each as a mean per step (``info["step_stats"]``), the column named
    ``"acceptance"`` also as ``acceptance_rate``. ``chain_state`` is the chain's row of
    ``n_chain_state`` floats, zero at the start of a run and kept between temperatures.

    The step must leave each ``p_beta`` of the path invariant (detailed balance, or an
    exact conditional draw); every estimator then uses it as it would a built-in step.
    Compiled once per process (numba does not cache functions passed as arguments).

    Examples
    --------
    A Metropolis sweep for Ising models, site by site in index order:

    >>> import numba, numpy as np
    >>> import partition as pt
    >>> @numba.njit
    ... def flip_sweep(model, s, cache, beta, tune, key, gamma, counter, scratch,
    ...                chain_state, stats):
    ...     indptr, indices, couplings, fields = model[0], model[1], model[2], model[3]
    ...     for i in range(s.shape[0]):
    ...         local = fields[i]
    ...         for p in range(indptr[i], indptr[i + 1]):
    ...             local += couplings[p] * s[indices[p]]
    ...         d_energy = 2.0 * s[i] * local
    ...         counter += np.uint64(1)
    ...         if pt.transitions.uniform_at(key, gamma, counter) < np.exp(-beta * d_energy):
    ...             s[i] = -s[i]
    ...             cache[0] += d_energy
    ...             stats[0] += 1.0 / s.shape[0]
    ...     return counter
    >>> lattice = pt.IsingModel.square_lattice(4, coupling=0.3)
    >>> step = pt.transitions.Step(flip_sweep, name="my-metropolis", stats=("acceptance",))
    >>> est = pt.ais(lattice, n_chains=50, schedule=100, transition=step, rng=0)
    >>> est.info["transition"], 0.0 < est.info["acceptance_rate"] < 1.0
    ('my-metropolis', True)
    """

    function: Any
    name: str = "custom"
    stats: tuple[str, ...] = ()
    n_chain_state: int = 0

    def __post_init__(self) -> None:
        if not hasattr(self.function, "py_func"):
            raise TypeError(
                "function must be a numba function (decorate it with @numba.njit), got "
                f"{self.function!r}"
            )
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        if isinstance(self.stats, str) or not all(isinstance(n, str) for n in self.stats):
            raise TypeError(f"stats must be a tuple of names, got {self.stats!r}")
        object.__setattr__(self, "stats", tuple(self.stats))
        check_int(self.n_chain_state, "n_chain_state", minimum=0, maximum=1_000_000)

    @property
    def step(self):
        return self.function

    def describe(self) -> dict[str, Any]:
        return {"transition": self.name, "update": "a step given by the user"}

    def report(self, stats: np.ndarray, n_steps: int) -> dict[str, Any]:
        """``info`` entries from the chains' summed statistics ``(n_chains, len(stats))``."""
        totals = stats.sum(0)
        per_step = {
            name: float(total / n_steps) if n_steps else float("nan")
            for name, total in zip(self.stats, totals, strict=True)
        }
        out: dict[str, Any] = {"step_stats": per_step}
        if "acceptance" in per_step:
            out["acceptance_rate"] = per_step["acceptance"]
        return out

"""The Ising family's annealing path: ``p_beta(s) ~ exp(-beta E(s))`` from ``beta = 0``.

At ``beta = 0`` the spins are independent and fair, ``log Z_0 = n_spins log 2``, and exact
samples are free. Transitions are sweeps of heat-bath Gibbs or Metropolis updates, colour
class by colour class (the checkerboard order on bipartite graphs; see
:mod:`partition.kernels.ising`).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Any

import numpy as np

from partition.engine import EngineRunner, bind
from partition.kernels.ising import (
    heat_bath_segment,
    heat_bath_smc,
    heat_bath_step,
    ising_increment,
    ising_init,
    local_fields,
    metropolis_segment,
    metropolis_smc,
    metropolis_step,
    sample_uniform_spins,
)
from partition.transitions import HeatBath, Metropolis

_SEGMENT = 200


def sweep_order(model) -> tuple[np.ndarray, np.ndarray]:
    """Sites grouped in colour classes (independent sets), and the class bounds.

    Bipartite graphs get their two sublattices (the checkerboard order); other graphs a
    greedy colouring in index order.
    """
    colour = model.two_coloring()
    if colour is None:
        p = model.params
        colour = np.full(model.n_spins, -1, dtype=np.int64)
        for i in range(model.n_spins):
            taken = set(colour[p.indices[p.indptr[i] : p.indptr[i + 1]]].tolist())
            colour[i] = next(k for k in range(len(taken) + 1) if k not in taken)
    order = np.argsort(colour, kind="stable").astype(np.int64)
    counts = np.bincount(colour)
    class_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return order, class_ptr


class IsingAnnealingPath:
    """Forward AIS for an :class:`~partition.IsingModel` from independent spins."""

    def __init__(self, model, transition):
        self.model = model
        self.transition = transition
        self.params = model.params
        self.order, self.class_ptr = sweep_order(model)
        self.log_z_base = model.n_spins * math.log(2.0)

    def describe(self) -> dict[str, Any]:
        return {
            "base": "uniform spins",
            "log_z_base": self.log_z_base,
            **self.transition.describe(),
            "n_colour_classes": int(self.class_ptr.size - 1),
        }

    def log_f(self, states: np.ndarray, beta: float) -> np.ndarray:
        """``log p*_beta(s) = -beta E(s)``."""
        return -beta * self.model.energy(states)

    def log_f_function(self, states: np.ndarray):
        """``beta -> log_f(states, beta)`` with the energies computed once, as
        ``-s' J s / 2 - h' s`` with the local fields ``J s`` summed over the neighbour lists
        by a kernel (:func:`~partition.kernels.ising.local_fields`; SciPy's sparse product
        took 15 ms for 1,000 states of 32 x 32 spins, most of it copying transposes, the
        reference's gather over bonds 80 ms)."""
        p = self.params
        states = np.ascontiguousarray(states, dtype=np.float64)
        fields = np.empty((states.shape[1], states.shape[0]))  # J s', as SciPy's product
        local_fields(p.indptr, p.indices, p.couplings, states, fields)
        fields = fields.T  # the layout decides einsum's order of additions: keep it
        energy = -0.5 * np.einsum("ij,ij->i", states, fields) - states @ p.fields
        return lambda beta: -beta * energy

    def validate_states(self, states, name: str) -> np.ndarray:
        """Spin states ``(n, n_spins)`` of +-1, the chains' starting points."""
        return self.model.validate_states(states, name)

    @property
    def n_units(self) -> int:
        return self.model.n_spins

    def new_states(self, n_chains: int) -> np.ndarray:
        return np.empty((n_chains, self.model.n_spins))

    def sample_base(self, states: np.ndarray, streams: np.ndarray) -> None:
        sample_uniform_spins(states, streams)

    def engine_model(self) -> tuple:
        """The model tuple the engine's functions take (:mod:`partition.kernels.ising`)."""
        p = self.params
        return (p.indptr, p.indices, p.couplings, p.fields, self.order, self.class_ptr)

    def segment_kernel(self):
        """``kernel(model, schedule, population, scratch_shape)``
        (:class:`~partition.engine.Schedule`, :class:`~partition.engine.Population`): the
        cached kernel of a built-in step, or the engine with the user's
        (:class:`~partition.transitions.Step`)."""
        step = self.transition.step
        if step is heat_bath_step:
            return heat_bath_segment
        if step is metropolis_step:
            return metropolis_segment
        return bind(ising_init, ising_increment, step)

    def smc_kernel(self):
        """``kernel(model, schedule, population, scratch_shape, segment)``: SMC on a fixed
        schedule (:func:`partition.engine.run_smc`) with the transition's step."""
        step = self.transition.step
        if step is heat_bath_step:
            return heat_bath_smc
        if step is metropolis_step:
            return metropolis_smc
        return bind(ising_init, ising_increment, step).smc

    @contextmanager
    def runner(self, n_chains: int, n_sweeps: int, betas=None):  # noqa: ARG002 - protocol
        """Sweeps of the transition's step on the population engine, ``_SEGMENT``
        temperatures per call (the energy is recomputed at the start of each call: keep the
        length fixed). ``info`` gets ``n_steps`` (sweeps over all chains); for the built-in
        steps ``flip_rate`` (flips per site update) and ``acceptance_rate`` (Metropolis: the
        flip rate; heat bath: 1), for a user's step what its ``report`` gives and its
        ``chain_state`` at the end (when it keeps any)."""
        t = self.transition
        builtin = isinstance(t, (HeatBath, Metropolis))
        info: dict[str, Any] = {"driver": "engine"}
        runner = EngineRunner(
            self.segment_kernel(), self.engine_model(), (2, int(np.max(np.diff(self.class_ptr)))),
            n_chains, n_sweeps, 1 if builtin else len(t.stats),
            0 if builtin else t.n_chain_state, _SEGMENT, info, self.smc_kernel(),
        )  # fmt: skip
        yield runner
        if not builtin:
            info.update(runner.report(t))
            return
        updates = runner.n_steps * self.model.n_spins
        flip_rate = float(runner.stats[:, 0].sum() / updates) if updates else float("nan")
        info.update(
            n_steps=runner.n_steps,
            flip_rate=flip_rate,
            acceptance_rate=flip_rate if isinstance(t, Metropolis) else 1.0,
        )

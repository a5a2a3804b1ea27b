"""The population engine: one compiled temperature loop for every family and every step.

A *population* of chains is what every annealing estimator drives: states ``(n_chains,
n_units)``, per-chain random streams ``(n_chains, 3)`` (:mod:`partition.kernels._random`),
per-chain rows of a table of inverse temperatures, log weights, per-chain transition state
and per-chain statistics. :func:`run_chain` is the one loop over temperatures: for ``k = 1 ..
len(betas) - 1`` it adds the weight increment ``log f_{beta_k}(x) - log f_{beta_{k-1}}(x)``,
then makes ``n_sweeps`` steps at ``beta_k`` (not after the last temperature unless
``transition_at_end``). It knows nothing about a family: three numba functions supply it.

A *family* supplies two of them, with its ``model``, a tuple of arrays and numbers (Ising:
its neighbour lists; RBM: weights and biases)::

    init(model, x, scratch, stats) -> cache                # the chain's cache at state x
    increment(model, x, cache, beta_prev, beta, scratch)  # -> float

and a *step* advances one chain by one transition at ``beta``::

    step(model, x, cache, beta, tune, key, gamma, counter, scratch, chain_state, stats)
        -> counter

``x`` (n_units,) is updated in place and ``cache`` (what the family's ``init`` returned,
e.g. the energy of ``x``) must follow it. ``tune`` is a per-temperature float at ``beta`` (a
step size; 0 for the built-in discrete steps). Random numbers come from the chain's stream
``(key, gamma)`` at indices ``counter + 1, ...``; the step returns the advanced counter.
``scratch`` is the family's per-chain work space, ``chain_state`` the chain's own row of
transition state (kept between calls: a locally adaptive step size), and ``stats`` the
chain's statistics of this call (the step adds to them: accepted moves, flips, gradient
calls; the step names the columns).

Every chain can sit at its own temperatures: ``betas`` is a table ``(n_rows, n_betas)`` and
chain ``c`` walks row ``rows[c]`` (AIS: one row for all chains; parallel tempering: one row
per rung). A call that advances chains at different rows equals, chain for chain, the calls
of one row each.

:func:`engine_segment` runs a whole population with any three functions (compiled per
step: a step written outside the package plugs in here). The built-in families bind their
own steps in cached kernels of a few lines, each a ``prange`` over chains calling
:func:`run_chain` (which is inlined, so the family's functions are resolved at compile time
and the kernel is cached on disk).

The continuous family (:class:`~partition.LogDensity`) keeps its own driver
(``partition.kernels.continuous.ais_continuous``) for now: its steps have their own
signature (the density and its gradient are arguments), and an adapter from it to this one
is a function call per step that cost 25% of a random-walk step on the 6-d mixture (about
45 ns a step at one thread, measured; numba did not inline it).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from partition._numba import jit
from partition.models.base import sweeps_in_segment

__all__ = ["EngineRunner", "Population", "Schedule", "bind", "engine_segment", "run_chain"]


class Schedule(NamedTuple):
    """Where a segment takes the chains: numba takes it as one argument."""

    #: ``(n_rows, n_betas)``: chain ``c`` walks row ``Population.rows[c]``.
    betas: np.ndarray
    #: ``(n_rows, n_betas)``: the per-temperature float each step receives (``tune``).
    tunes: np.ndarray
    #: Steps at each temperature.
    n_sweeps: int
    #: Whether the segment's last temperature gets its steps too.
    transition_at_end: bool


class Population(NamedTuple):
    """The chains a segment moves, every array with a row per chain (updated in place)."""

    #: ``(n_chains, n_units)``.
    states: np.ndarray
    #: ``(n_chains, 3)`` uint64: each chain's ``(key, gamma, counter)``.
    streams: np.ndarray
    #: ``(n_chains,)``: the segment's increments are added.
    log_w: np.ndarray
    #: ``(n_chains,)`` int64: each chain's row of ``Schedule.betas``.
    rows: np.ndarray
    #: ``(n_chains, n_chain_state)``: each chain's transition state, kept between calls.
    chain_state: np.ndarray
    #: ``(n_chains, n_stats)``: each chain's step statistics, summed over calls.
    stats: np.ndarray


@jit(inline="always")
def run_chain(init, increment, step, model, schedule, population, c, scratch_shape):
    """Chain ``c`` of ``population`` through its row of ``schedule``; returns the
    log-weight increment and the chain's statistics of the call (its stream's counter is
    advanced in place)."""
    x = population.states[c]
    stream = population.streams[c]
    chain_state = population.chain_state[c]
    r = population.rows[c]
    betas = schedule.betas[r]
    tunes = schedule.tunes[r]
    key = stream[0]
    gamma = stream[1]
    counter = stream[2]
    scratch = np.empty(scratch_shape)
    stats = np.zeros(population.stats.shape[1])
    cache = init(model, x, scratch, stats)
    n_betas = betas.shape[0]
    total = 0.0
    for k in range(1, n_betas):
        total += increment(model, x, cache, betas[k - 1], betas[k], scratch)
        if k == n_betas - 1 and not schedule.transition_at_end:
            break
        for _ in range(schedule.n_sweeps):
            counter = step(
                model, x, cache, betas[k], tunes[k], key, gamma, counter, scratch, chain_state,
                stats,
            )  # fmt: skip
    stream[2] = counter
    return total, stats


@numba.njit(parallel=True, nogil=True, error_model="numpy")
def engine_segment(init, increment, step, model, schedule, population, scratch_shape):
    """A segment for every chain of the population (one ``prange`` task per chain): its
    increment is added to ``population.log_w[c]`` and its statistics to
    ``population.stats[c]``. Compiled per ``(init, increment, step)`` and not cached on
    disk (numba does not cache functions passed as arguments)."""
    log_w = population.log_w
    stats = population.stats
    for c in numba.prange(population.states.shape[0]):
        total, s = run_chain(init, increment, step, model, schedule, population, c, scratch_shape)
        log_w[c] += total
        for i in range(s.shape[0]):
            stats[c, i] += s[i]


def bind(init, increment, step):
    """A kernel with the signature of the families' cached ones, ``kernel(model, schedule,
    population, scratch_shape)``, running :func:`engine_segment` with these functions (a
    step given by the user)."""

    def kernel(model, schedule, population, scratch_shape):
        engine_segment(init, increment, step, model, schedule, population, scratch_shape)

    return kernel


class EngineRunner:
    """A :class:`~partition.models.base.SegmentRunner` on the engine: every chain walks the
    segment's temperatures (one row), with its transition state and statistics kept here
    for the whole run.

    ``kernel`` is a family's cached kernel or :func:`partition.engine.bind`'s; ``stats``
    (``(n_chains, n_stats)``) and ``chain_state`` (``(n_chains, n_chain_state)``, zeros at
    the start) are summed over and carried through the run's calls; ``n_steps`` counts the
    steps made over all chains.
    """

    def __init__(self, kernel, model, scratch_shape, n_chains: int, n_sweeps: int,
                 n_stats: int, n_chain_state: int, segment_length: int, info: dict):  # fmt: skip
        self.kernel = kernel
        self.model = model
        self.scratch_shape = tuple(int(n) for n in scratch_shape)
        self.n_sweeps = int(n_sweeps)
        self.stats = np.zeros((n_chains, n_stats))
        self.chain_state = np.zeros((n_chains, n_chain_state))
        self.rows = np.zeros(n_chains, dtype=np.int64)
        self.segment_length = segment_length
        self.info = info
        self.n_steps = 0

    def report(self, transition) -> dict:
        """What a run with a user's :class:`~partition.transitions.Step` puts in ``info``:
        ``n_steps``, the step's own ``report`` of its statistics, and ``chain_state`` when
        it keeps any."""
        out = {"n_steps": self.n_steps, **transition.report(self.stats, self.n_steps)}
        if self.chain_state.shape[1]:
            out["chain_state"] = self.chain_state
        return out

    def advance(self, betas, transition_at_end, states, streams, log_w) -> None:
        """The segment ``betas`` for every chain (the annealing driver's call)."""
        n = states.shape[0]
        self.advance_rows(np.asarray(betas, dtype=np.float64)[None, :], self.rows[:n],
                          transition_at_end, states, streams, log_w)  # fmt: skip

    def advance_rows(self, table, rows, transition_at_end, states, streams, log_w) -> None:
        """Chain ``c`` through row ``rows[c]`` of the temperature table ``(n_rows,
        n_betas)``: chains at their own temperatures in one kernel call (parallel
        tempering's rounds; equal, chain for chain, to one call per row)."""
        table = np.ascontiguousarray(table, dtype=np.float64)
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        n = states.shape[0]
        if table.ndim != 2 or rows.shape != (n,) or np.any((rows < 0) | (rows >= len(table))):
            raise ValueError("rows must give each chain a row of the (n_rows, n_betas) table")
        schedule = Schedule(table, np.zeros(table.shape), self.n_sweeps, bool(transition_at_end))
        population = Population(states, streams, log_w, rows, self.chain_state[:n], self.stats[:n])
        self.kernel(self.model, schedule, population, self.scratch_shape)
        self.n_steps += sweeps_in_segment(table[0], transition_at_end, self.n_sweeps, n)

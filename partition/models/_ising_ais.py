"""The Ising family's annealing path: ``p_beta(s) ~ exp(-beta E(s))`` from ``beta = 0``.

At ``beta = 0`` the spins are independent and fair, ``log Z_0 = n_spins log 2``, and exact
samples are free. Transitions are sweeps of heat-bath Gibbs or Metropolis updates, colour
class by colour class (the checkerboard order on bipartite graphs; see
:mod:`partition.kernels.ising`).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from partition._progress import Progress
from partition.kernels._random import seed_streams
from partition.kernels.ising import ais_ising, sample_uniform_spins

_SEGMENT = 200
TRANSITIONS = ("gibbs", "metropolis")


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

    def __init__(
        self, model, *, base=None, data=None, dtype=np.float64, driver="auto", transition="gibbs"
    ):
        if base not in (None, "uniform"):
            raise ValueError("base must be 'uniform' (independent spins) for Ising models")
        if data is not None:
            raise ValueError("data is not used by Ising AIS (the base is independent spins)")
        if np.dtype(dtype) != np.float64:
            raise ValueError(f"dtype must be float64 for Ising models, got {np.dtype(dtype)}")
        if driver != "auto":
            raise ValueError(f"driver must be 'auto' for Ising models, got {driver!r}")
        if transition not in TRANSITIONS:
            raise ValueError(f"transition must be 'gibbs' or 'metropolis', got {transition!r}")
        self.model = model
        self.transition = transition
        self.params = model.params
        self.order, self.class_ptr = sweep_order(model)
        self.log_z_base = model.n_spins * math.log(2.0)

    def describe(self) -> dict[str, Any]:
        return {
            "base": "uniform spins",
            "log_z_base": self.log_z_base,
            "transition": self.transition,
            "n_colour_classes": int(self.class_ptr.size - 1),
        }

    def log_f(self, states: np.ndarray, beta: float) -> np.ndarray:
        """``log p*_beta(s) = -beta E(s)``."""
        return -beta * self.model.energy(states)

    def validate_states(self, states, name: str) -> np.ndarray:
        """Spin states ``(n, n_spins)`` of +-1, the chains' starting points."""
        return self.model._validate_states(states, name)

    def run(
        self,
        betas,
        *,
        n_chains,
        n_sweeps,
        rng,
        progress,
        initial=None,
        transition_at_start=False,
        transition_at_end=False,
        label="AIS",
    ):
        """Anneal through ``betas`` (see ``RBMAnnealingPath.run``); returns log weights,
        final spins and info."""
        state, entropy = seed_streams(rng, n_chains)
        spins = np.empty((n_chains, self.model.n_spins))
        if initial is None:
            sample_uniform_spins(spins, state)
        else:
            spins[:] = initial
        if transition_at_start:
            betas = np.concatenate([betas[:1], betas])
        log_w = np.zeros(n_chains)
        p = self.params
        bar = Progress(len(betas) - 1, f"{label} ({n_chains} chains)", progress)
        last = len(betas) - 1
        metropolis = self.transition == "metropolis"
        compile_start = time.perf_counter()  # numba compiles on the first call: on no chains
        ais_ising(
            p.indptr, p.indices, p.couplings, p.fields, self.order, self.class_ptr, betas[:1],
            n_sweeps, False, metropolis, spins[:0], state[:0], log_w[:0],
        )  # fmt: skip
        compile_seconds = time.perf_counter() - compile_start
        start = time.perf_counter()
        for k0 in range(0, last, _SEGMENT):
            k1 = min(k0 + _SEGMENT, last)
            ais_ising(
                p.indptr, p.indices, p.couplings, p.fields, self.order, self.class_ptr,
                betas[k0 : k1 + 1], n_sweeps, k1 < last or transition_at_end, metropolis,
                spins, state, log_w,
            )  # fmt: skip
            bar.update(k1)
        bar.close()
        info = {
            "driver": "ising",
            "seconds": time.perf_counter() - start,
            "compile_seconds": compile_seconds,
            "seed_entropy": entropy,
        }
        return log_w, spins, info

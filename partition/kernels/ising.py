"""Gibbs (heat-bath) and Metropolis sweeps and the AIS driver for the Ising family.

Spins are float64 ``+-1`` arrays ``(n_chains, n_spins)``; couplings are CSR neighbour lists
(``indptr``, ``indices``, ``couplings``), so a sweep costs O(number of bonds) and no dense
matrix exists. A sweep visits the sites in ``order``: on a bipartite lattice one colour then
the other (the checkerboard update), else index order. Site ``t`` of a sweep uses the chain's
uniform at index ``counter + t + 1``; a sweep advances the counter by ``n_spins``.

At inverse temperature ``beta`` with local field ``l_i = h_i + sum_j J_ij s_j``:
heat bath sets ``s_i = +1`` with probability ``sigmoid(2 beta l_i)``; Metropolis flips
``s_i`` with probability ``min(1, exp(-beta dE))``, ``dE = 2 s_i l_i``.
"""

from __future__ import annotations

import numba
import numpy as np

from partition._numba import jit
from partition.kernels._math import exp_neg
from partition.kernels._random import uniform_at


@jit(inline="always")
def _energy(s, indptr, indices, couplings, fields):
    """``E(s)`` from neighbour lists (each bond counted once)."""
    total = 0.0
    for i in range(s.shape[0]):
        pair = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            pair += couplings[p] * s[indices[p]]
        total -= 0.5 * s[i] * pair + fields[i] * s[i]
    return total


@jit(inline="always")
def _sweep(
    s, energy, beta, indptr, indices, couplings, fields, order, metropolis, key, gamma, counter
):
    """One sweep in ``order``; returns the updated energy."""
    for t in range(order.shape[0]):
        i = order[t]
        local = fields[i]
        for p in range(indptr[i], indptr[i + 1]):
            local += couplings[p] * s[indices[p]]
        u = uniform_at(key, gamma, counter + np.uint64(t + 1))
        d_energy = 2.0 * s[i] * local  # energy change if s_i flips
        if metropolis:
            flip = d_energy <= 0.0 or u < exp_neg(beta * d_energy)
        else:
            x = 2.0 * beta * local
            e = exp_neg(abs(x))
            up = u * (1.0 + e) < (1.0 if x >= 0.0 else e)
            flip = up != (s[i] > 0.0)
        if flip:
            s[i] = -s[i]
            energy += d_energy
    return energy


@jit(parallel=True)
def sweeps(indptr, indices, couplings, fields, order, beta, n_sweeps, metropolis, spins, state):
    """``n_sweeps`` sweeps at ``beta`` for every chain (``prange`` over chains)."""
    n_chains, n_spins = spins.shape
    for c in numba.prange(n_chains):
        s = spins[c]
        counter = state[c, 2]
        energy = 0.0
        for _ in range(n_sweeps):
            energy = _sweep(
                s, energy, beta, indptr, indices, couplings, fields, order, metropolis,
                state[c, 0], state[c, 1], counter,
            )  # fmt: skip
            counter += np.uint64(n_spins)
        state[c, 2] = counter


@jit(parallel=True)
def sample_uniform_spins(spins, state):
    """Exact draws at ``beta = 0``: independent fair spins."""
    n_chains, n_spins = spins.shape
    for c in numba.prange(n_chains):
        counter = state[c, 2]
        for i in range(n_spins):
            u = uniform_at(state[c, 0], state[c, 1], counter + np.uint64(i + 1))
            spins[c, i] = 1.0 if u < 0.5 else -1.0
        state[c, 2] = counter + np.uint64(n_spins)


@jit(parallel=True)
def ais_ising(
    indptr,
    indices,
    couplings,
    fields,
    order,
    betas,
    n_sweeps,
    transition_at_end,
    metropolis,
    spins,
    state,
    log_w,
):
    """A segment of AIS along ``p_beta(s) ~ exp(-beta E(s))`` for every chain.

    For ``k = 1 .. len(betas) - 1``: add ``-(beta_k - beta_{k-1}) E(s)`` to ``log_w``, then
    make ``n_sweeps`` sweeps at ``beta_k`` (not after the segment's last beta unless
    ``transition_at_end``). The energy is recomputed at the start of the segment and updated
    flip by flip.
    """
    n_chains, n_spins = spins.shape
    n_betas = betas.shape[0]
    for c in numba.prange(n_chains):
        s = spins[c]
        key = state[c, 0]
        gamma = state[c, 1]
        counter = state[c, 2]
        energy = _energy(s, indptr, indices, couplings, fields)
        total = 0.0
        for k in range(1, n_betas):
            total -= (betas[k] - betas[k - 1]) * energy
            if k == n_betas - 1 and not transition_at_end:
                break
            for _ in range(n_sweeps):
                energy = _sweep(
                    s, energy, betas[k], indptr, indices, couplings, fields, order, metropolis,
                    key, gamma, counter,
                )  # fmt: skip
                counter += np.uint64(n_spins)
        log_w[c] += total
        state[c, 2] = counter

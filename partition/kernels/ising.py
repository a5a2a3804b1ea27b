"""Gibbs (heat-bath) and Metropolis sweeps and the AIS driver for the Ising family.

Spins are float64 ``+-1`` arrays ``(n_chains, n_spins)``; couplings are CSR neighbour lists
(``indptr``, ``indices``, ``couplings``), so a sweep costs O(number of bonds) and no dense
matrix exists. A sweep visits the sites in ``order``, which lists colour classes (independent
sets: no two sites of a class are neighbours) one after the other, ``class_ptr`` marking
their bounds: on a bipartite lattice the two sublattices (the checkerboard update). Within a
class the updates do not interact, so each class is done in two passes: gather every local
field, then decide every update in one vectorised loop. The result is the sequential sweep
in ``order``, exactly. Site ``t`` of a sweep uses the chain's uniform at index
``counter + t + 1``; a sweep advances the counter by ``n_spins``.

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


@jit(reassoc=True, inline="always")
def _sweep(
    s,
    energy,
    beta,
    indptr,
    indices,
    couplings,
    fields,
    order,
    class_ptr,
    metropolis,
    key,
    gamma,
    counter,
    local,
    flip,
):
    """One sweep, class by class; returns the updated energy and the number of spins
    flipped. ``local`` and ``flip`` are scratch arrays of at least the largest class size."""
    n_flipped = 0
    for cls in range(class_ptr.shape[0] - 1):
        a = class_ptr[cls]
        size = class_ptr[cls + 1] - a
        for t in range(size):
            i = order[a + t]
            field = fields[i]
            for p in range(indptr[i], indptr[i + 1]):
                field += couplings[p] * s[indices[p]]
            local[t] = field
            flip[t] = s[i]  # the current spin, replaced below by the decision
        d_total = 0.0
        for t in range(size):
            u = uniform_at(key, gamma, counter + np.uint64(a + t + 1))
            spin = flip[t]
            d_energy = 2.0 * spin * local[t]  # energy change if s_i flips
            if metropolis:
                go = d_energy <= 0.0 or u < exp_neg(beta * d_energy)
            else:  # heat bath: s_i = +1 when u < sigmoid(2 beta l_i)
                x = 2.0 * beta * local[t]
                e = exp_neg(abs(x))
                up = u * (1.0 + e) < (1.0 if x >= 0.0 else e)
                go = up != (spin > 0.0)
            flip[t] = 1.0 if go else 0.0
            d_total += d_energy if go else 0.0
        for t in range(size):
            if flip[t] != 0.0:
                i = order[a + t]
                s[i] = -s[i]
                n_flipped += 1
        energy += d_total
    return energy, n_flipped


@jit(parallel=True, reassoc=True)
def sweeps(
    indptr, indices, couplings, fields, order, class_ptr, beta, n_sweeps, metropolis, spins, state
):
    """``n_sweeps`` sweeps at ``beta`` for every chain (``prange`` over chains)."""
    n_chains, n_spins = spins.shape
    largest = np.max(class_ptr[1:] - class_ptr[:-1])
    for c in numba.prange(n_chains):
        s = spins[c]
        counter = state[c, 2]
        local = np.empty(largest)
        flip = np.empty(largest)
        energy = 0.0
        for _ in range(n_sweeps):
            energy, _ = _sweep(
                s, energy, beta, indptr, indices, couplings, fields, order, class_ptr,
                metropolis, state[c, 0], state[c, 1], counter, local, flip,
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


@jit(parallel=True, reassoc=True)
def ais_ising(
    indptr,
    indices,
    couplings,
    fields,
    order,
    class_ptr,
    betas,
    n_sweeps,
    transition_at_end,
    metropolis,
    spins,
    state,
    log_w,
    flips,
):
    """A segment of AIS along ``p_beta(s) ~ exp(-beta E(s))`` for every chain.

    For ``k = 1 .. len(betas) - 1``: add ``-(beta_k - beta_{k-1}) E(s)`` to ``log_w``, then
    make ``n_sweeps`` sweeps at ``beta_k`` (not after the segment's last beta unless
    ``transition_at_end``). The energy is recomputed at the start of the segment and updated
    flip by flip. ``flips[c]`` accumulates the spins chain ``c`` flipped.
    """
    n_chains, n_spins = spins.shape
    n_betas = betas.shape[0]
    largest = np.max(class_ptr[1:] - class_ptr[:-1])
    for c in numba.prange(n_chains):
        s = spins[c]
        local = np.empty(largest)
        flip = np.empty(largest)
        key = state[c, 0]
        gamma = state[c, 1]
        counter = state[c, 2]
        energy = _energy(s, indptr, indices, couplings, fields)
        total = 0.0
        n_flipped = 0
        for k in range(1, n_betas):
            total -= (betas[k] - betas[k - 1]) * energy
            if k == n_betas - 1 and not transition_at_end:
                break
            for _ in range(n_sweeps):
                energy, flipped = _sweep(
                    s, energy, betas[k], indptr, indices, couplings, fields, order, class_ptr,
                    metropolis, key, gamma, counter, local, flip,
                )  # fmt: skip
                n_flipped += flipped
                counter += np.uint64(n_spins)
        log_w[c] += total
        flips[c] += n_flipped
        state[c, 2] = counter

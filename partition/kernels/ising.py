"""Gibbs (heat-bath) and Metropolis sweeps for the Ising family, as steps of the population
engine (:mod:`partition.engine`).

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
from partition.engine import run_chain, run_smc
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


# --------------------------------------------------------------- the engine's functions
# (see :mod:`partition.engine`). ``model`` is ``(indptr, indices, couplings, fields, order,
# class_ptr)``; ``cache[0]`` is the energy of the chain's spins, updated flip by flip; the
# scratch is ``(2, largest colour class)``; ``stats[0]`` counts the spins flipped.


@jit(inline="always")
def ising_init(model, s, scratch, stats):  # noqa: ARG001 - the engine's protocol
    """The cache: ``[E(s)]``."""
    cache = np.empty(1)
    cache[0] = _energy(s, model[0], model[1], model[2], model[3])
    return cache


@jit(inline="always")
def ising_increment(model, s, cache, beta_prev, beta, scratch, log_w):  # noqa: ARG001
    """``log_w`` plus ``log f_beta(s) - log f_beta_prev(s) = -(beta - beta_prev) E(s)``."""
    return log_w - ((beta - beta_prev) * cache[0])


@jit(reassoc=True, inline="always")
def _site_sweep(model, s, cache, beta, key, gamma, counter, scratch, stats, metropolis):
    """One sweep of single-site updates in colour-class order (``n_spins`` uniforms),
    keeping ``cache[0] = E(s)`` and counting the flips in ``stats[0]``."""
    energy, flipped = _sweep(
        s, cache[0], beta, model[0], model[1], model[2], model[3], model[4], model[5],
        metropolis, key, gamma, counter, scratch[0], scratch[1],
    )  # fmt: skip
    cache[0] = energy
    stats[0] += flipped
    return counter + np.uint64(s.shape[0])


@jit(reassoc=True, inline="always")
def heat_bath_step(model, s, cache, beta, tune, key, gamma, counter, scratch, chain_state, stats):  # noqa: ARG001
    """One heat-bath sweep in colour-class order (``n_spins`` uniforms)."""
    return _site_sweep(model, s, cache, beta, key, gamma, counter, scratch, stats, False)


@jit(reassoc=True, inline="always")
def metropolis_step(model, s, cache, beta, tune, key, gamma, counter, scratch, chain_state, stats):  # noqa: ARG001
    """One single-site Metropolis sweep in colour-class order (``n_spins`` uniforms)."""
    return _site_sweep(model, s, cache, beta, key, gamma, counter, scratch, stats, True)


@jit(parallel=True, reassoc=True)
def heat_bath_segment(model, schedule, population, shape):
    """:func:`partition.engine.engine_segment` with the heat-bath step, compiled and cached."""
    log_w = population.log_w
    stats = population.stats
    for c in numba.prange(population.states.shape[0]):
        total, s = run_chain(
            ising_init, ising_increment, heat_bath_step, model, schedule, population, c, shape
        )
        log_w[c] += total
        for i in range(s.shape[0]):
            stats[c, i] += s[i]


@jit(parallel=True, reassoc=True)
def metropolis_segment(model, schedule, population, shape):
    """:func:`partition.engine.engine_segment` with the Metropolis step, compiled and cached."""
    log_w = population.log_w
    stats = population.stats
    for c in numba.prange(population.states.shape[0]):
        total, s = run_chain(
            ising_init, ising_increment, metropolis_step, model, schedule, population, c, shape
        )
        log_w[c] += total
        for i in range(s.shape[0]):
            stats[c, i] += s[i]


@jit(parallel=True, reassoc=True)
def heat_bath_smc(model, schedule, population, shape, segment):
    """:func:`partition.engine.run_smc` with the heat-bath step, compiled and cached."""
    return run_smc(
        ising_init, ising_increment, heat_bath_step, model, schedule, population, shape, segment
    )


@jit(parallel=True, reassoc=True)
def metropolis_smc(model, schedule, population, shape, segment):
    """:func:`partition.engine.run_smc` with the Metropolis step, compiled and cached."""
    return run_smc(
        ising_init, ising_increment, metropolis_step, model, schedule, population, shape, segment
    )


@jit(parallel=True)
def local_fields(indptr, indices, couplings, spins, out):
    """``out[i, c] = sum_j J_ij s_cj`` over the neighbour lists in list order: the sums of
    the CSR product ``J @ spins.T`` (SciPy's ``csr_matvecs``, the same additions in the same
    order) without its copies of the transposes; a ``prange`` over chains."""
    n_chains, n_spins = spins.shape
    for c in numba.prange(n_chains):
        s = spins[c]
        for i in range(n_spins):
            total = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                total += couplings[p] * s[indices[p]]
            out[i, c] = total

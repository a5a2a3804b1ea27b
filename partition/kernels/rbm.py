"""Block-Gibbs and AIS kernels for the RBM family.

The annealing path is the one of Salakhutdinov & Murray (2008): at inverse temperature
``beta`` the visible marginal is ::

    log p*_beta(v) = ((1 - beta) b_A + beta b) . v + sum_j softplus(beta (c_j + (v W)_j))

(the base model A has visible biases ``b_A`` and no couplings; the hidden units are summed
out). Gibbs at ``beta``: ``h_j ~ Bern(sigmoid(beta (c_j + (v W)_j)))``, then
``v_i ~ Bern(sigmoid((1 - beta) b_A_i + beta (b_i + (W h)_i)))``.

Two drivers, chosen by size (see ``partition.models._rbm_ais``), both running whole
segments of temperatures inside numba:

- batched (``ais_batched``), for large layers: the chains are cut into one block per
  thread, and each thread runs the whole segment on its block alone: one single-threaded
  BLAS GEMM per half sweep over the block's chains, then the elementwise work of each chain.
  Threads meet once per kernel call, never per temperature (BLAS is limited to one thread
  by the caller, so thread pools never alternate or nest);
- fused (``ais_fused``), for small layers: one chain per ``prange`` task, adding the
  weight rows of the active units instead of a dense product.

Both consume each chain's random stream in the same order (per transition: ``n_hidden``
uniforms, then ``n_visible``), so they agree to rounding. Weight increments use the product
form of the softplus sum (one ``log`` per chain and temperature).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from partition._numba import jit
from partition.engine import run_chain, run_smc, smc_arrays, smc_close, smc_temperatures
from partition.kernels._math import exp_neg
from partition.kernels._random import draw_bernoulli, draw_bernoulli_at, uniform_at

#: Units per partial sum. Every increment is a sum of per-chunk partial sums added in chunk
#: order, whatever the split of the work over threads: results do not depend on threads.
CHUNK = 32


@jit(reassoc=True, inline="always")
def _hidden_chunk(act, beta, beta_prev, increment, draw, hidden, key, gamma, start):
    """One chunk (<= 64 units) of hidden activations ``act`` (biases included).

    With ``increment``: return ``sum_j softplus(beta a_j) - softplus(beta_prev a_j)``. With
    ``draw``: draw ``hidden_j ~ Bern(sigmoid(beta a_j))`` from the stream ``(key, gamma)`` at
    indices ``start + 1 ...``. ``exp(-|beta a_j|)`` serves both; the softplus sums are kept as
    products of factors in [1, 2] (at most 2**64), so no division and two logs a chunk.
    """
    positive = 0.0
    prod_now = 1.0
    prod_prev = 1.0
    for j in range(act.shape[0]):
        y = beta * act[j]
        e = exp_neg(abs(y))
        if increment:
            y_prev = beta_prev * act[j]
            positive += max(y, 0.0) - max(y_prev, 0.0)
            prod_now *= 1.0 + e
            prod_prev *= 1.0 + exp_neg(abs(y_prev))
        if draw:
            u = uniform_at(key, gamma, start + np.uint64(j + 1))
            threshold = 1.0 if y >= 0.0 else e
            hidden[j] = 1.0 if u * (1.0 + e) < threshold else 0.0
    if increment:
        return positive + math.log(prod_now) - math.log(prod_prev)
    return 0.0


@jit(reassoc=True, inline="always")
def hidden_layer(total, act, beta, beta_prev, increment, draw, hidden, key, gamma, start):
    """``total`` plus :func:`_hidden_chunk` over the whole layer ``act`` in chunks of
    ``CHUNK`` units, added in chunk order (so the sum does not depend on threads)."""
    n_hidden = act.shape[0]
    for j0 in range(0, n_hidden, CHUNK):
        j1 = min(j0 + CHUNK, n_hidden)
        total += _hidden_chunk(
            act[j0:j1], beta, beta_prev, increment, draw, hidden[j0:j1], key, gamma,
            start + np.uint64(j0),
        )  # fmt: skip
    return total


@jit(reassoc=True, inline="always")
def _dot_chunk(x, v):
    total = 0.0
    for i in range(x.shape[0]):
        total += x[i] * v[i]
    return total


@jit(parallel=True, reassoc=True)
def sample_base(base_bias, visible, state):
    """Exact draws from the base model ``p_A(v) = prod_i Bern(sigmoid(b_A_i))``."""
    for c in numba.prange(visible.shape[0]):
        draw_bernoulli(base_bias, 1.0, visible[c], state, c)


@jit(reassoc=True)
def softplus_row_sums(act, beta, out):
    """``out[c] = sum_j softplus(beta act[c, j])``: the hidden units' part of ``log p*_beta``
    for SMC's search over beta. Serial: 1,000 x 20 takes 0.08 ms, less than waking the
    threads (0.5 ms with ``prange`` on a 2-core machine)."""
    n_hidden = act.shape[1]
    for c in range(act.shape[0]):
        total = 0.0
        for j0 in range(0, n_hidden, CHUNK):  # product form: one log per chunk
            prod = 1.0
            for j in range(j0, min(j0 + CHUNK, n_hidden)):
                x = beta * act[c, j]
                total += max(x, 0.0)
                prod *= 1.0 + exp_neg(abs(x))
            total += math.log(prod)
        out[c] = total


@jit(reassoc=True, inline="always")
def _activations(weights, bias, units, out):
    """``out = bias + units @ weights`` for binary ``units``, adding the rows that are on."""
    for j in range(out.shape[0]):
        out[j] = bias[j]
    for i in range(units.shape[0]):
        if units[i] != 0.0:
            row = weights[i]
            for j in range(out.shape[0]):
                out[j] += row[j]


@jit(parallel=True, reassoc=True)
def ais_fused(
    weights,
    weights_t,
    visible_bias,
    hidden_bias,
    base_bias,
    betas,
    n_sweeps,
    transition_at_end,
    visible,
    state,
    log_w,
):
    """A segment of AIS for every chain, one chain per ``prange`` task; for small layers.

    For ``k = 1 .. len(betas) - 1``: add the weight increment from ``betas[k - 1]`` to
    ``betas[k]`` to ``log_w`` (accumulated), then make ``n_sweeps`` Gibbs sweeps at
    ``betas[k]``, except after the segment's last beta unless ``transition_at_end``.
    ``visible`` carries the chains' states in and out, so a run can be cut into segments.
    """
    n_chains, n_visible = visible.shape
    n_hidden = hidden_bias.shape[0]
    n_betas = betas.shape[0]
    delta_bias = visible_bias - base_bias
    for c in numba.prange(n_chains):
        v = visible[c]
        h = np.empty(n_hidden)
        act = np.empty(n_hidden)
        logits = np.empty(n_visible)
        total = 0.0
        key = state[c, 0]
        gamma = state[c, 1]
        counter = state[c, 2]
        for k in range(1, n_betas):
            beta_prev = betas[k - 1]
            beta = betas[k]
            transition = k < n_betas - 1 or transition_at_end
            for sweep in range(n_sweeps if transition else 1):
                _activations(weights, hidden_bias, v, act)
                first = sweep == 0
                if first:
                    linear = 0.0
                    for i0 in range(0, n_visible, CHUNK):
                        i1 = min(i0 + CHUNK, n_visible)
                        linear += _dot_chunk(delta_bias[i0:i1], v[i0:i1])
                    total += (beta - beta_prev) * linear
                total = hidden_layer(
                    total, act, beta, beta_prev, first, transition, h, key, gamma, counter
                )
                if not transition:
                    break
                _activations(weights_t, visible_bias, h, logits)
                for i in range(n_visible):
                    logits[i] = (1.0 - beta) * base_bias[i] + beta * logits[i]
                draw_bernoulli_at(logits, 1.0, v, key, gamma, counter + np.uint64(n_hidden))
                counter += np.uint64(n_hidden + n_visible)
        state[c, 2] = counter
        log_w[c] += total


@jit(reassoc=True)
def _ais_batched_block(
    weights,
    weights_t,
    visible_bias,
    hidden_bias,
    base_bias,
    betas,
    n_sweeps,
    transition_at_end,
    visible,
    state,
    log_w,
):
    """A segment of AIS for one block of chains, with single-threaded BLAS products.

    Same contract as :func:`ais_fused` for the chains it is given, except that ``weights``
    and ``weights_t`` (``W`` and ``W.T``) may carry extra zero columns. Each half sweep is one
    GEMM of the block's chains with ``W`` (or ``W.T``), then, per chain, the weight-increment
    partial sums (per ``CHUNK``, added in chunk order) and the draws. Runs with no
    synchronisation with other blocks.
    """
    n_chains, n_visible = visible.shape
    n_hidden = hidden_bias.shape[0]
    n_betas = betas.shape[0]
    delta_bias = visible_bias - base_bias
    hidden = np.empty((n_chains, n_hidden), dtype=visible.dtype)
    act = np.empty((n_chains, weights.shape[1]), dtype=visible.dtype)
    vis = np.empty((n_chains, weights_t.shape[1]), dtype=visible.dtype)
    a = np.empty(n_hidden)
    z = np.empty(n_visible)
    counter = state[:, 2].copy()
    for k in range(1, n_betas):
        beta_prev = betas[k - 1]
        beta = betas[k]
        transition = k < n_betas - 1 or transition_at_end
        for sweep in range(n_sweeps if transition else 1):
            first = sweep == 0
            np.dot(visible, weights, act)
            for c in range(n_chains):
                total = 0.0
                if first:
                    linear = 0.0
                    for i0 in range(0, n_visible, CHUNK):
                        i1 = min(i0 + CHUNK, n_visible)
                        linear += _dot_chunk(delta_bias[i0:i1], visible[c, i0:i1])
                    total = (beta - beta_prev) * linear
                for j in range(n_hidden):
                    a[j] = act[c, j] + hidden_bias[j]
                total = hidden_layer(
                    total, a, beta, beta_prev, first, transition, hidden[c], state[c, 0],
                    state[c, 1], counter[c],
                )  # fmt: skip
                if first:
                    log_w[c] += total
            if not transition:
                break
            np.dot(hidden, weights_t, vis)
            for c in range(n_chains):
                for i in range(n_visible):
                    z[i] = (1.0 - beta) * base_bias[i] + beta * (visible_bias[i] + vis[c, i])
                draw_bernoulli_at(
                    z, 1.0, visible[c], state[c, 0], state[c, 1],
                    counter[c] + np.uint64(n_hidden),
                )  # fmt: skip
                counter[c] += np.uint64(n_hidden + n_visible)
    for c in range(n_chains):
        state[c, 2] = counter[c]


@jit(parallel=True)
def ais_batched(
    weights,
    weights_t,
    visible_bias,
    hidden_bias,
    base_bias,
    betas,
    n_sweeps,
    transition_at_end,
    bounds,
    visible,
    state,
    log_w,
):
    """A segment of AIS with dense GEMMs over blocks of chains; for large layers.

    Same contract as :func:`ais_fused`. Chains ``bounds[b]:bounds[b + 1]`` form block ``b``,
    one ``prange`` task that runs the whole segment alone (:func:`_ais_batched_block`): the
    threads meet once per call, not at every temperature, so a thread that the OS
    deschedules on a busy machine holds up no other until the segment ends. The caller limits
    BLAS to one thread, so thread pools never nest. Partial sums are per ``CHUNK`` and added in
    chunk order, and a GEMM row depends only on its own chain, so results do not depend on the
    blocks or the thread count. The dtype of ``weights`` (float64 or float32) sets the
    precision of the products and of ``visible``; the rest is float64.
    """
    for b in numba.prange(bounds.shape[0] - 1):
        c0 = bounds[b]
        c1 = bounds[b + 1]
        _ais_batched_block(
            weights, weights_t, visible_bias, hidden_bias, base_bias, betas, n_sweeps,
            transition_at_end, visible[c0:c1], state[c0:c1], log_w[c0:c1],
        )  # fmt: skip


@jit(reassoc=True, inline="always")
def _softplus_gaps(act, beta_0, beta_1, beta_2, e_1):
    """``sum_j softplus(beta_1 a_j) - softplus(beta_0 a_j)`` and the same from ``beta_1`` to
    ``beta_2``, over the whole layer ``act`` (per ``CHUNK``, as :func:`hidden_layer`; the
    middle temperature's factors shared, and a log of each ratio of products). Leaves
    ``e_1[j] = exp(-|beta_1 a_j|)``, what the hidden draws at ``beta_1`` need
    (:func:`_draw_hidden`)."""
    gap_1 = 0.0
    gap_2 = 0.0
    n_hidden = act.shape[0]
    for j0 in range(0, n_hidden, CHUNK):
        positive_1 = 0.0
        positive_2 = 0.0
        prod_0 = 1.0
        prod_1 = 1.0
        prod_2 = 1.0
        for j in range(j0, min(j0 + CHUNK, n_hidden)):
            y_0 = beta_0 * act[j]
            y_1 = beta_1 * act[j]
            y_2 = beta_2 * act[j]
            positive_1 += max(y_1, 0.0) - max(y_0, 0.0)
            positive_2 += max(y_2, 0.0) - max(y_1, 0.0)
            e = exp_neg(abs(y_1))
            e_1[j] = e
            prod_0 *= 1.0 + exp_neg(abs(y_0))
            prod_1 *= 1.0 + e
            prod_2 *= 1.0 + exp_neg(abs(y_2))
        gap_1 += positive_1 + math.log(prod_1 / prod_0)
        gap_2 += positive_2 + math.log(prod_2 / prod_1)
    return gap_1, gap_2


@jit(reassoc=True, inline="always")
def _draw_hidden(act, beta, e, hidden, key, gamma, start):
    """The draws of :func:`hidden_layer` at ``beta`` from ``e[j] = exp(-|beta act_j|)``
    already at hand."""
    for j in range(act.shape[0]):
        u = uniform_at(key, gamma, start + np.uint64(j + 1))
        threshold = 1.0 if beta * act[j] >= 0.0 else e[j]
        hidden[j] = 1.0 if u * (1.0 + e[j]) < threshold else 0.0


@jit(parallel=True, reassoc=True)
def smc_batched(model, schedule, population, bounds, segment):
    """SMC on a fixed schedule with the batched driver's products and draws: the contract of
    :func:`partition.engine.run_smc` (``model`` as the engine's, with ``weights`` and
    ``weights_t`` padded as :func:`ais_batched`'s, in the states' dtype).

    Per temperature, one ``prange`` over the blocks ``bounds``: each block moves its chains
    (block Gibbs at ``beta_t``: a GEMM with ``W.T``, the draws of :func:`ais_batched`), then
    takes the products ``V W`` once for the increments to the next temperature and the one
    after, which the next move's hidden draws reuse; then the serial reweighting. Two GEMMs a
    temperature, as AIS; the products are taken afresh at the start of a call (after a
    resampling)."""
    weights, weights_t, visible_bias, hidden_bias, base_bias = model
    betas = schedule.betas[0]
    n_sweeps = schedule.n_sweeps
    visible = population.states
    state = population.streams
    n, n_visible = visible.shape
    if n == 0:
        return segment.t_start
    n_hidden = hidden_bias.shape[0]
    n_blocks = bounds.shape[0] - 1
    delta_bias = visible_bias - base_bias
    act = np.empty((n, weights.shape[1]), dtype=visible.dtype)
    hidden = np.empty((n, n_hidden), dtype=visible.dtype)
    vis = np.empty((n, weights_t.shape[1]), dtype=visible.dtype)
    before = np.empty_like(visible)
    a_rows = np.empty((n_blocks, n_hidden))
    z_rows = np.empty((n_blocks, n_visible))
    inc, nxt, same, work = smc_arrays(n)
    e_mid = np.empty((n, n_hidden))  # exp(-|beta_{t+1} a|) for the next move's hidden draws
    for b in numba.prange(n_blocks):
        np.dot(visible[bounds[b] : bounds[b + 1]], weights, act[bounds[b] : bounds[b + 1]])
    t = segment.t_start
    while t < segment.t_stop:
        moved = t > 0
        beta, beta_next, beta_after, _ = smc_temperatures(betas, t)
        for b in numba.prange(n_blocks):
            c0 = bounds[b]
            c1 = bounds[b + 1]
            a = a_rows[b]
            z = z_rows[b]
            if moved:
                for sweep in range(n_sweeps):
                    if sweep > 0:
                        np.dot(visible[c0:c1], weights, act[c0:c1])
                    for c in range(c0, c1):
                        for j in range(n_hidden):
                            a[j] = act[c, j] + hidden_bias[j]
                        if sweep == 0 and t > segment.t_start:  # the increments' exps
                            _draw_hidden(
                                a, beta, e_mid[c], hidden[c], state[c, 0], state[c, 1], state[c, 2]
                            )
                        else:
                            hidden_layer(
                                0.0,
                                a,
                                beta,
                                beta,
                                False,
                                True,
                                hidden[c],
                                state[c, 0],
                                state[c, 1],
                                state[c, 2],
                            )
                    np.dot(hidden[c0:c1], weights_t, vis[c0:c1])
                    for c in range(c0, c1):
                        for i in range(n_visible):
                            z[i] = (1.0 - beta) * base_bias[i] + beta * (
                                visible_bias[i] + vis[c, i]
                            )
                        if sweep == 0:  # the row is at hand here: no pass over the block
                            before[c, :] = visible[c]
                        draw_bernoulli_at(
                            z,
                            1.0,
                            visible[c],
                            state[c, 0],
                            state[c, 1],
                            state[c, 2] + np.uint64(n_hidden),
                        )
                        state[c, 2] += np.uint64(n_hidden + n_visible)
                        if sweep == n_sweeps - 1:
                            unchanged = True
                            for i in range(n_visible):
                                if visible[c, i] != before[c, i]:
                                    unchanged = False
                                    break
                            same[c] = unchanged
                np.dot(visible[c0:c1], weights, act[c0:c1])
            for c in range(c0, c1):
                linear = 0.0
                for i0 in range(0, n_visible, CHUNK):
                    i1 = min(i0 + CHUNK, n_visible)
                    linear += _dot_chunk(delta_bias[i0:i1], visible[c, i0:i1])
                for j in range(n_hidden):
                    a[j] = act[c, j] + hidden_bias[j]
                gap_1, gap_2 = _softplus_gaps(a, beta, beta_next, beta_after, e_mid[c])
                inc[c] = (beta_next - beta) * linear + gap_1
                nxt[c] = (beta_after - beta_next) * linear + gap_2
        t, stop = smc_close(population.log_w, inc, nxt, same, moved, segment, t, beta_next, work)
        if stop:
            return t
    return t


# --------------------------------------------------------------- the engine's functions
# (see :mod:`partition.engine`), for RBMs on the per-chain engine: a step given by the user,
# or the built-in block Gibbs with ``driver="engine"``. ``model`` is ``(weights, weights_t,
# visible_bias, hidden_bias, base_bias)``, float64; the cache is empty (the increment
# recomputes the activations from ``v``); the scratch is ``(3, max(n_visible, n_hidden))``.


@jit(inline="always")
def rbm_init(model, v, scratch, stats):  # noqa: ARG001 - the engine's protocol
    """Nothing to cache (an empty array): the increment works from ``v`` alone."""
    return np.empty(0)


@jit(reassoc=True, inline="always")
def rbm_increment(model, v, cache, beta_prev, beta, scratch, log_w):  # noqa: ARG001
    """``log_w`` plus ``log p*_beta(v) - log p*_beta_prev(v)``, hidden units summed out (per
    ``CHUNK`` partial sums in chunk order, as the drivers): :func:`gibbs_increment` on the
    activations at ``v``."""
    act = scratch[0, : model[3].shape[0]]
    _activations(model[0], model[3], v, act)
    return gibbs_increment(model, v, act, beta_prev, beta, scratch, log_w)


# The built-in block Gibbs keeps the activations ``act(v) = c + v W`` as its cache: the
# increments work from them (no product) and the step refills them at its new ``v``, so a
# temperature costs the fused per-chain driver's two products, and the increments are its
# sums, added in its order (its log weights, bit for bit).


@jit(reassoc=True, inline="always")
def gibbs_init(model, v, scratch, stats):  # noqa: ARG001 - the engine's protocol
    """The built-in step's cache: the activations at ``v``."""
    cache = np.empty(model[3].shape[0])
    _activations(model[0], model[3], v, cache)
    return cache


@jit(reassoc=True, inline="always")
def gibbs_increment(model, v, cache, beta_prev, beta, scratch, log_w):
    """:func:`rbm_increment` from the cached activations (no product), added to ``log_w``
    as the fused driver adds it: the linear term, then the chunks."""
    visible_bias, base_bias = model[2], model[4]
    n_visible = v.shape[0]
    linear = 0.0
    for i0 in range(0, n_visible, CHUNK):
        part = 0.0  # _dot_chunk's sum of the fused driver's (b - b_A) v, in its order
        for i in range(i0, min(i0 + CHUNK, n_visible)):
            part += (visible_bias[i] - base_bias[i]) * v[i]
        linear += part
    return hidden_layer(
        log_w + (beta - beta_prev) * linear, cache, beta, beta_prev, True, False,
        scratch[1, : cache.shape[0]], np.uint64(0), np.uint64(1), np.uint64(0),
    )  # fmt: skip


@jit(reassoc=True, inline="always")
def gibbs_step(model, v, cache, beta, tune, key, gamma, counter, scratch, chain_state, stats):  # noqa: ARG001
    """One block-Gibbs sweep, ``h | v`` then ``v | h``: ``n_hidden`` then ``n_visible``
    uniforms, the draws of the fused driver (the hidden ones from the cached activations,
    which are then refilled at the new ``v``)."""
    weights, weights_t, visible_bias, hidden_bias, base_bias = model
    n_visible = v.shape[0]
    n_hidden = hidden_bias.shape[0]
    h = scratch[1, :n_hidden]
    logits = scratch[2, :n_visible]
    hidden_layer(0.0, cache, beta, beta, False, True, h, key, gamma, counter)
    _activations(weights_t, visible_bias, h, logits)
    for i in range(n_visible):
        logits[i] = (1.0 - beta) * base_bias[i] + beta * logits[i]
    draw_bernoulli_at(logits, 1.0, v, key, gamma, counter + np.uint64(n_hidden))
    _activations(weights, hidden_bias, v, cache)
    return counter + np.uint64(n_hidden + n_visible)


@jit(parallel=True, reassoc=True)
def gibbs_engine_segment(model, schedule, population, shape):
    """:func:`partition.engine.engine_segment` with block Gibbs, compiled and cached."""
    log_w = population.log_w
    stats = population.stats
    for c in numba.prange(population.states.shape[0]):
        total, s = run_chain(
            gibbs_init, gibbs_increment, gibbs_step, model, schedule, population, c, shape
        )
        log_w[c] += total
        for i in range(s.shape[0]):
            stats[c, i] += s[i]


@jit(parallel=True, reassoc=True)
def gibbs_engine_smc(model, schedule, population, shape, segment):
    """:func:`partition.engine.run_smc` with block Gibbs, compiled and cached."""
    return run_smc(
        gibbs_init, gibbs_increment, gibbs_step, model, schedule, population, shape, segment
    )

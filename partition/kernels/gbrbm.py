"""Kernels of the Gaussian-Bernoulli RBM: exact enumeration of the hidden layer, exact base
draws, and the AIS segment driver with block Gibbs.

Energy ``E(v, h) = sum_i (v_i - b_i)^2 / (2 s_i^2) - sum_ij (v_i / s_i^2) W_ij h_j - c.h``.
With ``r = b / s`` and ``U = W / s`` (rows scaled by ``1 / s_i``), integrating ``v`` out gives ::

    log Z = sum_i log(sqrt(2 pi) s_i) - |r|^2 / 2 + logsumexp_h [ c.h + |r + U h|^2 / 2 ],

so the hidden states are enumerated in Gray-code order, each flip adding or subtracting one
column of ``U`` (O(n_visible) per state). The ``2^m`` states are cut into aligned blocks,
one ``prange`` task each, that restart their sums from scratch (bounding rounding drift) and
return a partial log-sum-exp; results do not depend on threads.

AIS runs the path from the base ``N(b_A, s^2)`` (hidden units uniform) to the model ::

    log f_beta(v) = -(1 - beta) q_A(v) - beta q_B(v) + sum_j softplus(beta a_j(v)),

``q_A = sum (v - b_A)^2 / (2 s^2)``, ``q_B`` the same with ``b``, ``a(v) = c + (v / s^2) W``.
Gibbs at ``beta``: ``h_j ~ Bern(sigmoid(beta a_j))``, then ``v_i ~ N((1 - beta) b_A_i + beta
(b_i + (W h)_i), s_i^2)``; a sweep takes ``n_hidden`` uniforms, then ``n_visible`` normals by
inversion (``partition.kernels.continuous.normal_at``, one uniform each).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from partition._numba import jit
from partition.engine import run_smc
from partition.kernels.continuous import normal_at
from partition.kernels.rbm import hidden_layer


@jit(reassoc=True, inline="always")
def _half_square(x):
    total = 0.0
    for i in range(x.shape[0]):
        total += x[i] * x[i]
    return 0.5 * total


@jit(reassoc=True, inline="always")
def _start_block(first, scaled_cols, scaled_bias, hidden_bias, s, h):
    """Set ``h`` to the bits of state ``first`` and ``s = r + U h``; return ``c.h``."""
    m = h.shape[0]
    s[:] = scaled_bias
    linear = 0.0
    for j in range(m):
        h[j] = (first >> j) & 1
        if h[j]:
            linear += hidden_bias[j]
            col = scaled_cols[j]
            for i in range(s.shape[0]):
                s[i] += col[i]
    return linear


@jit(parallel=True)
def gbrbm_log_values(scaled_cols, scaled_bias, hidden_bias, block_bits, b0, b1, out):
    """``out[k] = c.h + |r + U h|^2 / 2`` for the hidden states ``h`` (the bits of
    ``(b0 << block_bits) + k``) of blocks ``b0 .. b1 - 1``. ``scaled_cols`` is ``U.T``,
    ``(m, n_visible)``."""
    size = 1 << block_bits
    for t in numba.prange(b1 - b0):
        gbrbm_log_values_block(
            scaled_cols, scaled_bias, hidden_bias, block_bits, b0 + t,
            out[t * size : (t + 1) * size],
        )  # fmt: skip


@jit(parallel=True, reassoc=True)
def gbrbm_log_z_blocks(scaled_cols, scaled_bias, hidden_bias, block_bits, b0, b1):
    """Per block ``(M, S)`` with ``exp(M) S = sum_h exp(c.h + |r + U h|^2 / 2)`` over the
    block's states; blocks ``b0 .. b1 - 1``."""
    size = 1 << block_bits
    n_blocks = b1 - b0
    tops = np.empty(n_blocks)
    sums = np.empty(n_blocks)
    for t in numba.prange(n_blocks):
        values = np.empty(size)
        gbrbm_log_values_block(scaled_cols, scaled_bias, hidden_bias, block_bits, b0 + t, values)
        top = values.max()
        total = 0.0
        for k in range(size):
            total += math.exp(values[k] - top)
        tops[t] = top
        sums[t] = total
    return tops, sums


@jit(reassoc=True)
def gbrbm_log_values_block(scaled_cols, scaled_bias, hidden_bias, block_bits, b, out):
    """:func:`gbrbm_log_values` for one block, serially (the values of block ``b``)."""
    m, n = scaled_cols.shape
    size = 1 << block_bits
    s = np.empty(n)
    h = np.empty(m, dtype=np.int64)
    base = b << block_bits
    linear = _start_block(base, scaled_cols, scaled_bias, hidden_bias, s, h)
    out[0] = linear + _half_square(s)
    for k in range(1, size):
        j = 0
        while not (k >> j) & 1:
            j += 1
        col = scaled_cols[j]
        if h[j]:
            h[j] = 0
            linear -= hidden_bias[j]
            for i in range(n):
                s[i] -= col[i]
        else:
            h[j] = 1
            linear += hidden_bias[j]
            for i in range(n):
                s[i] += col[i]
        out[k ^ (k >> 1)] = linear + _half_square(s)


@jit(parallel=True)
def sample_base(base_mean, sigma, visible, state):
    """Exact draws from the base ``N(b_A, s^2)``: one normal per unit, by inversion."""
    n = base_mean.shape[0]
    for c in numba.prange(visible.shape[0]):
        counter = state[c, 2]
        for i in range(n):
            visible[c, i] = base_mean[i] + sigma[i] * normal_at(
                state[c, 0], state[c, 1], counter + np.uint64(i + 1)
            )
        state[c, 2] = counter + np.uint64(n)


@jit(parallel=True, reassoc=True)
def ais_gbrbm(
    weights,
    weights_t,
    visible_bias,
    hidden_bias,
    sigma,
    base_mean,
    betas,
    n_sweeps,
    transition_at_end,
    visible,
    state,
    log_w,
):
    """A segment of AIS for every chain, one chain per ``prange`` task.

    For ``k = 1 .. len(betas) - 1``: add ``log f_{beta_k}(v) - log f_{beta_{k-1}}(v)`` to
    ``log_w``, then ``n_sweeps`` block-Gibbs sweeps at ``beta_k`` (not after the segment's
    last beta unless ``transition_at_end``). ``visible`` carries the states in and out.
    """
    n_chains, n_visible = visible.shape
    n_hidden = hidden_bias.shape[0]
    n_betas = betas.shape[0]
    inv_var = 1.0 / (sigma * sigma)
    for c in numba.prange(n_chains):
        v = visible[c]
        h = np.empty(n_hidden)
        act = np.empty(n_hidden)
        scaled = np.empty(n_visible)
        key = state[c, 0]
        gamma = state[c, 1]
        counter = state[c, 2]
        total = 0.0
        for k in range(1, n_betas):
            beta_prev = betas[k - 1]
            beta = betas[k]
            transition = k < n_betas - 1 or transition_at_end
            for sweep in range(n_sweeps if transition else 1):
                first = sweep == 0
                for i in range(n_visible):
                    scaled[i] = v[i] * inv_var[i]
                for j in range(n_hidden):
                    act[j] = hidden_bias[j]
                for i in range(n_visible):
                    row = weights[i]
                    x = scaled[i]
                    for j in range(n_hidden):
                        act[j] += x * row[j]
                if first:
                    q_gap = 0.0  # q_B(v) - q_A(v)
                    for i in range(n_visible):
                        d_b = v[i] - visible_bias[i]
                        d_a = v[i] - base_mean[i]
                        q_gap += 0.5 * (d_b * d_b - d_a * d_a) * inv_var[i]
                    total -= (beta - beta_prev) * q_gap
                total = hidden_layer(
                    total, act, beta, beta_prev, first, transition, h, key, gamma, counter
                )
                if not transition:
                    break
                for i in range(n_visible):
                    scaled[i] = visible_bias[i]  # b + W h, then the draw
                for j in range(n_hidden):
                    if h[j] != 0.0:
                        col = weights_t[j]
                        for i in range(n_visible):
                            scaled[i] += col[i]
                for i in range(n_visible):
                    mean = (1.0 - beta) * base_mean[i] + beta * scaled[i]
                    z = normal_at(key, gamma, counter + np.uint64(n_hidden + i + 1))
                    v[i] = mean + sigma[i] * z
                counter += np.uint64(n_hidden + n_visible)
        state[c, 2] = counter
        log_w[c] += total


# --------------------------------------------------------------- the engine's functions
# (see :mod:`partition.engine`), for a step given by the user. ``model`` is ``(weights,
# weights_t, visible_bias, hidden_bias, sigma, base_mean, inv_var)`` (``inv_var = 1 /
# sigma^2``); the cache is empty (the increment works from ``v``); the scratch is ``(3,
# max(n_visible, n_hidden))``.


@jit(inline="always")
def gbrbm_init(model, v, scratch, stats):  # noqa: ARG001 - the engine's protocol
    """Nothing to cache (an empty array)."""
    return np.empty(0)


@jit(reassoc=True, inline="always")
def _activations_and_gap(model, v, act):
    """``act = c + W' (v / sigma^2)`` in place; returns ``q_B(v) - q_A(v)`` (one pass)."""
    weights, visible_bias, hidden_bias, base_mean, inv_var = (
        model[0], model[2], model[3], model[5], model[6]
    )  # fmt: skip
    n_hidden = hidden_bias.shape[0]
    for j in range(n_hidden):
        act[j] = hidden_bias[j]
    q_gap = 0.0
    for i in range(v.shape[0]):
        x = v[i] * inv_var[i]
        row = weights[i]
        for j in range(n_hidden):
            act[j] += x * row[j]
        d_b = v[i] - visible_bias[i]
        d_a = v[i] - base_mean[i]
        q_gap += 0.5 * (d_b * d_b - d_a * d_a) * inv_var[i]
    return q_gap


@jit(reassoc=True, inline="always")
def gbrbm_increment(model, v, cache, beta_prev, beta, scratch, log_w):  # noqa: ARG001
    """``log_w`` plus ``log f_beta(v) - log f_beta_prev(v)``: ``-(beta - beta_prev) (q_B -
    q_A)`` plus the hidden units' softplus sums (added as the fused driver adds them)."""
    n_hidden = model[3].shape[0]
    act = scratch[0, :n_hidden]
    q_gap = _activations_and_gap(model, v, act)
    h = scratch[1, :n_hidden]
    log_w = log_w - (beta - beta_prev) * q_gap
    return hidden_layer(
        log_w, act, beta, beta_prev, True, False, h, np.uint64(0), np.uint64(1), np.uint64(0)
    )


@jit(reassoc=True, inline="always")
def _fill_cache(model, v, cache):
    """``cache = [q_B(v) - q_A(v), act(v)]``: what the built-in step's increments need
    (the sums of :func:`gbrbm_increment`)."""
    cache[0] = _activations_and_gap(model, v, cache[1:])


@jit(inline="always")
def gibbs_init(model, v, scratch, stats):  # noqa: ARG001 - the engine's protocol
    """The built-in step's cache, ``[q_B - q_A, act]`` at ``v`` (kept by the step)."""
    cache = np.empty(1 + model[3].shape[0])
    _fill_cache(model, v, cache)
    return cache


@jit(reassoc=True, inline="always")
def gibbs_increment(model, v, cache, beta_prev, beta, scratch, log_w):  # noqa: ARG001
    """:func:`gbrbm_increment` from the cache: no products."""
    return hidden_layer(
        log_w - (beta - beta_prev) * cache[0],
        cache[1:],
        beta,
        beta_prev,
        True,
        False,
        scratch[1, : cache.shape[0] - 1],
        np.uint64(0),
        np.uint64(1),
        np.uint64(0),
    )


@jit(reassoc=True, inline="always")
def gibbs_step(model, v, cache, beta, tune, key, gamma, counter, scratch, chain_state, stats):  # noqa: ARG001
    """One block-Gibbs sweep, ``h | v`` then ``v | h``: the draws of :func:`ais_gbrbm`
    (``n_hidden`` uniforms, then ``n_visible`` normals), the hidden ones from the cached
    activations; the cache is refilled at the new ``v``."""
    weights_t, visible_bias, hidden_bias, sigma, base_mean = (
        model[1],
        model[2],
        model[3],
        model[4],
        model[5],
    )
    n_visible = v.shape[0]
    n_hidden = hidden_bias.shape[0]
    h = scratch[1, :n_hidden]
    mean = scratch[2, :n_visible]
    hidden_layer(0.0, cache[1:], beta, beta, False, True, h, key, gamma, counter)
    for i in range(n_visible):
        mean[i] = visible_bias[i]
    for j in range(n_hidden):
        if h[j] != 0.0:
            col = weights_t[j]
            for i in range(n_visible):
                mean[i] += col[i]
    for i in range(n_visible):
        z = normal_at(key, gamma, counter + np.uint64(n_hidden + i + 1))
        v[i] = (1.0 - beta) * base_mean[i] + beta * mean[i] + sigma[i] * z
    _fill_cache(model, v, cache)
    return counter + np.uint64(n_hidden + n_visible)


@jit(parallel=True, reassoc=True)
def gibbs_smc(model, schedule, population, shape, segment):
    """:func:`partition.engine.run_smc` with block Gibbs, compiled and cached: SMC on a
    fixed schedule (AIS keeps :func:`ais_gbrbm`)."""
    return run_smc(
        gibbs_init, gibbs_increment, gibbs_step, model, schedule, population, shape, segment
    )

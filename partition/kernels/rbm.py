"""Block-Gibbs and AIS kernels for the RBM family.

The annealing path is the one of Salakhutdinov & Murray (2008): at inverse temperature
``beta`` the visible marginal is

    log p*_beta(v) = ((1 - beta) b_A + beta b) . v + sum_j softplus(beta (c_j + (v W)_j))

(the base model A has visible biases ``b_A`` and no couplings; the hidden units are summed
out). Gibbs at ``beta``: ``h_j ~ Bern(sigmoid(beta (c_j + (v W)_j)))``, then
``v_i ~ Bern(sigmoid((1 - beta) b_A_i + beta (b_i + (W h)_i)))``.

Two drivers, chosen by size (see ``partition.models._rbm_ais``):

- batched, for large layers: the caller computes the matrix products for all chains at once
  (one BLAS GEMM per half sweep); :func:`increment_and_sample_hidden` and
  :func:`sample_visible` then do the elementwise work in one fused loop per chain
  (``prange`` over chains);
- fused, for small layers: :func:`ais_fused` runs whole chains in numba, adding the weight
  rows of the active units instead of a dense product.

Both consume each chain's random stream in the same order (per transition: ``n_hidden``
uniforms, then ``n_visible``), so they agree to rounding. Weight increments use the product
form of the softplus sum (one ``log`` per chain and temperature).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from partition._numba import jit
from partition.kernels._math import LN2, exp_neg, sigmoid, split_exponent
from partition.kernels._random import fill_uniform

_CHUNK = 512  # factors of the softplus-difference product lie in [1/2, 2]


@jit(reassoc=True, inline="always")
def _softplus_difference(act, beta_now, beta_prev):
    """``sum_j softplus(beta_now a_j) - softplus(beta_prev a_j)``."""
    n = act.shape[0]
    total = 0.0
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        seg = act[start:stop]
        positive = 0.0
        prod = 1.0
        for j in range(seg.shape[0]):
            a_now = beta_now * seg[j]
            a_prev = beta_prev * seg[j]
            positive += max(a_now, 0.0) - max(a_prev, 0.0)
            prod *= (1.0 + exp_neg(abs(a_now))) / (1.0 + exp_neg(abs(a_prev)))
        mant, e = split_exponent(prod)
        total += positive + e * LN2 + math.log(mant)
    return total


@jit(reassoc=True, inline="always")
def _bernoulli(logits, scale, out, uniforms):
    """``out_j = 1 if u_j < sigmoid(scale * logits_j) else 0``."""
    for j in range(out.shape[0]):
        out[j] = 1.0 if uniforms[j] < sigmoid(scale * logits[j]) else 0.0


@jit(parallel=True, reassoc=True)
def increment_and_sample_hidden(
    products, hidden_bias, visible, delta_bias, beta_prev, beta_now, log_w, hidden, state, sample
):
    """Batched half-step at ``beta_now`` for every chain.

    ``products`` is ``visible @ W`` (n_chains, n_hidden) from the caller's GEMM; it is
    overwritten with the activations ``c + v W``. When ``beta_prev >= 0`` the AIS weight
    increment ``log p*_now(v) - log p*_prev(v)`` is added to ``log_w`` (``delta_bias`` is
    ``b - b_A``). When ``sample`` is true, hidden states are drawn into ``hidden``.
    """
    n_chains, n_hidden = products.shape
    for c in numba.prange(n_chains):
        act = products[c]
        for j in range(n_hidden):
            act[j] = act[j] + hidden_bias[j]
        if beta_prev >= 0.0:
            linear = 0.0
            v = visible[c]
            for i in range(v.shape[0]):
                linear += delta_bias[i] * v[i]
            log_w[c] += (beta_now - beta_prev) * linear + _softplus_difference(
                act, beta_now, beta_prev
            )
        if sample:
            uniforms = np.empty(n_hidden)
            fill_uniform(state, c, uniforms)
            _bernoulli(act, beta_now, hidden[c], uniforms)


@jit(parallel=True, reassoc=True)
def sample_visible(products, visible_bias, base_bias, beta, visible, state):
    """Batched half-step: ``products`` is ``hidden @ W.T``; draw ``visible`` at ``beta``."""
    n_chains, n_visible = products.shape
    for c in numba.prange(n_chains):
        logits = np.empty(n_visible)
        row = products[c]
        for i in range(n_visible):
            logits[i] = (1.0 - beta) * base_bias[i] + beta * (visible_bias[i] + row[i])
        uniforms = np.empty(n_visible)
        fill_uniform(state, c, uniforms)
        _bernoulli(logits, 1.0, visible[c], uniforms)


@jit(parallel=True, reassoc=True)
def sample_base(base_bias, visible, state):
    """Exact draws from the base model ``p_A(v) = prod_i Bern(sigmoid(b_A_i))``."""
    n_chains, n_visible = visible.shape
    for c in numba.prange(n_chains):
        uniforms = np.empty(n_visible)
        fill_uniform(state, c, uniforms)
        _bernoulli(base_bias, 1.0, visible[c], uniforms)


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
        u_h = np.empty(n_hidden)
        u_v = np.empty(n_visible)
        total = 0.0
        for k in range(1, n_betas):
            beta_prev = betas[k - 1]
            beta = betas[k]
            _activations(weights, hidden_bias, v, act)
            linear = 0.0
            for i in range(n_visible):
                linear += delta_bias[i] * v[i]
            total += (beta - beta_prev) * linear + _softplus_difference(act, beta, beta_prev)
            if k == n_betas - 1 and not transition_at_end:
                break
            for sweep in range(n_sweeps):
                if sweep > 0:
                    _activations(weights, hidden_bias, v, act)
                fill_uniform(state, c, u_h)
                _bernoulli(act, beta, h, u_h)
                _activations(weights_t, visible_bias, h, logits)
                for i in range(n_visible):
                    logits[i] = (1.0 - beta) * base_bias[i] + beta * logits[i]
                fill_uniform(state, c, u_v)
                _bernoulli(logits, 1.0, v, u_v)
        log_w[c] += total

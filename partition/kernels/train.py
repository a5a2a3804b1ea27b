"""A whole epoch of CD-k or PCD-k updates of a Bernoulli RBM in one compiled call.

Per mini-batch (rows ``order[first : first + batch_size]`` of ``data``): the positive
statistics ``v' p(h | v)`` of the batch, ``k`` block-Gibbs sweeps of the negative chains
(CD: started from the batch; PCD: the persistent chains, carried across calls), their
statistics ``v' p(h | v)`` scaled by ``batch / chains``, and the SGD-with-momentum update
with L2 decay on the weights::

    velocity = momentum velocity + (lr / batch) (positive - negative - decay batch W)
    theta += velocity

Negative chain ``j`` draws from its own stream (:mod:`partition.kernels._random`): ``n_hidden``
uniforms then ``n_visible`` per sweep, so an epoch is a function of the seed alone. Serial:
a batch of 20 rows of a 64 x 20 model is a few microseconds of work, less than a thread's
wake-up; the products are single-threaded BLAS calls.
"""

from __future__ import annotations

import numpy as np

from partition._numba import jit
from partition.kernels._math import exp_neg
from partition.kernels._random import uniform_at


@jit(reassoc=True, inline="always")
def _sigmoid_rows(x):
    """``x = sigmoid(x)`` in place, branch-free (vectorises)."""
    flat = x.reshape(-1)
    for t in range(flat.shape[0]):
        y = flat[t]
        e = exp_neg(abs(y))
        flat[t] = (1.0 if y >= 0.0 else e) / (1.0 + e)


@jit(reassoc=True, inline="always")
def _draw_units(act, bias, out, streams, offset):
    """``out[q, j] = 1`` with probability ``sigmoid(act[q, j] + bias[j])``, from chain ``q``'s
    uniforms at ``counter + offset + j + 1`` (the counters are advanced by the caller);
    ``out`` may be ``act``."""
    for q in range(out.shape[0]):
        key = streams[q, 0]
        gamma = streams[q, 1]
        start = streams[q, 2] + np.uint64(offset)
        for j in range(out.shape[1]):
            x = act[q, j] + bias[j]
            e = exp_neg(abs(x))
            u = uniform_at(key, gamma, start + np.uint64(j + 1))
            out[q, j] = 1.0 if u * (1.0 + e) < (1.0 if x >= 0.0 else e) else 0.0


@jit(reassoc=True)
def cd_epoch(
    w, b, c, vel_w, vel_b, vel_c, data, order, batch_size, k, persistent, chains, streams,
    learning_rate, momentum, weight_decay,
):  # fmt: skip
    """One epoch of updates, in place on ``w, b, c`` and their velocities. With
    ``persistent`` the negative chains are ``chains`` (PCD; updated in place), else the first
    rows of ``chains`` are overwritten by each batch (CD; ``chains`` has ``batch_size``
    rows). ``streams`` has one row per chain. Returns the number of updates. The products
    are BLAS GEMMs over the batch and over the chains."""
    n = order.shape[0]
    n_visible, n_hidden = w.shape
    w_t = np.empty((n_hidden, n_visible))
    batch = np.empty((batch_size, n_visible))
    pos_h = np.empty((batch_size, n_hidden))
    n_chains = chains.shape[0]
    neg_h = np.empty((n_chains, n_hidden))
    neg_v = np.empty((n_chains, n_visible))
    n_updates = 0
    for first in range(0, n, batch_size):
        size = min(batch_size, n - first)
        for r in range(size):
            batch[r, :] = data[order[first + r]]
        v_pos = batch[:size]
        h_pos = pos_h[:size]
        np.dot(v_pos, w, h_pos)
        for r in range(size):
            for j in range(n_hidden):
                h_pos[r, j] += c[j]
        _sigmoid_rows(h_pos)
        if not persistent:
            chains[:size, :] = v_pos
        m = n_chains if persistent else size
        v_neg = chains[:m]
        h_neg = neg_h[:m]
        act_v = neg_v[:m]
        for i in range(n_visible):
            for j in range(n_hidden):
                w_t[j, i] = w[i, j]
        for _ in range(k):
            np.dot(v_neg, w, h_neg)
            _draw_units(h_neg, c, h_neg, streams, 0)
            np.dot(h_neg, w_t, act_v)
            _draw_units(act_v, b, v_neg, streams, n_hidden)
            for q in range(m):
                streams[q, 2] += np.uint64(n_hidden + n_visible)
        np.dot(v_neg, w, h_neg)
        for q in range(m):
            for j in range(n_hidden):
                h_neg[q, j] += c[j]
        _sigmoid_rows(h_neg)
        scale = size / m
        grad_w = np.dot(v_pos.T, h_pos) - scale * np.dot(v_neg.T, h_neg)
        step = learning_rate / size
        decay = weight_decay * size
        grad_b = v_pos.sum(axis=0) - scale * v_neg.sum(axis=0)
        grad_c = h_pos.sum(axis=0) - scale * h_neg.sum(axis=0)
        vel_w[:] = momentum * vel_w + step * (grad_w - decay * w)
        vel_b[:] = momentum * vel_b + step * grad_b
        vel_c[:] = momentum * vel_c + step * grad_c
        w += vel_w
        b += vel_b
        c += vel_c
        n_updates += 1
    return n_updates
